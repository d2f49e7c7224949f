"""The audit log: every budget, bid and status change adpilot plans, applies, skips or rolls back.

One row per (run, object, field): the UNIQUE key is what makes a re-run of the same nightly run find its
earlier entry instead of applying the change a second time. ``before``/``after`` are text: budgets and bids
as integer minor units written in decimal ("5000"), statuses as Meta spells them ("PAUSED").
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Session
from sqlmodel import Field, SQLModel

from optimizer.errors import InputError
from optimizer.store.dialect import insert_missing
from optimizer.store.types import UTCDateTime, utcnow


class AuditStatus(StrEnum):
    """Where a change stands; see :data:`TRANSITIONS` for the moves allowed."""

    PLANNED = "planned"
    APPLIED = "applied"
    FAILED = "failed"
    SKIPPED = "skipped"
    ROLLED_BACK = "rolled_back"


#: Allowed status moves. Applied is final except for a rollback; a failed change may be retried.
TRANSITIONS: dict[AuditStatus, frozenset[AuditStatus]] = {
    AuditStatus.PLANNED: frozenset({AuditStatus.APPLIED, AuditStatus.FAILED, AuditStatus.SKIPPED}),
    AuditStatus.FAILED: frozenset({AuditStatus.APPLIED, AuditStatus.FAILED, AuditStatus.SKIPPED}),
    AuditStatus.APPLIED: frozenset({AuditStatus.ROLLED_BACK}),
    AuditStatus.SKIPPED: frozenset(),
    AuditStatus.ROLLED_BACK: frozenset(),
}


class AuditEntry(SQLModel, table=True):
    """One change to one field of one object, with who asked, why, and what the API answered."""

    __tablename__ = "audit_log"
    __table_args__ = (
        UniqueConstraint("run_id", "object_id", "field", name="uq_audit_run_object_field"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    run_id: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    account_id: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    object_type: str = Field(sa_column=Column(String(16), nullable=False))
    object_id: str = Field(sa_column=Column(String(64), nullable=False))
    field: str = Field(sa_column=Column(String(32), nullable=False))
    before: str | None = Field(default=None, sa_column=Column(Text))
    after: str | None = Field(default=None, sa_column=Column(Text))
    reason: str | None = Field(default=None, sa_column=Column(Text))
    actor: str = Field(sa_column=Column(String(64), nullable=False))
    status: str = Field(
        default=AuditStatus.PLANNED.value, sa_column=Column(String(16), nullable=False)
    )
    api_response: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    applied_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


def record(
    session: Session,
    *,
    run_id: str,
    account_id: str,
    object_type: str,
    object_id: str,
    field: str,
    before: str | int | None,
    after: str | int | None,
    actor: str,
    reason: str | None = None,
    status: AuditStatus | str = AuditStatus.PLANNED,
) -> AuditEntry:
    """Plan a change, or return the entry already recorded for (run, object, field) untouched.

    Returning the earlier entry (with its status) is what lets a re-run see that a change was already
    applied and not apply it twice; the database's UNIQUE key settles races between two writers.
    """
    for name, value in (
        ("run_id", run_id),
        ("object_id", object_id),
        ("field", field),
        ("actor", actor),
    ):
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"audit entry: {name}: must be non-empty text, got {value!r}")
    row: dict[str, Any] = {
        "run_id": run_id,
        "account_id": account_id,
        "object_type": object_type,
        "object_id": object_id,
        "field": field,
        "before": None if before is None else str(before),
        "after": None if after is None else str(after),
        "reason": reason,
        "actor": actor,
        "status": AuditStatus(status).value,
        "api_response": None,
        "created_at": utcnow(),
        "applied_at": None,
    }
    table = AuditEntry.__table__  # type: ignore[attr-defined]
    insert_missing(session, table, [row], ["run_id", "object_id", "field"])
    stmt = select(AuditEntry).where(
        table.c.run_id == run_id, table.c.object_id == object_id, table.c.field == field
    )
    return session.scalars(stmt).one()


def update_status(
    session: Session,
    entry_id: int,
    status: AuditStatus | str,
    *,
    api_response: str | None = None,
    applied_at: datetime | None = None,
) -> AuditEntry:
    """Move an entry along :data:`TRANSITIONS`; refuses moves it does not allow."""
    new = AuditStatus(status)
    entry = session.get(AuditEntry, entry_id)
    if entry is None:
        raise InputError(f"audit entry: id: no entry {entry_id}")
    old = AuditStatus(entry.status)
    if new not in TRANSITIONS[old]:
        raise InputError(
            f"audit entry {entry_id}: status: cannot move from {old.value!r} to {new.value!r}"
        )
    entry.status = new.value
    if api_response is not None:
        entry.api_response = api_response
    if new is AuditStatus.APPLIED:
        entry.applied_at = applied_at or utcnow()
    session.flush()
    return entry
