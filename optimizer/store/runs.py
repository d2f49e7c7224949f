"""The record of each sync: when, which window, how many API calls and rows, and how it ended.

A run's row is written in its own short transactions (at start and at finish), outside the data
transaction, so a failed sync still leaves a ``failed`` run with its error while its data rolls back.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, Integer, String, Text
from sqlmodel import Field, SQLModel

from optimizer.store.types import UTCDateTime, utcnow


class SyncStatus(StrEnum):
    """How a sync run ended (``running`` until it does)."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class SyncRun(SQLModel, table=True):
    """One sync of one account over one date window."""

    __tablename__ = "sync_runs"

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    account_id: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    started_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    status: str = Field(
        default=SyncStatus.RUNNING.value, sa_column=Column(String(16), nullable=False)
    )
    since: date | None = None
    until: date | None = None
    api_calls: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    rows_written: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    error: str | None = Field(default=None, sa_column=Column(Text))
