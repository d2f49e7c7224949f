"""Where an experiment stands: per-arm results, the verdict, health checks and caveats, from stored days.

Pure: the runner loads the arms, their daily rows and the budget history from the store and calls
:func:`evaluate`; ``status``, the nightly ``step`` and the client summary all read the same
:class:`Evaluation`, so the numbers a client sees are the numbers the decision used.

* Statistics: :func:`~experiments.stats.analyze.analyze` on the decision metric (and each guardrail), then
  :func:`~experiments.stats.decision.decide`. The minimum sample (``policy.min_units_per_arm``) is counted
  in impressions for every metric; for arm-day ratio metrics ``decide`` itself then only needs two days.
* The split check: arms get traffic through their budgets, not through randomised assignment, so the
  analogue of a sample-ratio mismatch is an arm that did not *spend* its planned share (Meta could not
  deliver it). A chi-square SRM over impressions would flag every test, because ad sets pay different CPMs.
* Caveats in plain words: too early, split not delivered, divergent delivery, novelty, late purchases,
  adaptive allocation, guardrails.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

import pandas as pd

from experiments.metrics import DAILY_COLUMNS, MetricDef, metric_def, metric_frame
from experiments.spec import ExperimentSpec
from experiments.stats.analyze import analyze
from experiments.stats.decision import Decision, Status, decide, required_chance
from experiments.stats.delivery import DeliveryDivergence
from optimizer.errors import InputError

__all__ = [
    "ArmInfo",
    "ArmTotals",
    "Evaluation",
    "GuardrailCheck",
    "SplitCheck",
    "arm_totals",
    "check_split",
    "evaluate",
]

#: An arm whose share of spend is off its planned share by more than this factor is flagged.
SPLIT_TOLERANCE = 0.2
#: Chance to beat control under which a guardrail counts as hurt.
GUARDRAIL_CHANCE = 0.05
NOVELTY_DAYS = 14
ATTRIBUTION_DAYS = 7


@dataclass(frozen=True)
class ArmInfo:
    """An arm as the evaluation needs it."""

    name: str
    cta: str
    creative: str
    is_control: bool
    status: str = "live"


@dataclass(frozen=True)
class ArmTotals:
    """What an arm spent and produced over the test (money exact)."""

    arm: str
    days: int
    spend: Decimal
    impressions: int
    clicks: int
    link_clicks: int
    purchases: int
    revenue: Decimal


@dataclass(frozen=True)
class SplitCheck:
    """Planned versus delivered share of spend per arm."""

    planned: dict[str, float]
    delivered: dict[str, float]
    worst_arm: str
    worst_ratio: float
    flagged: bool
    message: str


@dataclass(frozen=True)
class GuardrailCheck:
    """A guardrail metric's analysis and the arms it flags."""

    metric: str
    table: pd.DataFrame
    hurt: tuple[str, ...]


@dataclass(frozen=True)
class Evaluation:
    """Everything known about an experiment on one day."""

    spec: ExperimentSpec
    arms: tuple[ArmInfo, ...]
    first_day: date | None
    last_day: date | None
    runtime_days: float
    totals: dict[str, ArmTotals]
    metric_frame: pd.DataFrame
    table: pd.DataFrame | None
    decision: Decision
    guardrails: tuple[GuardrailCheck, ...]
    split: SplitCheck | None
    caveats: tuple[str, ...]

    @property
    def metric(self) -> MetricDef:
        return metric_def(self.spec.metric)


def arm_totals(daily: pd.DataFrame, arms: Sequence[str]) -> dict[str, ArmTotals]:
    """Sums per arm of the daily rows (spend and revenue stay Decimal)."""
    out = {}
    for arm in arms:
        days = daily[daily["arm"] == arm]
        out[arm] = ArmTotals(
            arm=arm,
            days=int(days["date"].nunique()),
            spend=sum((Decimal(v) for v in days["spend"]), Decimal(0)),
            impressions=int(days["impressions"].sum()),
            clicks=int(days["clicks"].sum()),
            link_clicks=int(days["link_clicks"].sum()),
            purchases=int(days["purchases"].sum()),
            revenue=sum((Decimal(v) for v in days["revenue"]), Decimal(0)),
        )
    return out


