"""Allocation speed and quality, and the models' calibration on sandbox data (issue #3 "must show").

* ``allocate()`` for 10,000 ad sets (posteriors given: the fit is timed in the closed-loop section) and the
  water-filling solver alone, best of a few runs; target under a second.
* Water-filling against ``scipy.optimize.minimize(method="SLSQP")`` (PyMC-Marketing's approach) on the same
  curves at 100 and 1,000 ad sets: objective gap and speed ratio; target equal or better objective.
* Calibration: 90% posterior intervals of expected conversions at current spend against the sandbox truth,
  pooled over market seeds; target 85-95% coverage.
"""

from __future__ import annotations

import time
from datetime import date, timedelta

import numpy as np
import pandas as pd

from benchmarks.report import Section
from optimizer.allocation import allocate
from optimizer.allocation.benchmark import compare_with_slsqp, random_problem, time_allocation
from optimizer.backtest import reported_history
from optimizer.models import Calibration, ModelConfig, calibrate, pooled_coverage
from optimizer.models.posterior import FitResult, FitStatus
from optimizer.sandbox.market import Market, MarketConfig

AS_OF = date(2026, 3, 2)


def _account(n: int, seed: int = 0) -> tuple[pd.DataFrame, dict[str, FitResult]]:
    """One day of history and hand-made posteriors for ``n`` ad sets around $100/day."""
    rng = np.random.default_rng(seed)
    ids = [f"a{i:05d}" for i in range(n)]
    budget = np.round(100.0 * np.exp(rng.normal(0.0, 0.6, n)), 2)
    history = pd.DataFrame(
        {
            "date": AS_OF - timedelta(days=1), "adset_id": ids,
            "campaign_id": [f"c{i % 50}" for i in range(n)], "spend": budget,
            "impressions": 1000.0, "clicks": 20.0, "conversions": 3.0, "revenue": 120.0,
            "daily_budget": budget,
        }
    )  # fmt: skip
    posteriors = {
        a: FitResult(
            adset_id=a,
            campaign_id=f"c{i % 50}",
            status=FitStatus.FITTED,
            reason="",
            reference_spend=float(budget[i]),
            mean=(float(np.log(1 / 30) + rng.normal(0, 0.4)), float(rng.uniform(0.5, 0.85))),
            cov=((0.04, 0.0), (0.0, 0.01)),
            weekday=(1.0,) * 7,
            dispersion=10.0,
            order_value=40.0,
            order_value_log_mean=float(np.log(40.0)),
            order_value_log_var=0.01,
            days=30,
        )  # fmt: skip
        for i, a in enumerate(ids)
    }
    return history, posteriors


def time_allocate(n: int, repeats: int = 3) -> float:
    """Best-of-``repeats`` wall time of ``allocate()`` for ``n`` ad sets with their posteriors given."""
    history, posteriors = _account(n)
    policy = {
        "currency": "USD", "total_daily_budget": str(round(float(history["spend"].sum()), 2)),
        "objective": "profit", "adsets": list(posteriors),
    }  # fmt: skip
    best = float("inf")
    for _ in range(repeats):
        began = time.perf_counter()
        table = allocate(history, policy, posteriors=posteriors, as_of=AS_OF)
        best = min(best, time.perf_counter() - began)
        assert len(table) == n
    return best


def calibration(seeds: list[int], config: ModelConfig | None = None) -> list[Calibration]:
    """90% interval checks on sandbox markets of 40 ad sets with 90 days of history, one per seed."""
    results = []
    for seed in seeds:
        market = Market(MarketConfig(seed=seed, adsets=40, history_days=90))
        account = next(iter(market.accounts))
        until = market.today - timedelta(days=1)
        history = reported_history(market, account, market.config.first_day, until)
        results.append(
            calibrate(history, market.truth.expected_purchases, as_of=market.today, config=config)
        )
    return results


def run(quick: bool = False) -> Section:
    section = Section(
        "Allocation: speed, SLSQP side by side, calibration",
        "python -m benchmarks allocation" + (" --quick" if quick else ""),
    )
    n = 10_000
    whole = time_allocate(n)
    solver = time_allocation(n)
    section.lines.append(
        f"**{n:,} ad sets** (profit objective, +-20% change limits, 50 campaigns; posteriors given, "
        "best of 3). Target: under a second.\n"
    )
    section.table(
        ["step", "seconds", "target met?"],
        [
            ["`allocate()`: units, curves, water-filling, rounding, outcomes, reasons",
             f"{whole:.2f}", "yes" if whole < 1 else "**no**"],
            ["water-filling alone", f"{solver:.3f}", "yes" if solver < 1 else "**no**"],
        ],
    )  # fmt: skip
    section.lines.append(
        "**Water-filling vs `scipy.optimize.minimize` (SLSQP, PyMC-Marketing's approach) on the same "
        "curves** (`optimizer.allocation.benchmark.random_problem`: power curves, +-20% bounds; spend "
        "the total, and profit with the total as a cap). Gap = (ours - SLSQP) / |SLSQP|, >= 0 means "
        "ours is at least as good (gaps of order 1e-14 are floating-point rounding: equal).\n"
    )
    rows: list[list[object]] = []
    for size in (100, 1000):
        for label, cost in (("spend the total", 0.0), ("profit, total as cap", 1.0)):
            result = compare_with_slsqp(random_problem(size, seed=size, cost=cost))
            rows.append(
                [
                    f"{size:,}", label, f"{result.waterfill_objective:,.2f}",
                    f"{result.slsqp_objective:,.2f}", f"{result.relative_gap:+.2e}",
                    f"{result.waterfill_seconds * 1000:.1f}", f"{result.slsqp_seconds * 1000:.0f}",
                    f"{result.speedup:,.0f}x", "yes" if result.slsqp_success else "no",
                    "yes" if result.relative_gap >= -1e-9 else "**no**",
                ]
            )  # fmt: skip
    section.table(
        ["ad sets", "problem", "water-filling objective", "SLSQP objective", "gap",
         "water-filling ms", "SLSQP ms", "speed ratio", "SLSQP converged", "equal or better?"],
        rows,
    )  # fmt: skip
    seeds = list(range(4)) if quick else list(range(12))
    results = calibration(seeds)
    checked = sum(r.checked for r in results)
    coverage = pooled_coverage(results)
    error = float(np.median([r.median_relative_error for r in results]))
    section.lines.append(
        f"**Calibration** (`optimizer.models.calibrate` on sandbox markets: seeds {seeds[0]}-"
        f"{seeds[-1]}, 40 ad sets, 90 days of reported history with attribution delay; each ad set "
        "running in the last week, its 90% interval of expected conversions at its mean spend that "
        "week against the truth for the next day). Target: 85-95%.\n"
    )
    section.table(
        ["ad sets checked", "90% interval coverage", "median relative error", "target met?"],
        [
            [
                checked,
                f"{coverage:.1%}",
                f"{error:.1%}",
                "yes" if 0.85 <= coverage <= 0.95 else "**no**",
            ]
        ],
    )
    return section
