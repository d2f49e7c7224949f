"""A change as the applier and the audit log see it: one field of one object, in integer minor units.

The guardrail check speaks major-unit Decimals (what a person reads); Meta takes budgets and bids as
integers in the currency's minor unit, and the audit log stores them as those integers in decimal text.
:func:`from_checked` is the one conversion between the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from budgets.guardrails import CheckedChange
from optimizer.errors import InputError
from optimizer.money import major_to_minor

ObjectType = Literal["adset", "campaign"]
ChangeField = Literal["daily_budget", "bid_amount"]


@dataclass(frozen=True)
class Change:
    """Set ``field`` of ``object_id`` from ``before`` to ``after`` (minor units); ``refusal`` => skipped."""

    object_id: str
    object_type: ObjectType
    field: ChangeField
    before: int | None
    after: int | None
    reason: str
    refusal: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.object_id, self.field)


def _minor(
    value: Decimal | str | None, currency: str, where: str, *, exact: bool = True
) -> int | None:
    if value is None:
        return None
    if isinstance(value, str):
        raise InputError(f"{where}: expected an amount, got status {value!r}")
    return major_to_minor(value, currency, exact=exact)


def from_checked(checked: CheckedChange, currency: str) -> Change | None:
    """The change to plan for a guardrail verdict; None when the approved value is the one in force."""
    proposal = checked.change
    if proposal.field == "status":
        raise InputError(
            f"{proposal.object_id}: status changes are not applied by adpilot's applier"
        )
    where = f"{proposal.field} of {proposal.object_id}"
    before = _minor(proposal.current, currency, f"{where}.current")
    reason = "; ".join(part for part in (proposal.reason, *checked.reasons) if part)
    if checked.verdict == "refused":
        refusal = "; ".join(checked.reasons) or "refused by the guardrails"
        proposed = _minor(proposal.proposed, currency, f"{where}.proposed", exact=False)
        return Change(
            proposal.object_id,
            proposal.object_type,
            proposal.field,
            before,
            proposed,
            reason,
            refusal,
        )
    after = _minor(checked.approved, currency, f"{where}.approved")
    if after == before:
        return None
    return Change(proposal.object_id, proposal.object_type, proposal.field, before, after, reason)
