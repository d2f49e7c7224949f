"""Rules on sums: a campaign's limits over its ad sets, and the day's total over the account.

Both only move proposals back toward the budgets in force (increases scaled down, decreases scaled back),
in proportion and in integer minor units, so the result is exact, deterministic and order-independent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from budgets.guardrails.amounts import Units, minor_amount
from budgets.guardrails.budget import BudgetItem
from budgets.policy import BudgetPolicy
from optimizer.errors import InputError


def share(slack: Mapping[int, int], amount: int, order: Mapping[int, str]) -> dict[int, int]:
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


def _floor_above_bound(item: BudgetItem) -> int:
    return max(item.base, item.low)


def _floor_at_base(item: BudgetItem) -> int:
    # a new object is never funded below its minimum: it is dropped whole instead (see cut_increases)
    return item.approved if item.current is None else item.base


def cut_increases(items: Sequence[BudgetItem], excess: int, units: Units, because: str) -> None:
    """Take ``excess`` off the increases in proportion: first what lies above each item's lower bound,
    then (when the total demands it) the rest down to the budget in force."""
    order = {item.index: item.change.object_id for item in items}
    for floor_of in (_floor_above_bound, _floor_at_base):
        if excess <= 0:
            return
        slack = {i.index: i.approved - floor_of(i) for i in items if i.approved > floor_of(i)}
        parts = share(slack, excess, order)
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


def restore_decreases(
    items: Sequence[BudgetItem], shortfall: int, units: Units, because: str
) -> None:
    """Give back ``shortfall`` to the decreases in proportion, never above the budget in force or the max."""
    order = {item.index: item.change.object_id for item in items}
    slack = {}
    for item in items:
        ceiling = item.base if item.high is None else min(item.base, item.high)
        if ceiling > item.approved:
            slack[item.index] = ceiling - item.approved
    parts = share(slack, shortfall, order)
    for item in items:
        part = parts.get(item.index, 0)
        if part:
            item.approved += part
            item.reasons.append(
                f"raised to {units.show(item.approved)}: {because}, so decreases are scaled back in proportion"
            )


def apply_campaign_limits(
    budgets: Sequence[BudgetItem],
    policy: BudgetPolicy,
    current: Mapping[str, int],
    campaign_of: Mapping[str, str],
    units: Units,
) -> None:
    """A campaign's limits bound the sum of its ad sets' budgets when the campaign has no budget of its own."""
    members_of: dict[str, list[BudgetItem]] = {}
    for item in budgets:
        if item.change.object_type == "adset" and item.campaign in policy.campaigns:
            members_of.setdefault(item.campaign, []).append(item)
    changed = {item.change.object_id for item in budgets}
    unchanged: dict[str, int] = {}
    for adset, value in current.items():
        campaign = campaign_of.get(adset)
        if campaign in members_of and adset not in changed:
            unchanged[campaign] = unchanged.get(campaign, 0) + value
    for campaign, members in sorted(members_of.items()):
        if campaign in current:  # a CBO campaign: its own budget carries the limits
            continue
        limits = policy.campaigns[campaign]
        rest = unchanged.get(campaign, 0)
        total = rest + sum(b.approved for b in members)
        if limits.max is not None and total > units.minor(limits.max):
            cap = units.minor(limits.max)
            cut_increases(
                [b for b in members if b.approved > b.base],
                total - cap,
                units,
                f"campaign {campaign}'s ad sets may total at most {units.show(cap)} a day",
            )
        elif limits.min is not None and total < units.minor(limits.min):
            floor = units.minor(limits.min)
            restore_decreases(
                [b for b in members if b.approved < b.base],
                floor - total,
                units,
                f"campaign {campaign}'s ad sets must total at least {units.show(floor)} a day",
            )


def apply_total(
    budgets: Sequence[BudgetItem],
    policy: BudgetPolicy,
    current: Mapping[str, int],
    campaign_of: Mapping[str, str],
    units: Units,
    daily_total: Decimal | None,
) -> None:
    """The day's total over every covered object (excluded ones aside) is never raised above the limit."""
    excluded = policy.excluded_ids
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
        limit = minor_amount(daily_total, "daily_total", units)
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
    cut_increases(
        increases,
        after - limit,
        units,
        f"budgets may total at most {units.show(limit)} a day ({source})",
    )
