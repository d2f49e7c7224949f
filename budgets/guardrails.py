"""The guardrail check: the one gate every budget, bid or status change passes before it can be applied.

Whether a change comes from the allocator, a dashboard edit, the CLI or the nightly job, it goes through
:func:`check_changes`, which approves it, clips it to the nearest allowed value, or refuses it, and says why
in plain words. Precedence when rules collide: the total daily budget (money actually spent) first, then
the absolute bounds of the policy, then the maximum daily change (Meta's learning-phase guidance). The check
only ever moves a proposal toward the value in force, so it never makes a standing violation worse.

Amounts are worked in the currency's integer minor units (``optimizer.money``), so every approved value is a
whole number of cents (or yen) and exactly what Meta will hold; re-checking an approved set changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from typing import Any, Literal, get_args

from budgets.policy import BudgetPolicy
from optimizer.errors import GuardrailViolation, InputError
from optimizer.money import offset, parse_decimal

__all__ = [
    "MAX_BUDGET_CHANGES_PER_HOUR",
    "STATUSES",
    "CheckedChange",
    "ProposedChange",
    "check_changes",
    "raise_on_refusal",
]

ObjectType = Literal["adset", "campaign"]
ChangeField = Literal["daily_budget", "bid_amount", "status"]
Verdict = Literal["ok", "clipped", "refused"]

#: Meta blocks a budget for an hour after 4 changes of it within an hour (error code 17).
MAX_BUDGET_CHANGES_PER_HOUR = 4
#: Statuses the optimizer may set; ARCHIVED and DELETED are irreversible and left to a human.
STATUSES = frozenset({"ACTIVE", "PAUSED"})
_IRREVERSIBLE = frozenset({"ARCHIVED", "DELETED"})


@dataclass(frozen=True)
class ProposedChange:
    """A change someone wants applied: money in major units of the policy's currency, status as Meta's enum."""

    object_id: str
    object_type: ObjectType
    field: ChangeField
    current: Decimal | str | None
    proposed: Decimal | str
    campaign_id: str | None = None
    reason: str = ""


@dataclass(frozen=True)
class CheckedChange:
    """The verdict on one change: ``approved`` is the value to apply (None when refused)."""

    change: ProposedChange
    verdict: Verdict
    approved: Decimal | str | None
    reasons: tuple[str, ...]


@dataclass
class _Budget:
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


class _Units:
    """Conversions between major-unit Decimals and the currency's integer minor units."""

    def __init__(self, currency: str) -> None:
        self.currency = currency
        self.offset = offset(currency)
        self.places = 2 if self.offset == 100 else 0

    def minor(self, amount: Decimal, rounding: str = ROUND_HALF_EVEN) -> int:
        return int((amount * self.offset).to_integral_value(rounding=rounding))

    def major(self, minor: int) -> Decimal:
        return Decimal(minor).scaleb(-self.places)

    def show(self, minor: int) -> str:
        return f"{self.major(minor)} {self.currency}"


