"""Evaluation of stored arm-days: the same numbers as analyze/decide, the split check, caveats, gates."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from experiments.evaluation import ArmInfo, arm_totals, check_split, evaluate
from experiments.metrics import METRICS, metric_frame
from experiments.spec import ExperimentSpec, parse_arms
from experiments.stats.analyze import analyze
from experiments.stats.decision import DecisionPolicy, Status, decide
from optimizer.errors import InputError

START = date(2026, 3, 2)
ARMS = parse_arms("SHOP_NOW:photo,LEARN_MORE:photo,BUY_NOW:photo")
INFO = tuple(ArmInfo(a.name, a.cta, a.creative, a.name == "SHOP_NOW:photo") for a in ARMS)


def _spec(**changes: object) -> ExperimentSpec:
    fields: dict[str, object] = {
        "name": "t",
        "arms": ARMS,
        "control": "SHOP_NOW:photo",
        "metric": "ctr",
        "daily_budget": Decimal("300"),
        "policy": DecisionPolicy(min_runtime_days=7, min_units_per_arm=20_000),
        "traffic": "even",
    }
    fields.update(changes)
    return ExperimentSpec(**fields)  # type: ignore[arg-type]


def _daily(
    days: int,
    ctr: tuple[float, ...] = (0.020, 0.026, 0.020),
    cvr: tuple[float, ...] = (0.03, 0.03, 0.03),
    impressions: tuple[int, ...] = (10_000, 10_000, 10_000),
    spend: tuple[str, ...] = ("100.00", "100.00", "100.00"),
    seed: int = 0,
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for d in range(days):
        for i, arm in enumerate(ARMS):
            clicks = int(rng.binomial(impressions[i], ctr[i]))
            links = int(rng.binomial(clicks, 0.6))
            purchases = int(rng.poisson(links * cvr[i]))
            rows.append(
                {
                    "arm": arm.name,
                    "date": START + timedelta(days=d),
                    "spend": Decimal(spend[i]),
                    "impressions": impressions[i],
                    "clicks": clicks,
                    "link_clicks": links,
                    "purchases": purchases,
                    "revenue": Decimal(purchases * 70) + Decimal("0.25"),
                }
            )
    return pd.DataFrame(rows)


def _even_plan() -> pd.DataFrame:
    return pd.DataFrame(
        [{"arm": a.name, "effective_on": START, "daily_budget": 10_000} for a in ARMS]
    )


def test_numbers_are_analyze_and_decide_on_the_summed_days() -> None:
    spec = _spec()
    daily = _daily(10)
    result = evaluate(spec, INFO, daily, _even_plan(), first_day=START)
    frame = metric_frame(daily, METRICS["ctr"], [a.name for a in ARMS])
    assert list(frame["units"]) == [100_000] * 3
    assert list(frame["conversions"]) == [
        int(daily[daily["arm"] == a.name]["clicks"].sum()) for a in ARMS
    ]
    expected = analyze(frame, "SHOP_NOW:photo", "proportion", seed=spec.seed)
    assert result.table is not None
    pd.testing.assert_frame_equal(result.table, expected)
    assert result.runtime_days == 10
    assert result.decision == decide(expected, 10, spec.policy)
    assert result.decision.status == Status.WINNER
    assert result.decision.winner == "LEARN_MORE:photo"


def test_cost_per_purchase_is_an_inverse_ratio_over_arm_days() -> None:
    spec = _spec(metric="cost_per_purchase", policy=DecisionPolicy(min_units_per_arm=1000))
    daily = _daily(12, ctr=(0.02, 0.02, 0.02), cvr=(0.03, 0.045, 0.03))
    result = evaluate(spec, INFO, daily, _even_plan(), first_day=START)
    frame = metric_frame(daily, METRICS["cost_per_purchase"], [a.name for a in ARMS])
    assert list(frame["units"]) == [12, 12, 12]  # arm-days
    expected = analyze(frame, "SHOP_NOW:photo", "ratio", inverse=True, seed=spec.seed)
    assert result.table is not None
    pd.testing.assert_frame_equal(result.table, expected)
    learn = result.table.set_index("arm").loc["LEARN_MORE:photo"]
    assert learn["lift_mean"] < 0 and learn["chance_to_beat_control"] > 0.9  # cheaper purchases
    # decide needs only two arm-days; the minimum sample is counted in impressions
    assert result.decision == decide(expected, 12, replace(spec.policy, min_units_per_arm=2))


def test_minimum_impressions_hold_the_call_whatever_the_metric() -> None:
    spec = _spec(policy=DecisionPolicy(min_runtime_days=1, min_units_per_arm=150_000))
    result = evaluate(spec, INFO, _daily(10), _even_plan(), first_day=START)
    assert result.decision.status == Status.KEEP_RUNNING
    assert "100000 impressions of a minimum 150000" in result.decision.reasons[0]
    assert result.caveats[0].startswith("Too early to call")


def test_an_arm_without_results_is_reported_not_analysed() -> None:
    daily = _daily(3)
    daily = daily[daily["arm"] != "BUY_NOW:photo"]
    result = evaluate(_spec(), INFO, daily, _even_plan(), first_day=START)
    assert result.table is None
    assert result.decision.status == Status.KEEP_RUNNING
    assert result.decision.reasons == ("no results yet for arm 'BUY_NOW:photo'",)
    assert result.totals["BUY_NOW:photo"].impressions == 0


def test_totals_keep_money_exact() -> None:
    totals = arm_totals(_daily(3), [a.name for a in ARMS])
    assert totals["SHOP_NOW:photo"].spend == Decimal("300.00")
    assert totals["SHOP_NOW:photo"].revenue % 1 == Decimal("0.75")
    assert totals["SHOP_NOW:photo"].days == 3


def test_split_check_flags_an_arm_that_did_not_spend_its_share() -> None:
    names = [a.name for a in ARMS]
    fine = check_split(_daily(5), _even_plan(), names)
    assert fine is not None and not fine.flagged
    assert fine.planned == pytest.approx(dict.fromkeys(names, 1 / 3))
    starved = _daily(5, spend=("100.00", "100.00", "40.00"))
    flagged = check_split(starved, _even_plan(), names)
    assert flagged is not None and flagged.flagged and flagged.worst_arm == "BUY_NOW:photo"
    assert flagged.delivered["BUY_NOW:photo"] == pytest.approx(40 / 240)
    assert "sample-ratio mismatch" in flagged.message


def test_split_check_follows_budget_changes_over_time() -> None:
    names = [a.name for a in ARMS]
    plan = pd.concat(
        [
            _even_plan(),
            pd.DataFrame(
                [
                    {"arm": n, "effective_on": START + timedelta(days=2), "daily_budget": b}
                    for n, b in zip(names, (5_000, 20_000, 5_000), strict=True)
                ]
            ),
        ]
    )
    later = {"SHOP_NOW:photo": "50", "LEARN_MORE:photo": "200", "BUY_NOW:photo": "50"}
    daily = _daily(4)
    daily = daily.assign(
        spend=pd.Series(
            [
                Decimal(later[a]) if d >= START + timedelta(days=2) else s
                for a, d, s in zip(daily["arm"], daily["date"], daily["spend"], strict=True)
            ],
            index=daily.index,
            dtype=object,
        )
    )
    check = check_split(daily, plan, names)
    assert check is not None and not check.flagged
    assert check.planned["LEARN_MORE:photo"] == pytest.approx((100 + 100 + 200 + 200) / 1200)


def test_caveats_novelty_attribution_adaptive_and_guardrails() -> None:
    spec = _spec(
        metric="ctr",
        guardrails=("conversion_rate",),
        traffic="top_two_thompson",
        policy=DecisionPolicy(min_runtime_days=1, min_units_per_arm=1000),
    )
    daily = _daily(6, cvr=(0.05, 0.005, 0.05))  # the CTR leader converts far worse
    result = evaluate(spec, INFO, daily, _even_plan(), first_day=START)
    text = " ".join(result.caveats)
    assert "run 6 days" in text and "novelty" in text
    assert "adaptive allocation" in text
    assert "divergent delivery" in text
    (guard,) = result.guardrails
    assert guard.metric == "conversion_rate" and guard.hurt == ("LEARN_MORE:photo",)
    assert "Guardrail Conversion rate: arm LEARN_MORE:photo" in text
    purchase = evaluate(_spec(metric="roas"), INFO, daily, _even_plan(), first_day=START)
    assert any("attributing purchases" in c for c in purchase.caveats)


def test_bad_input_names_the_problem() -> None:
    with pytest.raises(InputError, match="missing column"):
        evaluate(_spec(), INFO, _daily(2).drop(columns="clicks"), _even_plan(), first_day=START)
    retired = tuple(replace(a, status="retired") if a.is_control else a for a in INFO)
    with pytest.raises(InputError, match="control"):
        evaluate(_spec(), retired, _daily(2), _even_plan(), first_day=START)


def test_spend_based_metrics_warn_about_diminishing_returns_under_adaptive_budgets() -> None:
    daily = _daily(8)
    adaptive = evaluate(
        _spec(metric="cost_per_purchase", traffic="thompson"),
        INFO,
        daily,
        _even_plan(),
        first_day=START,
    )
    assert any("each extra dollar buys a little less" in c for c in adaptive.caveats)
    even = evaluate(_spec(metric="cost_per_purchase"), INFO, daily, _even_plan(), first_day=START)
    assert not any("each extra dollar" in c for c in even.caveats)
    ctr = evaluate(_spec(traffic="thompson"), INFO, daily, _even_plan(), first_day=START)
    assert not any("each extra dollar" in c for c in ctr.caveats)
