"""The Budget recommendations page's numbers: the nightly job's recommendation beside the guardrail verdicts.

The table is :func:`optimizer.nightly.recommend` (the same fit, policy for the night and allocation as
``adpilot recommend``); the verdicts come from :func:`budgets.check_changes` over the proposals
:func:`optimizer.apply.proposals.proposals` makes, exactly as the nightly job builds them. A person may edit a
recommended budget or approve only some rows; the approved rows are then an approved set for the shared
applier (:func:`optimizer.apply.approved.apply_approved`). Money stays Decimal in major units.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from decimal import Decimal

import pandas as pd

from budgets import CheckedChange, check_changes
from dashboard.curves import Outcome, effect, unit_members
from dashboard.format import money
from optimizer.apply import InForce
from optimizer.apply.proposals import proposals
from optimizer.errors import InputError
from optimizer.models import FitResult
from optimizer.money import major_to_minor, minor_to_major, parse_decimal
from optimizer.nightly import Recommendation

__all__ = [
    "REVIEW_COLUMNS",
    "approved_table",
    "confirmation_frame",
    "effects_frame",
    "guard",
    "parse_edit",
    "review_frame",
    "with_edits",
]

REVIEW_COLUMNS = [
    "budget_id",
    "name",
    "level",
    "campaign_id",
    "current_budget",
    "recommended_budget",
    "edited",
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
EDIT_REASON = "edited in the dashboard"


def parse_edit(value: object, currency: str, budget_id: str) -> Decimal:
    """A budget typed by a person, rounded to the currency's minor unit (what Meta can hold)."""
    amount = parse_decimal(value, f"budget of {budget_id}")
    if amount < 0:
        raise InputError(f"budget of {budget_id}: must not be negative, got {amount}")
    return minor_to_major(major_to_minor(amount, currency), currency)


def with_edits(table: pd.DataFrame, edits: Mapping[str, Decimal] | None) -> pd.DataFrame:
    """The recommendation table with edited budgets in place of the allocator's (and the reason says so)."""
    edits = dict(edits or {})
    unknown = set(edits) - {str(b) for b in table["budget_id"]}
    if unknown:
        raise InputError(f"edits: no recommendation for {', '.join(sorted(unknown))}")
    out = table.copy()
    budgets, reasons = [], []
    for row in table.to_dict("records"):
        edit = edits.get(str(row["budget_id"]))
        budgets.append(row["recommended_budget"] if edit is None else edit)
        was = row["recommended_budget"]
        reasons.append(row["reason"] if edit is None else f"{EDIT_REASON} (recommended {was})")
    out["recommended_budget"] = pd.Series(budgets, index=out.index, dtype=object)
    out["reason"] = pd.Series(reasons, index=out.index, dtype=object)
    return out


def approved_table(
    table: pd.DataFrame, edits: Mapping[str, Decimal] | None, approved: Collection[str]
) -> pd.DataFrame:
    """The approved rows (edits applied): the set handed to the shared applier."""
    missing = set(approved) - {str(b) for b in table["budget_id"]}
    if missing:
        raise InputError(f"approved: no recommendation for {', '.join(sorted(missing))}")
    edited = with_edits(table, edits)
    return edited[edited["budget_id"].astype(str).isin(set(approved))].reset_index(drop=True)


def guard(
    rec: Recommendation,
    found: InForce,
    *,
    table: pd.DataFrame | None = None,
    recent_changes: Mapping[str, int] | None = None,
) -> list[CheckedChange]:
    """The guardrail verdicts on ``table`` (default: the recommendation) as the nightly job checks them."""
    proposed = proposals(rec.table if table is None else table, found, rec.currency)
    if not proposed:
        return []
    return check_changes(
        proposed,
        rec.policy,
        current_budgets=found.daily_budgets(rec.currency),
        recent_changes=recent_changes,
        adset_campaigns=found.campaign_of,
        daily_total=rec.daily_total,
    )


def review_frame(
    table: pd.DataFrame,
    checked: Sequence[CheckedChange],
    names: Mapping[str, str] | None = None,
    edits: Mapping[str, Decimal] | None = None,
) -> pd.DataFrame:
    """One row per budget: current, recommended (or edited), relative change, expected outcome with its 90%
    interval, the allocator's reason and the guardrail verdict (``unchanged`` where nothing moves)."""
    verdicts = {c.change.object_id: c for c in checked if c.change.field == "daily_budget"}
    edits = dict(edits or {})
    rows = []
    for row in table.to_dict("records"):
        budget_id = str(row["budget_id"])
        current = row["current_budget"]
        recommended = edits.get(budget_id, row["recommended_budget"])
        verdict = verdicts.get(budget_id)
        rows.append(
            {
                **{k: row[k] for k in REVIEW_COLUMNS if k in row},
                "budget_id": budget_id,
                "name": (names or {}).get(budget_id, budget_id),
                "recommended_budget": recommended,
                "edited": budget_id in edits,
                "change": float((recommended - current) / current) if current else None,
                "verdict": verdict.verdict if verdict else "unchanged",
                "allowed_budget": verdict.approved if verdict else current,
                "guardrail": "; ".join(verdict.reasons) if verdict else "",
            }
        )
    frame = pd.DataFrame(rows, columns=REVIEW_COLUMNS)
    # an unknown change (no budget before) stays None rather than NaN
    frame["change"] = pd.Series([r["change"] for r in rows], index=frame.index, dtype=object)
    return frame


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
            "field": c.change.field,
            "from": _amount(c.change.current, currency),
            "to": _amount(c.approved, currency) if c.approved is not None else "refused",
            "verdict": c.verdict,
            "guardrail": "; ".join(c.reasons),
        }
        for c in checked
    ]
    columns = ["name", "budget_id", "field", "from", "to", "verdict", "guardrail"]
    return pd.DataFrame(rows, columns=columns)


def effects_frame(
    table: pd.DataFrame,
    posteriors: Mapping[str, FitResult],
    campaign_of: Mapping[str, str],
    outcome: Outcome = "revenue",
    *,
    draws: int = 2000,
) -> pd.DataFrame:
    """Per budget: the change in expected daily ``outcome`` from current to recommended, 90% interval.

    NaN where a unit has no fitted ad set (nothing to say) or no current budget (no change to measure).
    """
    rows = []
    for row in table.to_dict("records"):
        budget_id = str(row["budget_id"])
        members, shares = unit_members(budget_id, str(row["level"]), posteriors, campaign_of)
        current, recommended = row["current_budget"], row["recommended_budget"]
        if not members or current is None or recommended is None:
            rows.append((budget_id, float("nan"), float("nan"), float("nan")))
            continue
        found = effect(members, shares, float(current), float(recommended), outcome, draws=draws)
        rows.append((budget_id, found.mean, found.low, found.high))
    return pd.DataFrame(rows, columns=["budget_id", "effect", "effect_low", "effect_high"])
