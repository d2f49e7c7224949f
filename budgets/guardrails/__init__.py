"""The guardrail check: the one gate every budget, bid or status change passes before it can be applied.

Whether a change comes from the allocator, a dashboard edit, the CLI or the nightly job, it goes through
:func:`check_changes`, which approves it, clips it to the nearest allowed value, or refuses it, and says why
in plain words. Precedence when rules collide: the total daily budget (money actually spent) first, then
the absolute bounds of the policy, then the maximum daily change (Meta's learning-phase guidance). The check
only ever moves a proposal toward the value in force, so it never makes a standing violation worse.

Amounts are worked in the currency's integer minor units (``optimizer.money``), so every approved value is a
whole number of cents (or yen) and exactly what Meta will hold; re-checking an approved set changes nothing.
"""

from budgets.guardrails.changes import (
    MAX_BUDGET_CHANGES_PER_HOUR,
    STATUSES,
    ChangeField,
    CheckedChange,
    ObjectType,
    ProposedChange,
    Verdict,
)
from budgets.guardrails.check import check_changes, raise_on_refusal

__all__ = [
    "MAX_BUDGET_CHANGES_PER_HOUR",
    "STATUSES",
    "ChangeField",
    "CheckedChange",
    "ObjectType",
    "ProposedChange",
    "Verdict",
    "check_changes",
    "raise_on_refusal",
]
