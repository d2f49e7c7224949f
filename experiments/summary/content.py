"""What a client summary says, as data: the question, the arms, the verdict in plain words, what to do next.

Every number comes from the :class:`~experiments.evaluation.Evaluation` (itself ``analyze`` + ``decide``);
this module only chooses words and formats. The renderers (Markdown, HTML, PDF) print the same
:class:`Summary`, so the three formats cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd

from experiments.evaluation import ArmInfo, Evaluation
from experiments.metrics import MetricDef
from experiments.stats.decision import Status

__all__ = [
    "ArmLine",
    "Branding",
    "Summary",
    "arm_label",
    "build_summary",
    "cta_label",
    "money",
    "pct",
    "signed_pct",
]

STATUS_LABELS = {
    Status.WINNER: "Winner found: ship it",
    Status.NO_WINNER: "Keep the current ad",
    Status.KEEP_RUNNING: "Keep running",
    Status.INCONCLUSIVE: "No clear difference",
}


@dataclass(frozen=True)
class Branding:
    """The agency the report comes from."""

    name: str = "adpilot"
    logo: Path | None = None


def cta_label(cta: str) -> str:
    """``SHOP_NOW`` -> ``Shop Now``."""
    return " ".join(word.capitalize() for word in cta.split("_"))


def arm_label(arm: ArmInfo, arms: tuple[ArmInfo, ...]) -> str:
    """The shortest name that tells arms apart: the CTA, the creative, or both."""
    same_creative = len({a.creative for a in arms}) == 1
    same_cta = len({a.cta for a in arms}) == 1
    if same_creative:
        return cta_label(arm.cta)
    if same_cta:
        return arm.creative
    return f"{cta_label(arm.cta)} · {arm.creative}"


def pct(x: float) -> str:
    """A probability for a client: whole percent, never a false 100% or 0%."""
    if x >= 0.995:
        return ">99%"
    if x <= 0.005:
        return "<1%"
    return f"{x:.0%}"


def signed_pct(x: float) -> str:
    """A lift with its sign: ``+12%``, ``−4%`` (a true minus sign), one decimal under 10%."""
    text = f"{abs(x):.1%}" if abs(x) < 0.1 else f"{abs(x):.0%}"
    return ("+" if x >= 0 else "\u2212") + text


def money(amount: Decimal, currency: str) -> str:
    """An amount with its currency code, two decimals (display only; amounts stay Decimal)."""
    return f"{amount.quantize(Decimal('0.01')):,} {currency}"


def metric_value(value: float, metric: MetricDef, currency: str) -> str:
    """An arm's metric as a client reads it."""
    if metric.kind == "proportion" or metric.name == "conversion_rate":
        return f"{value:.2%}"
    if metric.money:
        return f"{value:,.2f} {currency}" if value >= 0.1 else f"{value:.4f} {currency}"
    return f"{value:.2f}"


@dataclass(frozen=True)
class ArmLine:
    """One row of the arms table, raw numbers and their display text."""

    name: str
    label: str
    cta: str
    creative: str
    is_control: bool
    status: str
    spend: Decimal
    impressions: int
    clicks: int
    purchases: int
    revenue: Decimal
    metric: float | None
    lift: float | None
    lift_low: float | None
    lift_high: float | None
    chance_to_beat_control: float | None
    prob_best: float | None
    expected_loss: float | None


@dataclass(frozen=True)
class Summary:
    """Everything the client report shows."""

    title: str
    question: str
    agency: Branding
    generated_on: date
    currency: str
    metric: MetricDef
    status: Status
    status_label: str
    verdict: str
    arms: tuple[ArmLine, ...]
    runtime_days: float
    first_day: date | None
    last_day: date | None
    total_spend: Decimal
    caveats: tuple[str, ...]
    next_steps: tuple[str, ...]
    reasons: tuple[str, ...]


def _row(table: pd.DataFrame | None, arm: str) -> pd.Series | None:
    if table is None:
        return None
    hit = table[table["arm"] == arm]
    return None if hit.empty else hit.iloc[0]


def _num(row: pd.Series | None, key: str) -> float | None:
    if row is None:
        return None
    value = float(row[key])
    return None if pd.isna(value) else value


def _question(evaluation: Evaluation) -> str:
    spec = evaluation.spec
    if spec.hypothesis:
        return spec.hypothesis
    arms = evaluation.arms
    creatives = {a.creative for a in arms}
    ctas = {a.cta for a in arms}
    what = (
        "call to action"
        if len(creatives) == 1
        else ("creative" if len(ctas) == 1 else "creative and call to action")
    )
    metric = evaluation.metric
    goal = "lowest" if metric.inverse else "highest"
    name = metric.label if metric.label.isupper() else metric.label.lower()
    per = "" if metric.per == name else f" ({metric.per})"
    return f"Which {what} gives the {goal} {name}{per}?"


