"""Experiments end to end in the sandbox: real ads, nightly steps, the call against the market's truth.

Each run starts a seeded sandbox over HTTP, launches a 4-arm CTA test through the Graph API
(:func:`experiments.runner.create_experiment`), then advances the market a day at a time and runs the
nightly :func:`~experiments.runner.step` until the decision rule calls it or 21 days pass. The call is
right when the winner is the arm with the highest true CTR at launch (or no winner when that is the
control). Per traffic method: share of correct calls, days and spend to the call, clicks bought.
"""

from __future__ import annotations

import statistics
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import optuna
import requests

from experiments.runner import create_experiment, step
from experiments.spec import ExperimentSpec, parse_arms
from experiments.stats.decision import DecisionPolicy, Status
from experiments.traffic import Method
from optimizer.config import Settings
from optimizer.meta.connect import connect
from optimizer.sandbox.graph import GraphApp, ManualClock, SandboxConfig, SandboxServer
from optimizer.sandbox.market import Market, MarketConfig
from optimizer.store import Store

__all__ = ["RunResult", "run_experiment", "sandbox_rows"]

ARMS = "SHOP_NOW:summer,LEARN_MORE:summer,BUY_NOW:summer,ORDER_NOW:summer"
#: (traffic method, smallest control share) per table row
CONFIGS: tuple[tuple[Method, float | None], ...] = (
    ("even", None),
    ("thompson", None),
    ("top_two_thompson", None),
    ("top_two_thompson", 0.25),
)


@dataclass(frozen=True)
class RunResult:
    seed: int
    method: str
    correct: bool
    called: bool
    days: int
    spend: Decimal
    clicks: int


def run_experiment(
    seed: int,
    method: Method,
    daily_budget: Decimal = Decimal("100"),
    control_share: float | None = None,
) -> RunResult:
    """One experiment on a fresh sandbox market ``seed`` with traffic ``method``."""
    market = Market(
        MarketConfig(
            seed=seed, campaigns=1, adsets=2, ads_per_adset=1, history_days=3, cbo_campaigns=0
        )
    )
    clock = ManualClock()
    server = SandboxServer(GraphApp(market, SandboxConfig(), clock=clock))
    url = server.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            store = Store(f"sqlite:///{Path(folder) / 'bench.db'}")
            client = connect(Settings(), url)
            spec = ExperimentSpec(
                name=f"bench {seed} {method}",
                arms=parse_arms(ARMS),
                control="SHOP_NOW:summer",
                metric="ctr",
                daily_budget=daily_budget,
                traffic=method,
                control_share=control_share,
                policy=DecisionPolicy(
                    min_runtime_days=3, min_units_per_arm=3000, max_runtime_days=21
                ),
                seed=seed,
            )
            storage = optuna.storages.InMemoryStorage()
            account = next(iter(market.accounts))
            start = market.today
            experiment_id = create_experiment(
                store, client, account, spec, today=start, storage=storage
            )
            ads = {a.name: a for a in spec.arms}
            result = None
            for _ in range(21):
                requests.post(f"{url}/_sandbox/advance", data={"days": 1}, timeout=30)
                result = step(store, client, experiment_id, today=market.today, storage=storage)
                if result.concluded:
                    break
            assert result is not None
            evaluation = result.evaluation
            truth = {
                name: market.truth.ad_rates(ad_id, start)["ctr"]
                for name, ad_id in _ad_ids(market, ads).items()
            }
            store.close()
    finally:
        server.stop()
    best = max(truth, key=lambda n: truth[n])
    decision = evaluation.decision
    correct = (decision.status == Status.WINNER and decision.winner == best) or (
        decision.status == Status.NO_WINNER and best == spec.control
    )
    return RunResult(
        seed=seed,
        method=method,
        correct=correct,
        called=decision.status in {Status.WINNER, Status.NO_WINNER},
        days=int(evaluation.runtime_days),
        spend=sum((t.spend for t in evaluation.totals.values()), Decimal(0)),
        clicks=sum(t.clicks for t in evaluation.totals.values()),
    )


def _ad_ids(market: Market, arms: Mapping[str, object]) -> dict[str, str]:
    """The arms' ad ids, found by the names the runner gives its ads."""
    out = {}
    for ad in market.ads.values():
        for name in arms:
            if ad.name.endswith(f"· {name}"):
                out[name] = ad.id
    return out


def sandbox_rows(seeds: list[int]) -> tuple[list[str], list[list[object]]]:
    """Header and one row per traffic method over ``seeds``."""
    header = [
        "traffic",
        "experiments",
        "correct call",
        "called by day 21",
        "median days to call",
        "mean days",
        "mean spend",
        "clicks per $",
    ]
    rows: list[list[object]] = []
    for method, control_share in CONFIGS:
        runs = [run_experiment(seed, method, control_share=control_share) for seed in seeds]
        spend = sum((r.spend for r in runs), Decimal(0))
        rows.append(
            [
                method + (f", control >= {control_share:.0%}" if control_share else ""),
                len(runs),
                f"{sum(r.correct for r in runs) / len(runs):.0%}",
                f"{sum(r.called for r in runs) / len(runs):.0%}",
                statistics.median(r.days for r in runs),
                f"{statistics.mean(r.days for r in runs):.1f}",
                f"{spend / len(runs):,.2f}",
                f"{sum(r.clicks for r in runs) / float(spend):.3f}",
            ]
        )
    return header, rows
