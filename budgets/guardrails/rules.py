"""Rules on one object at a time: membership (excluded, frozen), the daily step, bounds, status and bids."""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from typing import Any

from budgets.guardrails.amounts import Units, parse_amount
from budgets.guardrails.changes import (
    IRREVERSIBLE,
    STATUSES,
    CheckedChange,
    ProposedChange,
    Verdict,
    refused,
)
from budgets.policy import BudgetPolicy
from optimizer.errors import InputError


def membership_refusal(
    change: ProposedChange, policy: BudgetPolicy, campaign: str | None
) -> str | None:
    """Excluded and frozen objects (or objects of excluded/frozen campaigns) are never changed."""
    noun = "ad set" if change.object_type == "adset" else "campaign"
    for listed, why in (
        (policy.excluded_ids, "excluded by the policy: it is never changed"),
        (policy.frozen_ids, "frozen by the policy: its settings are kept as they are"),
    ):
        if change.object_id in listed:
            return f"refused: {noun} {change.object_id} is {why}"
        if campaign is not None and campaign in listed:
            return f"refused: its campaign {campaign} is {why}"
    return None


def change_window(reference: int, max_change: float) -> tuple[int, int]:
    """The minor-unit range within ``max_change`` of ``reference``, rounded inward so it never exceeds it."""
    step = Decimal(str(max_change))
    low = (reference * (1 - step)).to_integral_value(rounding=ROUND_CEILING)
    high = (reference * (1 + step)).to_integral_value(rounding=ROUND_FLOOR)
    return int(low), int(high)


def clip(
    value: int,
    reference: int,
    max_change: float,
    low: int,
    high: int | None,
    describe: Callable[..., str],
) -> tuple[int, str | None]:
    """Clip to the daily-change window around ``reference``, then to [low, high]; bounds win a conflict."""
    window_low, window_high = change_window(reference, max_change)
    stepped = min(max(value, window_low), window_high)
    bounded = max(stepped, low) if high is None else min(max(stepped, low), high)
    if bounded != stepped:
        which = "maximum" if high is not None and bounded == high and stepped > high else "minimum"
        beyond = (
            ", moving further than the daily change limit allows because the policy's bounds come first"
            if not window_low <= bounded <= window_high
            else ""
        )
        return bounded, describe("bound", bounded, which, beyond)
    if stepped != value:
        return stepped, describe("step", stepped, max_change, reference)
    return value, None


def check_status(
    change: ProposedChange, policy: BudgetPolicy, campaign: str | None
) -> CheckedChange:
    """Only ACTIVE and PAUSED are set automatically: ARCHIVED and DELETED cannot be undone."""
    refusal = membership_refusal(change, policy, campaign)
    if refusal:
        return refused(change, refusal)
    status = change.proposed
    if not isinstance(status, str):
        raise InputError(f"status of {change.object_id}: expected a status string, got {status!r}")
    if status in IRREVERSIBLE:
        return refused(
            change, f"refused: {status} cannot be undone; archive or delete in Ads Manager by hand"
        )
    if status not in STATUSES:
        hint = f" (did you mean {status.upper()!r}?)" if status.upper() in STATUSES else ""
        return refused(
            change, f"refused: {status!r} is not a status adpilot sets: ACTIVE or PAUSED{hint}"
        )
    return CheckedChange(change=change, verdict="ok", approved=status, reasons=())


def check_bid(
    change: ProposedChange, policy: BudgetPolicy, campaign: str | None, units: Units, index: int
) -> CheckedChange:
    """A bid cap / cost cap moves within ``bids.max_change`` a day and ``bids.min``/``bids.max``."""
    where = f"changes[{index}] (bid_amount of {change.object_id})"
    proposed = parse_amount(change.proposed, f"{where}.proposed")
    current = None if change.current is None else parse_amount(change.current, f"{where}.current")
    refusal = membership_refusal(change, policy, campaign)
    if refusal:
        return refused(change, refusal)
    reasons: list[str] = []
    value = units.minor(proposed)
    if value != proposed * units.offset:
        reasons.append(
            f"rounded to {units.show(value)}, a whole number of the currency's minor unit"
        )
    if value <= 0:
        return refused(change, "refused: a bid cap or cost cap must be above zero")
    bids = policy.bids
    low = units.minor(bids.min) if bids.min is not None else 1
    high = units.minor(bids.max) if bids.max is not None else None
    reference = units.minor(current, ROUND_HALF_EVEN) if current else None

    def describe(kind: str, amount: int, *args: Any) -> str:
        if kind == "bound":
            which, beyond = args
            return f"clipped to {units.show(amount)}, the policy's {which} bid (bids.{which[:3]}){beyond}"
        step, ref = args
        return (
            f"clipped to {units.show(amount)}: a bid may change at most {step:.0%} per day "
            f"(bids.max_change) from {units.show(ref)}"
        )

    if reference is None:
        bounded = max(value, low) if high is None else min(max(value, low), high)
        if bounded != value:
            which = (
                "maximum" if high is not None and bounded == high and value > high else "minimum"
            )
            reasons.append(describe("bound", bounded, which, ""))
        value = bounded
    else:
        value, why = clip(value, reference, bids.max_change, low, high, describe)
        if why:
            reasons.append(why)
    approved = units.major(value)
    verdict: Verdict = "ok" if approved == proposed and not reasons else "clipped"
    return CheckedChange(change=change, verdict=verdict, approved=approved, reasons=tuple(reasons))