def _lift_phrase(line: ArmLine, metric: MetricDef) -> str:
    assert line.lift is not None and line.lift_low is not None and line.lift_high is not None
    return (
        f"expected {signed_pct(line.lift)} {metric.per}, likely between "
        f"{signed_pct(line.lift_low)} and {signed_pct(line.lift_high)}"
    )


def _verdict(evaluation: Evaluation, lines: dict[str, ArmLine]) -> str:
    decision = evaluation.decision
    metric = evaluation.metric
    control = lines[evaluation.spec.control]
    variants = [
        line
        for line in lines.values()
        if not line.is_control and line.chance_to_beat_control is not None
    ]
    leader = max(variants, key=lambda v: v.chance_to_beat_control or 0.0, default=None)
    if decision.status == Status.WINNER and decision.winner:
        win = lines[decision.winner]
        assert win.chance_to_beat_control is not None
        return (
            f"{win.label} beat {control.label}: {pct(win.chance_to_beat_control)} chance it is "
            f"better; {_lift_phrase(win, metric)}."
        )
    if decision.status == Status.NO_WINNER:
        closest = (
            f" (the closest, {leader.label}, has {pct(leader.chance_to_beat_control or 0.0)} chance)"
            if leader is not None
            else ""
        )
        return f"{control.label} stays the best: no variant beat it{closest}."
    if leader is None:
        return "Too early to call: not every arm has results yet."
    assert leader.chance_to_beat_control is not None
    so_far = (
        f"{leader.label} leads: {pct(leader.chance_to_beat_control)} chance it is better than "
        f"{control.label}; {_lift_phrase(leader, metric)}"
    )
    if decision.status == Status.INCONCLUSIVE:
        return (
            f"No clear winner after {evaluation.runtime_days:g} days: the arms perform too much "
            f"alike to tell apart at this budget. Best so far, {so_far}."
        )
    return f"Too early to call. So far {so_far}."


def _next_steps(evaluation: Evaluation, lines: dict[str, ArmLine]) -> tuple[str, ...]:
    decision = evaluation.decision
    control = lines[evaluation.spec.control].label
    guards = [g for g in evaluation.guardrails if g.hurt]
    if decision.status == Status.WINNER and decision.winner:
        win = lines[decision.winner].label
        steps = [
            f"Move the test budget to {win}; the other arms are paused.",
            f"Use {win} in new ad sets, and watch its results for two more weeks.",
        ]
        if guards:
            steps.append("Check the guardrail warnings below before scaling up.")
        return tuple(steps)
    if decision.status == Status.NO_WINNER:
        return (
            f"Keep {control}; the variants are paused.",
            "Test bolder changes next (new images or offers): these variants were not better.",
        )
    if decision.status == Status.INCONCLUSIVE:
        return (
            f"Keep {control} (or the cheapest option to produce): the difference is too small "
            "to matter at this budget.",
            "Test bolder changes next, or run longer with a larger budget.",
        )
    return (
        "Let the test run: adpilot re-checks every night and moves budget toward the leaders.",
        "Do not edit the ads, budgets or audiences while the test runs: it resets Meta's learning.",
    )


def build_summary(
    evaluation: Evaluation, branding: Branding, currency: str, *, generated_on: date
) -> Summary:
    """The client summary of ``evaluation``."""
    table = evaluation.table
    metric = evaluation.metric
    lines: dict[str, ArmLine] = {}
    for arm in evaluation.arms:
        row = _row(table, arm.name)
        totals = evaluation.totals[arm.name]
        lines[arm.name] = ArmLine(
            name=arm.name,
            label=arm_label(arm, evaluation.arms),
            cta=arm.cta,
            creative=arm.creative,
            is_control=arm.is_control,
            status=arm.status,
            spend=totals.spend,
            impressions=totals.impressions,
            clicks=totals.clicks,
            purchases=totals.purchases,
            revenue=totals.revenue,
            metric=_num(row, "mean"),
            lift=None if arm.is_control else _num(row, "lift_mean"),
            lift_low=_num(row, "lift_low"),
            lift_high=_num(row, "lift_high"),
            chance_to_beat_control=_num(row, "chance_to_beat_control"),
            prob_best=_num(row, "prob_best"),
            expected_loss=_num(row, "expected_loss"),
        )
    spec = evaluation.spec
    return Summary(
        title=spec.name,
        question=_question(evaluation),
        agency=branding,
        generated_on=generated_on,
        currency=currency,
        metric=metric,
        status=evaluation.decision.status,
        status_label=STATUS_LABELS[evaluation.decision.status],
        verdict=_verdict(evaluation, lines),
        arms=tuple(lines.values()),
        runtime_days=evaluation.runtime_days,
        first_day=evaluation.first_day,
        last_day=evaluation.last_day,
        total_spend=sum((t.spend for t in evaluation.totals.values()), Decimal(0)),
        caveats=evaluation.caveats,
        next_steps=_next_steps(evaluation, lines),
        reasons=evaluation.decision.reasons,
    )