def check_changes(
    changes: Sequence[ProposedChange],
    policy: BudgetPolicy | Mapping[str, Any],
    *,
    current_budgets: Mapping[str, Decimal],
    recent_changes: Mapping[str, int] | None = None,
    adset_campaigns: Mapping[str, str] | None = None,
    daily_total: Decimal | None = None,
) -> list[CheckedChange]:
    """Approve, clip or refuse each change under ``policy``; one result per change, in input order.

    ``current_budgets`` holds the daily budget in force (major units) of every ad set and CBO campaign the
    policy's total covers; an object missing from it is new and has no budget yet. ``recent_changes`` counts
    each object's budget changes in the last hour. ``adset_campaigns`` maps ad sets to their campaigns, so
    per-campaign limits see the ad sets that are not being changed. ``daily_total`` is the day's total when
    it comes from elsewhere (a monthly budget paced by :mod:`budgets.pacing`); without it the policy's
    ``total_daily_budget`` applies, and without that the current total is kept.

    Raises :class:`~optimizer.errors.InputError` for malformed input (a non-finite or negative amount, an
    unknown field, the same change twice); a refusal is a verdict, not an exception.
    """
    if not isinstance(policy, BudgetPolicy):
        policy = BudgetPolicy.from_dict(policy)
    units = _Units(policy.currency)
    current = {
        _text(key, "current_budgets"): _minor_amount(value, f"current_budgets[{key}]", units)
        for key, value in current_budgets.items()
    }
    recent = dict(recent_changes or {})
    for key, count in recent.items():
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise InputError(f"recent_changes[{key}]: expected a count of changes, got {count!r}")
    campaign_of = _campaign_map(changes, adset_campaigns)
    results: list[CheckedChange | None] = [None] * len(changes)
    budgets: list[_Budget] = []
    seen: set[tuple[str, str]] = set()
    for index, change in enumerate(changes):
        _validate_shape(change, index)
        pair = (change.object_id, change.field)
        if pair in seen:
            raise InputError(
                f"changes[{index}]: {change.field} of {change.object_id} is proposed twice in one batch"
            )
        seen.add(pair)
        campaign = campaign_of.get(change.object_id)
        if change.field == "status":
            results[index] = _check_status(change, policy, campaign)
        elif change.field == "bid_amount":
            results[index] = _check_bid(change, policy, campaign, units, index)
        else:
            checked = _start_budget(change, policy, campaign, current, recent, units, index)
            if isinstance(checked, CheckedChange):
                results[index] = checked
            else:
                budgets.append(checked)
    cbo = {
        c.object_id for c in changes if c.object_type == "campaign" and c.field == "daily_budget"
    }
    for item in budgets:
        if item.change.object_type == "adset" and item.campaign in cbo:
            raise InputError(
                f"changes[{item.index}]: ad set {item.change.object_id} gets a budget but its campaign "
                f"{item.campaign} has a campaign budget (CBO) in the same batch"
            )
    _apply_campaign_limits(budgets, policy, current, campaign_of, units)
    _apply_total(budgets, policy, current, campaign_of, units, daily_total)
    for item in budgets:
        results[item.index] = _finish_budget(item, units)
    return [result for result in results if result is not None]


def raise_on_refusal(checked: Sequence[CheckedChange]) -> None:
    """For callers that must apply all or nothing (``adpilot apply``): refuse the batch if anything was refused."""
    refused = [c for c in checked if c.verdict == "refused"]
    if refused:
        lines = [
            f"{c.change.field} of {c.change.object_id}: {'; '.join(c.reasons)}" for c in refused
        ]
        raise GuardrailViolation("refused by the guardrails:\n" + "\n".join(lines))


# -- input --------------------------------------------------------------------------------------------