def check_split(
    daily: pd.DataFrame, allocations: pd.DataFrame, arms: Sequence[str]
) -> SplitCheck | None:
    """Did each arm spend its planned share? ``allocations`` has arm, effective_on, daily_budget.

    Each day's plan is the budget in force that day (the latest allocation at or before it). Returns None
    before any spend.
    """
    rows = daily[daily["arm"].isin(arms)]
    if rows.empty or allocations.empty:
        return None
    planned = dict.fromkeys(arms, 0.0)
    spent = dict.fromkeys(arms, 0.0)
    for _, row in rows.iterrows():
        plan = allocations[
            (allocations["arm"] == row["arm"]) & (allocations["effective_on"] <= row["date"])
        ]
        if plan.empty:
            continue
        planned[row["arm"]] += float(plan.sort_values("effective_on").iloc[-1]["daily_budget"])
        spent[row["arm"]] += float(row["spend"])
    total_plan, total_spent = sum(planned.values()), sum(spent.values())
    if total_plan <= 0 or total_spent <= 0:
        return None
    planned_share = {a: planned[a] / total_plan for a in arms}
    spent_share = {a: spent[a] / total_spent for a in arms}
    ratios = {a: spent_share[a] / planned_share[a] if planned_share[a] else 1.0 for a in arms}
    worst = max(arms, key=lambda a: abs(ratios[a] - 1.0))
    flagged = abs(ratios[worst] - 1.0) > SPLIT_TOLERANCE
    message = (
        f"Arm {worst} received {spent_share[worst]:.0%} of the spend instead of the planned "
        f"{planned_share[worst]:.0%}: Meta did not deliver the budget split as set (the ads "
        "equivalent of a sample-ratio mismatch), so compare the arms with care."
        if flagged
        else f"Each arm spent within {SPLIT_TOLERANCE:.0%} of its planned share."
    )
    return SplitCheck(planned_share, spent_share, worst, ratios[worst], flagged, message)


def _not_ready(reasons: Sequence[str], spec: ExperimentSpec, runtime: float) -> Decision:
    over = runtime >= spec.policy.max_runtime_days
    status = Status.INCONCLUSIVE if over else Status.KEEP_RUNNING
    return Decision(status, None, tuple(reasons), required_chance(spec.policy, len(spec.arms)))


def _analysis(metric: MetricDef, frame: pd.DataFrame, control: str, seed: int) -> pd.DataFrame:
    return analyze(
        frame,
        control,
        metric.kind,
        relative=True,
        inverse=metric.inverse,
        seed=seed,
    )


