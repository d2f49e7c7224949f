"""The audit log: every budget, bid and status change adpilot plans, applies, skips or rolls back.

One row per (run, object, field): the UNIQUE key is what makes a re-run of the same nightly run find its
earlier entry instead of applying the change a second time. ``before``/``after`` are text: budgets and bids
as integer minor units written in decimal ("5000"), statuses as Meta spells them ("PAUSED").
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

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
