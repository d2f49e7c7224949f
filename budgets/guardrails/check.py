"""check_changes: the order in which the guardrail rules run over a batch of proposed changes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, get_args

from budgets.guardrails.amounts import Units, minor_amount, text_id
from budgets.guardrails.budget import BudgetItem, finish_budget, start_budget
from budgets.guardrails.changes import ChangeField, CheckedChange, ObjectType, ProposedChange
from budgets.guardrails.rules import check_bid, check_status
from budgets.guardrails.sums import apply_campaign_limits, apply_total
from budgets.policy import BudgetPolicy
from optimizer.errors import GuardrailViolation, InputError


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
    units = Units(policy.currency)
    current = {
        text_id(key, "current_budgets"): minor_amount(value, f"current_budgets[{key}]", units)
        for key, value in current_budgets.items()
    }
    recent = dict(recent_changes or {})
    for key, count in recent.items():
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise InputError(f"recent_changes[{key}]: expected a count of changes, got {count!r}")
    campaign_of = _campaign_map(changes, adset_campaigns)
    results: list[CheckedChange | None] = [None] * len(changes)
    budgets: list[BudgetItem] = []
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
            results[index] = check_status(change, policy, campaign)
        elif change.field == "bid_amount":
            results[index] = check_bid(change, policy, campaign, units, index)
        else:
            checked = start_budget(change, policy, campaign, current, recent, units, index)
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
    apply_campaign_limits(budgets, policy, current, campaign_of, units)
    apply_total(budgets, policy, current, campaign_of, units, daily_total)
    for item in budgets:
        results[item.index] = finish_budget(item, units)
    return [result for result in results if result is not None]


def raise_on_refusal(checked: Sequence[CheckedChange]) -> None:
    """For callers that must apply all or nothing (``adpilot apply``): refuse the batch if anything was refused."""
    refused = [c for c in checked if c.verdict == "refused"]
    if refused:
        lines = [
            f"{c.change.field} of {c.change.object_id}: {'; '.join(c.reasons)}" for c in refused
        ]
        raise GuardrailViolation("refused by the guardrails:\n" + "\n".join(lines))


def _validate_shape(change: ProposedChange, index: int) -> None:
    where = f"changes[{index}]"
    if not isinstance(change, ProposedChange):
        raise InputError(f"{where}: expected a ProposedChange, got {type(change).__name__}")
    text_id(change.object_id, f"{where}.object_id")
    if change.object_type not in get_args(ObjectType):
        raise InputError(
            f"{where}.object_type: expected 'adset' or 'campaign', got {change.object_type!r}"
        )
    if change.field not in get_args(ChangeField):
        raise InputError(
            f"{where}.field: expected 'daily_budget', 'bid_amount' or 'status', got {change.field!r}"
        )
    if change.campaign_id is not None:
        text_id(change.campaign_id, f"{where}.campaign_id")


def _campaign_map(
    changes: Sequence[ProposedChange], adset_campaigns: Mapping[str, str] | None
) -> dict[str, str]:
    campaign_of = {
        text_id(a, "adset_campaigns"): text_id(c, f"adset_campaigns[{a}]")
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
