"""A daily budget change, one object at a time: membership, staleness, Meta's hourly limit, step and bounds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from budgets.guardrails.amounts import Units, minor_amount, parse_amount
from budgets.guardrails.changes import (
    MAX_BUDGET_CHANGES_PER_HOUR,
    CheckedChange,
    ProposedChange,
    Verdict,
    refused,
)
from budgets.guardrails.rules import clip, membership_refusal
from budgets.policy import BudgetPolicy


@dataclass
class BudgetItem:
    """A daily budget change being worked on, in integer minor units."""

    index: int
    change: ProposedChange
    current: int | None  # the budget in force; None for a new object without one
    proposed: Decimal
    approved: int
    low: int
    high: int | None
    campaign: str | None
    reasons: list[str] = field(default_factory=list)

    @property
    def base(self) -> int:
        return self.current or 0


def object_bounds(
    change: ProposedChange, policy: BudgetPolicy, units: Units
) -> tuple[int, int | None]:
    """Per-object bounds: an ad set's own limits, or a CBO campaign's, over the policy's defaults."""
    if change.object_type == "campaign":
        low, high = policy.campaign_bounds(change.object_id)
    else:
        low, high = policy.adset_bounds(change.object_id)
    return units.minor(low), None if high is None else units.minor(high)


def start_budget(
    change: ProposedChange,
    policy: BudgetPolicy,
    campaign: str | None,
    current: Mapping[str, int],
    recent: Mapping[str, int],
    units: Units,
    index: int,
) -> BudgetItem | CheckedChange:
    """Check one budget change on its own; refusals end here, the rest go on to the sums over campaigns
    and the account as a :class:`BudgetItem`."""
    where = f"changes[{index}] (daily_budget of {change.object_id})"
    proposed = parse_amount(change.proposed, f"{where}.proposed")
    stated = (
        None if change.current is None else minor_amount(change.current, f"{where}.current", units)
    )
    refusal = membership_refusal(change, policy, campaign)
    if refusal:
        return refused(change, refusal)
    in_force = current.get(change.object_id, stated)
    if stated is not None and in_force != stated:
        return refused(
            change,
            f"refused: the budget in force is {units.show(in_force or 0)}, not {units.show(stated)} as when "
            "this change was proposed; propose again from the budget in force",
        )
    if (
        change.object_type == "adset"
        and policy.adset_ids is not None
        and change.object_id not in policy.adset_ids
    ):
        return refused(
            change,
            f"refused: ad set {change.object_id} is not among the policy's adsets that may receive budget",
        )
    value = units.minor(proposed)
    reasons: list[str] = []
    if value != proposed * units.offset:
        reasons.append(
            f"rounded to {units.show(value)}, a whole number of the currency's minor unit"
        )
    low, high = object_bounds(change, policy, units)
    new = not in_force
    reference = low if new else int(in_force or 0)

    def describe(kind: str, amount: int, *args: Any) -> str:
        noun = "ad set" if change.object_type == "adset" else "campaign"
        if kind == "bound":
            which, beyond = args
            return f"clipped to {units.show(amount)}, the {noun}'s {which} daily budget{beyond}"
        step, ref = args
        start = (
            f"its minimum {units.show(ref)}, as it has no budget yet" if new else units.show(ref)
        )
        return (
            f"clipped to {units.show(amount)}: a daily budget may change at most {step:.0%} per day "
            f"(max_daily_change) from {start}"
        )

    value, why = clip(value, reference, policy.max_daily_change, low, high, describe)
    if why:
        reasons.append(why)
    count = recent.get(change.object_id, 0)
    if value != (in_force or 0) and count >= MAX_BUDGET_CHANGES_PER_HOUR:
        return refused(
            change,
            f"refused: this budget already changed {count} times in the last hour; Meta allows "
            f"{MAX_BUDGET_CHANGES_PER_HOUR} and then blocks changes for an hour",
        )
    return BudgetItem(
        index=index,
        change=change,
        current=in_force,
        proposed=proposed,
        approved=value,
        low=low,
        high=high,
        campaign=campaign if change.object_type == "adset" else change.object_id,
        reasons=reasons,
    )


def finish_budget(item: BudgetItem, units: Units) -> CheckedChange:
    """The verdict once the sums are done: a new object left with nothing is refused, not funded at 0."""
    if item.current is None and item.approved == 0:
        refusal = "refused: no budget is left for a new object"
        said = any(reason.startswith("refused") for reason in item.reasons)
        reasons = tuple(item.reasons) if said else (*item.reasons, refusal)
        return CheckedChange(change=item.change, verdict="refused", approved=None, reasons=reasons)
    approved = units.major(item.approved)
    verdict: Verdict = "ok" if approved == item.proposed and not item.reasons else "clipped"
    return CheckedChange(
        change=item.change, verdict=verdict, approved=approved, reasons=tuple(item.reasons)
    )
