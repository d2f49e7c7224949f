"""Summary content: the verdict's numbers are the analysis table's, words follow the decision."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd

from experiments.evaluation import ArmInfo, Evaluation, evaluate
from experiments.spec import ExperimentSpec, parse_arms
from experiments.stats.decision import DecisionPolicy, Status
from experiments.summary.content import (
    Branding,
    arm_label,
    build_summary,
    cta_label,
    pct,
    signed_pct,
)

START = date(2026, 3, 2)


def evaluation_for(
    ctr: tuple[float, ...],
    *,
    days: int = 10,
    arms: str = "SHOP_NOW:photo,LEARN_MORE:photo,BUY_NOW:photo",
    metric: str = "ctr",
    policy: DecisionPolicy | None = None,
    seed: int = 0,
) -> Evaluation:
    """An evaluation of simulated arm-days (10,000 impressions per arm and day)."""
    parsed = parse_arms(arms)
    spec = ExperimentSpec(
        name="Summer CTA test",
        arms=parsed,
        control=parsed[0].name,
        metric=metric,  # type: ignore[arg-type]
        daily_budget=Decimal("300"),
        policy=policy or DecisionPolicy(min_runtime_days=7, min_units_per_arm=20_000),
        traffic="even",
    )
    rng = np.random.default_rng(seed)
    rows = []
    for d in range(days):
        for arm, rate in zip(parsed, ctr, strict=True):
            clicks = int(rng.binomial(10_000, rate))
            purchases = int(rng.poisson(clicks * 0.02))
            rows.append(
                {
                    "arm": arm.name,
                    "date": START + timedelta(days=d),
                    "spend": Decimal("33.33"),
                    "impressions": 10_000,
                    "clicks": clicks,
                    "link_clicks": int(clicks * 0.6),
                    "purchases": purchases,
                    "revenue": Decimal(purchases) * Decimal("59.90"),
                }
            )
    plan = pd.DataFrame(
        [{"arm": a.name, "effective_on": START, "daily_budget": 3333} for a in parsed]
    )
    info = tuple(ArmInfo(a.name, a.cta, a.creative, a.name == spec.control) for a in parsed)
    return evaluate(spec, info, pd.DataFrame(rows), plan, first_day=START)


def test_formatting_helpers() -> None:
    assert cta_label("SHOP_NOW") == "Shop Now"
    assert pct(0.9612) == "96%" and pct(0.9999) == ">99%" and pct(0.001) == "<1%"
    assert signed_pct(0.1234) == "+12%" and signed_pct(-0.043) == "\u22124.3%"
    arms = tuple(
        ArmInfo(n, c, k, False) for n, c, k in [("a", "SHOP_NOW", "x"), ("b", "BUY_NOW", "x")]
    )
    assert arm_label(arms[0], arms) == "Shop Now"
    mixed = arms + (ArmInfo("c", "SHOP_NOW", "y", False),)
    assert arm_label(mixed[2], mixed) == "Shop Now · y"


def test_winner_verdict_quotes_the_table() -> None:
    evaluation = evaluation_for((0.020, 0.0235, 0.020))
    assert evaluation.decision.status == Status.WINNER
    summary = build_summary(evaluation, Branding("Acme"), "USD", generated_on=date(2026, 3, 13))
    assert evaluation.table is not None
    record = evaluation.table.set_index("arm").loc["LEARN_MORE:photo"].to_dict()
    row = {str(k): float(v) for k, v in record.items() if k not in {"error", "is_control"}}
    expected = (
        f"Learn More beat Shop Now: {pct(row['chance_to_beat_control'])} chance it is better; "
        f"expected {signed_pct(row['lift_mean'])} clicks per impression, likely between "
        f"{signed_pct(row['lift_low'])} and {signed_pct(row['lift_high'])}."
    )
    assert summary.verdict == expected
    assert summary.status_label == "Winner found: ship it"
    assert summary.question == (
        "Which call to action gives the highest CTR (clicks per impression)?"
    )
    line = {a.name: a for a in summary.arms}["LEARN_MORE:photo"]
    for field, column in [
        ("lift", "lift_mean"),
        ("lift_low", "lift_low"),
        ("lift_high", "lift_high"),
        ("chance_to_beat_control", "chance_to_beat_control"),
        ("prob_best", "prob_best"),
        ("expected_loss", "expected_loss"),
        ("metric", "mean"),
    ]:
        assert getattr(line, field) == row[column]
    assert summary.total_spend == Decimal("33.33") * 30
    assert "Move the test budget to Learn More" in summary.next_steps[0]


def test_no_winner_keeps_the_control() -> None:
    evaluation = evaluation_for((0.026, 0.020, 0.020))
    assert evaluation.decision.status == Status.NO_WINNER
    summary = build_summary(evaluation, Branding(), "USD", generated_on=START)
    assert summary.verdict.startswith("Shop Now stays the best: no variant beat it (the closest")
    assert summary.next_steps[0] == "Keep Shop Now; the variants are paused."


def test_too_early_reports_the_leader_so_far() -> None:
    evaluation = evaluation_for((0.020, 0.022, 0.020), days=3)
    assert evaluation.decision.status == Status.KEEP_RUNNING
    summary = build_summary(evaluation, Branding(), "USD", generated_on=START)
    assert summary.verdict.startswith("Too early to call. So far Learn More leads:")
    assert summary.status_label == "Keep running"
    assert any(c.startswith("Too early to call: day 3 of a minimum 7") for c in summary.caveats)


def test_inconclusive_after_the_maximum_runtime() -> None:
    policy = DecisionPolicy(min_runtime_days=2, max_runtime_days=4, min_units_per_arm=1000)
    evaluation = evaluation_for((0.020, 0.020, 0.020), days=4, policy=policy, seed=3)
    assert evaluation.decision.status == Status.INCONCLUSIVE
    summary = build_summary(evaluation, Branding(), "USD", generated_on=START)
    assert summary.verdict.startswith("No clear winner after 4 days")


def test_creative_test_labels_by_creative() -> None:
    evaluation = evaluation_for((0.02, 0.023), arms="SHOP_NOW:beach,SHOP_NOW:city")
    summary = build_summary(evaluation, Branding(), "USD", generated_on=START)
    assert [a.label for a in summary.arms] == ["beach", "city"]
    assert summary.question.startswith("Which creative gives")


def test_question_for_an_inverse_metric() -> None:
    evaluation = evaluation_for(
        (0.02, 0.02),
        arms="SHOP_NOW:beach,BUY_NOW:beach",
        metric="cost_per_purchase",
        policy=DecisionPolicy(min_runtime_days=1, min_units_per_arm=1000),
    )
    summary = build_summary(evaluation, Branding(), "USD", generated_on=START)
    assert summary.question == "Which call to action gives the lowest cost per purchase?"