def evaluate(
    spec: ExperimentSpec,
    arms: Sequence[ArmInfo],
    daily: pd.DataFrame,
    allocations: pd.DataFrame,
    *,
    first_day: date | None,
    delivery: DeliveryDivergence | None = None,
) -> Evaluation:
    """Analyse ``daily`` rows (columns :data:`~experiments.metrics.DAILY_COLUMNS`) of ``arms``.

    Arms with status ``retired`` or ``failed`` are reported but not compared; the control must be among
    the compared arms. ``delivery`` is an optional audience/placement divergence check from breakdowns.
    """
    missing = [c for c in DAILY_COLUMNS if c not in daily.columns]
    if missing:
        raise InputError(f"daily results are missing column(s) {missing}")
    compared = [a for a in arms if a.status not in {"retired", "failed"}]
    names = [a.name for a in compared]
    if spec.control not in names:
        raise InputError(f"control: {spec.control!r} is not among the compared arms {names}")
    metric = metric_def(spec.metric)
    totals = arm_totals(daily, [a.name for a in arms])
    last_day = max(daily["date"]) if len(daily) else None
    runtime = float((last_day - first_day).days + 1) if last_day and first_day else 0.0
    frame = metric_frame(daily, metric, names)
    policy = spec.policy

    waiting = [
        f"arm {n!r} has {totals[n].impressions} impressions of a minimum {policy.min_units_per_arm}"
        for n in names
        if totals[n].impressions < policy.min_units_per_arm
    ]
    units_by_arm = dict(zip(frame["arm"], frame["units"], strict=True))
    no_data = [n for n in names if totals[n].impressions == 0 or units_by_arm[n] == 0]
    table: pd.DataFrame | None = None
    guardrails: list[GuardrailCheck] = []
    if no_data:
        decision = _not_ready([f"no results yet for arm {n!r}" for n in no_data], spec, runtime)
    else:
        table = _analysis(metric, frame, spec.control, spec.seed)
        units = policy.min_units_per_arm if metric.kind == "proportion" else 2
        decision = decide(table, runtime, replace(policy, min_units_per_arm=units))
        if waiting:
            decision = _not_ready(waiting, spec, runtime)
        for name in spec.guardrails:
            guard = metric_def(name)
            guard_frame = metric_frame(daily, guard, names)
            try:
                guard_table = _analysis(guard, guard_frame, spec.control, spec.seed)
            except InputError:
                continue  # e.g. no purchases yet: nothing to guard
            variants = guard_table[~guard_table["is_control"]]
            hurt = tuple(
                str(r["arm"])
                for _, r in variants.iterrows()
                if r["chance_to_beat_control"] < GUARDRAIL_CHANCE
            )
            guardrails.append(GuardrailCheck(name, guard_table, hurt))

    split = check_split(daily, allocations, names)
    caveats = _caveats(spec, metric, decision, runtime, split, delivery, guardrails)
    return Evaluation(
        spec=spec,
        arms=tuple(arms),
        first_day=first_day,
        last_day=last_day,
        runtime_days=runtime,
        totals=totals,
        metric_frame=frame,
        table=table,
        decision=decision,
        guardrails=tuple(guardrails),
        split=split,
        caveats=caveats,
    )


def _caveats(
    spec: ExperimentSpec,
    metric: MetricDef,
    decision: Decision,
    runtime: float,
    split: SplitCheck | None,
    delivery: DeliveryDivergence | None,
    guardrails: Sequence[GuardrailCheck],
) -> tuple[str, ...]:
    out: list[str] = []
    if decision.status == Status.KEEP_RUNNING:
        out.append("Too early to call: " + "; ".join(decision.reasons) + ".")
    if split is not None and split.flagged:
        out.append(split.message)
    if delivery is not None and delivery.warn:
        out.append(delivery.message[0].upper() + delivery.message[1:] + ".")
    else:
        out.append(
            "Each arm is its own ad set and Meta picks who sees each one, so the arms may have "
            "reached somewhat different people (divergent delivery): part of a difference can come "
            "from the audience rather than the creative or call to action."
        )
    if runtime < NOVELTY_DAYS:
        out.append(
            f"The test has run {runtime:g} days: reactions to new ads often fade (novelty), so a "
            f"result from under {NOVELTY_DAYS} days may shrink later."
        )
    if "purchases" in (metric.numerator, metric.denominator) or metric.name in {
        "roas",
        "revenue_per_impression",
    }:
        out.append(
            f"Meta keeps attributing purchases for days after a click: the last {ATTRIBUTION_DAYS} "
            "days' purchases are still incomplete (equally for every arm)."
        )
    if spec.traffic != "even":
        out.append(
            "Budgets moved toward the leading arms during the test (adaptive allocation), so arms "
            "ran on different days in different amounts; day-of-week swings affect them unevenly."
        )
    if spec.traffic != "even" and "spend" in (metric.numerator, metric.denominator):
        out.append(
            "On Meta each extra dollar buys a little less than the one before, so an arm given more "
            f"budget shows a somewhat worse {metric.label.lower()} than it would at an equal "
            "budget: the leaders' advantage is, if anything, understated."
        )
    for guard in guardrails:
        for arm in guard.hurt:
            out.append(
                f"Guardrail {metric_def(guard.metric).label}: arm {arm} is likely worse than the "
                f"control (under {GUARDRAIL_CHANCE:.0%} chance it is at least as good)."
            )
    return tuple(out)
