"""The Budget recommendations page's numbers: the allocator's table joined with the guardrail verdicts.

The allocator (:func:`optimizer.allocation.allocate`) says what each budget should be; the guardrail check
(:func:`budgets.check_changes`, the one every change passes) says whether that may be applied as is. The
page shows both side by side, lets a person edit a recommended budget or leave an ad set out, and sends
the approved set through the same check again before the shared applier (:mod:`optimizer.apply`) plans and
pushes it. Money stays Decimal in major units of the account's currency.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from decimal import Decimal

import pandas as pd

from budgets import BudgetPolicy, CheckedChange, ProposedChange, check_changes
from dashboard.format import money
from optimizer.errors import InputError
from optimizer.money import major_to_minor, minor_to_major, parse_decimal
from optimizer.store import AdSet, Campaign

__all__ = [
    "REVIEW_COLUMNS",
    "confirmation_frame",
    "current_budgets",
    "guard",
    "parse_edit",
    "proposals",
    "review_frame",
]

REVIEW_COLUMNS = [
    "budget_id",
    "name",
    "level",
    "campaign_id",
    "current_budget",
    "recommended_budget",
    "change",
    "expected_conversions",
    "expected_conversions_low",
    "expected_conversions_high",
    "expected_revenue",
    "expected_revenue_low",
    "expected_revenue_high",
    "fit_status",
    "reason",
    "verdict",
    "allowed_budget",
    "guardrail",
]


def current_budgets(
    adsets: Sequence[AdSet], campaigns: Sequence[Campaign], currency: str
) -> dict[str, Decimal]:
    """Daily budgets in force (major units) of every ad set and CBO campaign that has one."""
    out: dict[str, Decimal] = {}
    for campaign in campaigns:
        if campaign.daily_budget is not None:
            out[campaign.id] = minor_to_major(campaign.daily_budget, currency)
    for adset in adsets:
        if adset.daily_budget is not None:
            out[adset.id] = minor_to_major(adset.daily_budget, currency)
    return out


def parse_edit(value: object, currency: str, budget_id: str) -> Decimal:
    """A budget typed by a person, rounded to the currency's minor unit (what Meta can hold)."""
    amount = parse_decimal(value, f"budget of {budget_id}")
    if amount < 0:
        raise InputError(f"budget of {budget_id}: must not be negative, got {amount}")
    return minor_to_major(major_to_minor(amount, currency), currency)


def proposals(
    recommendations: pd.DataFrame,
    *,
    edits: Mapping[str, Decimal] | None = None,
    approved: Collection[str] | None = None,
) -> list[ProposedChange]:
    """Daily-budget changes for the approved rows (all when ``approved`` is None), edits taking precedence.

    A row whose proposed budget equals its current one is no change and is left out.
    """
    edits = dict(edits or {})
    unknown = set(edits) - set(recommendations["budget_id"])
    if unknown:
        raise InputError(f"edits: no recommendation for {', '.join(sorted(unknown))}")
    out = []
    for row in recommendations.to_dict("records"):
        budget_id = str(row["budget_id"])
        if approved is not None and budget_id not in approved:
            continue
        proposed = edits.get(budget_id, row["recommended_budget"])
        if not isinstance(proposed, Decimal) or not proposed.is_finite() or proposed < 0:
            raise InputError(
                f"recommended_budget of {budget_id}: expected an amount, got {proposed!r}"
            )
        current = row["current_budget"]
        if proposed == current:
            continue
        out.append(
            ProposedChange(
                object_id=budget_id,
                object_type="campaign" if row["level"] == "campaign" else "adset",
                field="daily_budget",
                current=current,
                proposed=proposed,
                campaign_id=None if row["level"] == "campaign" else str(row["campaign_id"]),
                reason=str(row["reason"] or ""),
            )
        )
    return out


def guard(
    changes: Sequence[ProposedChange],
    policy: BudgetPolicy,
    current: Mapping[str, Decimal],
    *,
    recent_changes: Mapping[str, int] | None = None,
    adset_campaigns: Mapping[str, str] | None = None,
) -> list[CheckedChange]:
    """The guardrail verdicts of ``changes`` (the one check, nothing added here)."""
    if not changes:
        return []
    return check_changes(
        changes,
        policy,
        current_budgets=current,
        recent_changes=recent_changes,
        adset_campaigns=adset_campaigns,
    )


def review_frame(
    recommendations: pd.DataFrame,
    checked: Sequence[CheckedChange],
    names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """One row per budget: current, recommended, relative change, expected outcome with its 90% interval,
    the allocator's reason and the guardrail verdict (``unchanged`` where nothing is to be applied)."""
    verdicts = {c.change.object_id: c for c in checked if c.change.field == "daily_budget"}
    rows = []
    for row in recommendations.to_dict("records"):
        budget_id = str(row["budget_id"])
        current, recommended = row["current_budget"], row["recommended_budget"]
        verdict = verdicts.get(budget_id)
        rows.append(
            {
                **{k: row[k] for k in REVIEW_COLUMNS if k in row},
                "budget_id": budget_id,
                "name": (names or {}).get(budget_id, budget_id),
                "change": float((recommended - current) / current) if current else None,
                "verdict": verdict.verdict if verdict else "unchanged",
                "allowed_budget": (verdict.approved if verdict else current),
                "guardrail": "; ".join(verdict.reasons) if verdict else "",
            }
        )
    return pd.DataFrame(rows, columns=REVIEW_COLUMNS)


def _amount(value: Decimal | str | None, currency: str) -> str:
    return money(value, currency) if isinstance(value, Decimal) else str(value or "")


def confirmation_frame(
    checked: Sequence[CheckedChange], currency: str, names: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """What a person confirms before applying: each change's from, to (as the guardrails allow) and why."""
    rows = [
        {
            "name": (names or {}).get(c.change.object_id, c.change.object_id),
            "budget_id": c.change.object_id,
            "from": _amount(c.change.current, currency),
            "to": _amount(c.approved, currency) if c.approved is not None else "refused",
            "verdict": c.verdict,
            "guardrail": "; ".join(c.reasons),
        }
        for c in checked
    ]
    return pd.DataFrame(rows, columns=["name", "budget_id", "from", "to", "verdict", "guardrail"])