def _text(value: object, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise InputError(f"{where}: ids must be non-empty strings, got {value!r}")
    return value


def _amount(value: object, where: str) -> Decimal:
    """A finite, non-negative amount; NaN, infinities, negatives and non-numbers are input errors."""
    if isinstance(value, str | Decimal | int | float) and not isinstance(value, bool):
        number = parse_decimal(value, where)
    else:
        raise InputError(f"{where}: expected an amount, got {value!r}")
    if number < 0:
        raise InputError(f"{where}: amounts must not be negative, got {value}")
    return number


def _minor_amount(value: object, where: str, units: _Units) -> int:
    number = _amount(value, where)
    minor = number * units.offset
    if minor != minor.to_integral_value():
        raise InputError(f"{where}: {number} {units.currency} is not a whole number of minor units")
    return int(minor)


def _validate_shape(change: ProposedChange, index: int) -> None:
    where = f"changes[{index}]"
    if not isinstance(change, ProposedChange):
        raise InputError(f"{where}: expected a ProposedChange, got {type(change).__name__}")
    _text(change.object_id, f"{where}.object_id")
    if change.object_type not in get_args(ObjectType):
        raise InputError(
            f"{where}.object_type: expected 'adset' or 'campaign', got {change.object_type!r}"
        )
    if change.field not in get_args(ChangeField):
        raise InputError(
            f"{where}.field: expected 'daily_budget', 'bid_amount' or 'status', got {change.field!r}"
        )
    if change.campaign_id is not None:
        _text(change.campaign_id, f"{where}.campaign_id")


def _campaign_map(
    changes: Sequence[ProposedChange], adset_campaigns: Mapping[str, str] | None
) -> dict[str, str]:
    campaign_of = {
        _text(a, "adset_campaigns"): _text(c, f"adset_campaigns[{a}]")
        for a, c in (adset_campaigns or {}).items()
    }
    for index, change in enumerate(changes):
        if not isinstance(change, ProposedChange) or change.campaign_id is None:
            continue
        known = campaign_of.setdefault(change.object_id, change.campaign_id)
        if known != change.campaign_id:
            raise InputError(
                f"changes[{index}].campaign_id: {change.campaign_id} but adset_campaigns says "
                f"{change.object_id} belongs to {known}"
            )
    return campaign_of


# -- rules shared by every field ----------------------------------------------------------------------


def _membership_refusal(
    change: ProposedChange, policy: BudgetPolicy, campaign: str | None
) -> str | None:
    """Excluded and frozen objects (or objects of excluded/frozen campaigns) are never changed."""
    noun = "ad set" if change.object_type == "adset" else "campaign"
    for listed, why in (
        (policy.excluded, "excluded by the policy: it is never changed"),
        (policy.frozen, "frozen by the policy: its settings are kept as they are"),
    ):
        if change.object_id in listed:
            return f"refused: {noun} {change.object_id} is {why}"
        if campaign is not None and campaign in listed:
            return f"refused: its campaign {campaign} is {why}"
    return None


def _refused(change: ProposedChange, reason: str) -> CheckedChange:
    return CheckedChange(change=change, verdict="refused", approved=None, reasons=(reason,))


def _window(reference: int, max_change: float) -> tuple[int, int]:
    """The minor-unit range within ``max_change`` of ``reference``, rounded inward so it never exceeds it."""
    step = Decimal(str(max_change))
    low = (reference * (1 - step)).to_integral_value(rounding=ROUND_CEILING)
    high = (reference * (1 + step)).to_integral_value(rounding=ROUND_FLOOR)
    return int(low), int(high)


def _clip(
    value: int,
    reference: int,
    max_change: float,
    low: int,
    high: int | None,
    describe: Callable[..., str],
) -> tuple[int, str | None]:
    """Clip to the daily-change window around ``reference``, then to [low, high]; bounds win a conflict."""
    window_low, window_high = _window(reference, max_change)
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


# -- status -------------------------------------------------------------------------------------------


def _check_status(
    change: ProposedChange, policy: BudgetPolicy, campaign: str | None
) -> CheckedChange:
    refusal = _membership_refusal(change, policy, campaign)
    if refusal:
        return _refused(change, refusal)
    status = change.proposed
    if not isinstance(status, str):
        raise InputError(f"status of {change.object_id}: expected a status string, got {status!r}")
    if status in _IRREVERSIBLE:
        return _refused(
            change, f"refused: {status} cannot be undone; archive or delete in Ads Manager by hand"
        )
    if status not in STATUSES:
        hint = f" (did you mean {status.upper()!r}?)" if status.upper() in STATUSES else ""
        return _refused(
            change, f"refused: {status!r} is not a status adpilot sets: ACTIVE or PAUSED{hint}"
        )
    return CheckedChange(change=change, verdict="ok", approved=status, reasons=())


# -- bids ---------------------------------------------------------------------------------------------


def _check_bid(
    change: ProposedChange, policy: BudgetPolicy, campaign: str | None, units: _Units, index: int
) -> CheckedChange:
    where = f"changes[{index}] (bid_amount of {change.object_id})"
    proposed = _amount(change.proposed, f"{where}.proposed")
    current = None if change.current is None else _amount(change.current, f"{where}.current")
    refusal = _membership_refusal(change, policy, campaign)
    if refusal:
        return _refused(change, refusal)
    reasons: list[str] = []
    value = units.minor(proposed)
    if value != proposed * units.offset:
        reasons.append(
            f"rounded to {units.show(value)}, a whole number of the currency's minor unit"
        )
    if value <= 0:
        return _refused(change, "refused: a bid cap or cost cap must be above zero")
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
        value, why = _clip(value, reference, bids.max_change, low, high, describe)
        if why:
            reasons.append(why)
    approved = units.major(value)
    verdict: Verdict = "ok" if approved == proposed and not reasons else "clipped"
    return CheckedChange(change=change, verdict=verdict, approved=approved, reasons=tuple(reasons))


# -- daily budgets: one object at a time ----------------------------------------------------------------


def _bounds(change: ProposedChange, policy: BudgetPolicy, units: _Units) -> tuple[int, int | None]:
    """Per-object bounds: an ad set's own limits, or a CBO campaign's, over the policy's defaults."""
    if change.object_type == "campaign":
        low, high = policy.campaign_bounds(change.object_id)
    else:
        low, high = policy.adset_bounds(change.object_id)
    return units.minor(low), None if high is None else units.minor(high)


def _start_budget(
    change: ProposedChange,
    policy: BudgetPolicy,
    campaign: str | None,
    current: Mapping[str, int],
    recent: Mapping[str, int],
    units: _Units,
    index: int,
) -> _Budget | CheckedChange:
    where = f"changes[{index}] (daily_budget of {change.object_id})"
    proposed = _amount(change.proposed, f"{where}.proposed")
    stated = (
        None if change.current is None else _minor_amount(change.current, f"{where}.current", units)
    )
    refusal = _membership_refusal(change, policy, campaign)
    if refusal:
        return _refused(change, refusal)
    in_force = current.get(change.object_id, stated)
    if stated is not None and in_force != stated:
        return _refused(
            change,
            f"refused: the budget in force is {units.show(in_force or 0)}, not {units.show(stated)} as when "
            "this change was proposed; propose again from the budget in force",
        )
    if (
        change.object_type == "adset"
        and policy.adsets is not None
        and change.object_id not in policy.adsets
    ):
        return _refused(
            change,
            f"refused: ad set {change.object_id} is not among the policy's adsets that may receive budget",
        )
    value = units.minor(proposed)
    reasons: list[str] = []
    if value != proposed * units.offset:
        reasons.append(
            f"rounded to {units.show(value)}, a whole number of the currency's minor unit"
        )
    low, high = _bounds(change, policy, units)
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

    value, why = _clip(value, reference, policy.max_daily_change, low, high, describe)
    if why:
        reasons.append(why)
    count = recent.get(change.object_id, 0)
    if value != (in_force or 0) and count >= MAX_BUDGET_CHANGES_PER_HOUR:
        return _refused(
            change,
            f"refused: this budget already changed {count} times in the last hour; Meta allows "
            f"{MAX_BUDGET_CHANGES_PER_HOUR} and then blocks changes for an hour",
        )
    return _Budget(
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


def _finish_budget(item: _Budget, units: _Units) -> CheckedChange:
    if item.current is None and item.approved == 0:
        refusal = "refused: no budget is left for a new object"
        refused = any(reason.startswith("refused") for reason in item.reasons)
        reasons = tuple(item.reasons) if refused else (*item.reasons, refusal)
        return CheckedChange(change=item.change, verdict="refused", approved=None, reasons=reasons)
    approved = units.major(item.approved)
    verdict: Verdict = "ok" if approved == item.proposed and not item.reasons else "clipped"
    return CheckedChange(
        change=item.change, verdict=verdict, approved=approved, reasons=tuple(item.reasons)
    )


# -- daily budgets: sums over a campaign and over the account ---------------------------------------------


def _share(slack: Mapping[int, int], amount: int, order: Mapping[int, str]) -> dict[int, int]:
    """Split ``amount`` minor units over items in proportion to their slack (largest remainder, ties by id).

    Integer arithmetic throughout, so the parts are exact and sum to ``min(amount, total slack)``.
    """
    total = sum(slack.values())
    if amount >= total:
        return dict(slack)
    parts = {key: s * amount // total for key, s in slack.items()}
    left = amount - sum(parts.values())
    remainders = sorted(slack, key=lambda key: (-(slack[key] * amount % total), order[key]))
    for key in remainders[:left]:
        parts[key] += 1
    return parts


def _floor_above_bound(item: _Budget) -> int:
    return max(item.base, item.low)


def _floor_at_base(item: _Budget) -> int:
    # a new object is never funded below its minimum: it is dropped whole instead (see _cut_increases)
    return item.approved if item.current is None else item.base


def _cut_increases(items: Sequence[_Budget], excess: int, units: _Units, because: str) -> None:
    """Take ``excess`` off the increases in proportion: first what lies above each item's lower bound,
    then (when the total demands it) the rest down to the budget in force."""
    order = {item.index: item.change.object_id for item in items}
    for floor_of in (_floor_above_bound, _floor_at_base):
        if excess <= 0:
            return
        slack = {i.index: i.approved - floor_of(i) for i in items if i.approved > floor_of(i)}
        parts = _share(slack, excess, order)
        for item in items:
            part = parts.get(item.index, 0)
            if part:
                item.approved -= part
                excess -= part
                item.reasons.append(
                    f"reduced to {units.show(item.approved)}: {because}, so increases are scaled down in proportion"
                )
    for item in sorted((i for i in items if i.current is None), key=lambda i: i.change.object_id)[
        ::-1
    ]:
        if excess <= 0:
            return
        excess -= item.approved
        item.approved = 0
        item.reasons.append(f"refused: {because}, and a new object is not funded below its minimum")


def _restore_decreases(
    items: Sequence[_Budget], shortfall: int, units: _Units, because: str
) -> None:
    """Give back ``shortfall`` to the decreases in proportion, never above the budget in force or the max."""
    order = {item.index: item.change.object_id for item in items}
    slack = {}
    for item in items:
        ceiling = item.base if item.high is None else min(item.base, item.high)
        if ceiling > item.approved:
            slack[item.index] = ceiling - item.approved
    parts = _share(slack, shortfall, order)
    for item in items:
        part = parts.get(item.index, 0)
        if part:
            item.approved += part
            item.reasons.append(
                f"raised to {units.show(item.approved)}: {because}, so decreases are scaled back in proportion"
            )


def _apply_campaign_limits(
    budgets: Sequence[_Budget],
    policy: BudgetPolicy,
    current: Mapping[str, int],
    campaign_of: Mapping[str, str],
    units: _Units,
) -> None:
    """A campaign's limits bound the sum of its ad sets' budgets when the campaign has no budget of its own."""
    for campaign, limits in sorted(policy.campaigns.items()):
        members = [b for b in budgets if b.change.object_type == "adset" and b.campaign == campaign]
        if not members or campaign in current:
            continue
        changed = {b.change.object_id for b in members}
        rest = sum(
            v for k, v in current.items() if campaign_of.get(k) == campaign and k not in changed
        )
        total = rest + sum(b.approved for b in members)
        if limits.max is not None and total > units.minor(limits.max):
            cap = units.minor(limits.max)
            _cut_increases(
                [b for b in members if b.approved > b.base],
                total - cap,
                units,
                f"campaign {campaign}'s ad sets may total at most {units.show(cap)} a day",
            )
        elif limits.min is not None and total < units.minor(limits.min):
            floor = units.minor(limits.min)
            _restore_decreases(
                [b for b in members if b.approved < b.base],
                floor - total,
                units,
                f"campaign {campaign}'s ad sets must total at least {units.show(floor)} a day",
            )


def _apply_total(
    budgets: Sequence[_Budget],
    policy: BudgetPolicy,
    current: Mapping[str, int],
    campaign_of: Mapping[str, str],
    units: _Units,
    daily_total: Decimal | None,
) -> None:
    """The day's total over every covered object (excluded ones aside) is never raised above the limit."""
    excluded = set(policy.excluded)
    covered = {
        key: value
        for key, value in current.items()
        if key not in excluded and campaign_of.get(key) not in excluded
    }
    # an object absent from current_budgets but with a stated budget still counts toward the total
    before = sum(covered.values()) + sum(
        b.base for b in budgets if b.change.object_id not in covered
    )
    if daily_total is not None:
        limit = _minor_amount(daily_total, "daily_total", units)
        source = "the day's total"
    elif policy.total_daily_budget is not None:
        limit = units.minor(policy.total_daily_budget)
        source = "the policy's total_daily_budget"
    elif policy.monthly_budget is not None:
        raise InputError(
            "daily_total: the policy sets a monthly_budget; pass the day's paced total from budgets.pacing"
        )
    else:
        limit = before
        source = "the current total (the policy sets none)"
    after = before + sum(b.approved - b.base for b in budgets)
    if after <= limit:
        return
    increases = [b for b in budgets if b.approved > b.base]
    _cut_increases(
        increases,
        after - limit,
        units,
        f"budgets may total at most {units.show(limit)} a day ({source})",
    )
