"""What the guardrail check takes and gives: a proposed change and its verdict."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

ObjectType = Literal["adset", "campaign"]
ChangeField = Literal["daily_budget", "bid_amount", "status"]
Verdict = Literal["ok", "clipped", "refused"]

#: Meta blocks a budget for an hour after 4 changes of it within an hour (error code 17).
MAX_BUDGET_CHANGES_PER_HOUR = 4


#: Statuses the optimizer may set; ARCHIVED and DELETED are irreversible and left to a human.
STATUSES = frozenset({"ACTIVE", "PAUSED"})


IRREVERSIBLE = frozenset({"ARCHIVED", "DELETED"})


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


def refused(change: ProposedChange, reason: str) -> CheckedChange:
    return CheckedChange(change=change, verdict="refused", approved=None, reasons=(reason,))
