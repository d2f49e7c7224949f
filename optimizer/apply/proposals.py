"""From an allocation to the changes the guardrails judge: which objects may move, and what to propose.

The allocator optimises over what the history shows; only the nightly job knows what Meta holds now. An ad
set that is paused, or budgets by lifetime rather than by day, must not receive a daily budget (Meta would
refuse, or worse, start spending), so it is excluded from the policy for the night, which keeps it out of the
total too. Proposals state the value in force as their starting point, so the guardrails refuse a change
planned from a value that no longer holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

import pandas as pd

from budgets import BudgetPolicy, ProposedChange
from optimizer.apply.changes import ChangeField, ObjectType
from optimizer.apply.in_force import InForce
from optimizer.money import minor_to_major
from optimizer.store import AdSet, Campaign

#: Effective statuses under which a budget may be moved.
MOVABLE_STATUSES = frozenset({"ACTIVE"})


def effective_policy(
    policy: BudgetPolicy,
    campaigns: Iterable[Campaign],
    adsets: Iterable[AdSet],
    *,
    held: Iterable[str] = (),
) -> BudgetPolicy:
    """``policy`` with inactive objects, lifetime budgets and ``held`` ids added to ``excluded`` for tonight.

    ``held`` names objects whose budgets something else owns tonight (the arms of a live experiment).
    """
    campaigns = list(campaigns)
    cbo = {c.id for c in campaigns if c.daily_budget is not None or c.lifetime_budget is not None}
    keep = set(policy.frozen) | set(policy.adsets or ()) | set(policy.excluded)
    out: list[str] = []
    for campaign in campaigns:
        if campaign.id not in cbo:
            continue  # its ad sets hold the budgets and are judged one by one
        status = campaign.effective_status or campaign.status
        if campaign.daily_budget is None or (status and status not in MOVABLE_STATUSES):
            out.append(campaign.id)
    for adset in adsets:
        if adset.campaign_id in cbo:
            continue  # the campaign holds the budget; excluding a member would freeze it whole
        status = adset.effective_status or adset.status
        if adset.daily_budget is None or (status and status not in MOVABLE_STATUSES):
            out.append(adset.id)
    out.extend(held)
    extra = sorted(set(out) - keep)
    if not extra:
        return policy
    return policy.model_copy(update={"excluded": [*policy.excluded, *extra]})


def _major(value: object) -> Decimal | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return Decimal(str(value))


def proposals(
    recommendations: pd.DataFrame,
    found: InForce,
    currency: str,
    *,
    skip: Mapping[tuple[str, str], object] | None = None,
    stated: bool = False,
) -> list[ProposedChange]:
    """A proposal for every budget (and bid) the allocation moves from the value in force.

    ``skip`` holds (object, field) pairs this run already planned: their plan stands and is not re-proposed.
    ``stated`` proposes from the table's own ``current_budget``/``current_bid`` (an approved set made
    earlier), so the guardrails refuse a change whose starting value no longer holds.
    """
    planned = skip or {}
    out: list[ProposedChange] = []
    for row in recommendations.itertuples(index=False):
        kind: ObjectType = "campaign" if row.level == "campaign" else "adset"
        object_id = str(row.budget_id)
        campaign = row.campaign_id if kind == "adset" and isinstance(row.campaign_id, str) else None
        items: list[tuple[ChangeField, Decimal | None, Decimal | None]] = [
            ("daily_budget", _major(row.recommended_budget), _major(row.current_budget))
        ]
        if kind == "adset" and _major(row.recommended_bid) is not None:
            items.append(("bid_amount", _major(row.recommended_bid), _major(row.current_bid)))
        for field, proposed, said in items:
            if proposed is None or (object_id, field) in planned:
                continue
            now = found.value(object_id, field)
            current = said if stated else (None if now is None else minor_to_major(now, currency))
            if current == proposed:
                continue
            out.append(
                ProposedChange(
                    object_id=object_id,
                    object_type=kind,
                    field=field,
                    current=current,
                    proposed=proposed,
                    campaign_id=campaign,
                    reason=str(row.reason),
                )
            )
    return out
