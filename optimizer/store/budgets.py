"""Budgets as observed at each sync: what was in force on each past day, not only today.

Meta reports a day's spend and results but not the budget that day; the entity tables hold only the current
budget. So every sync records the budgets it sees, dated by the sync's logical day, and keeps the FIRST
observation of a day: the nightly job syncs before it applies anything, so that observation is what was in
force all of the day before (a later manual sync the same day would already see the night's changes).
The budget in force on day ``d`` is then the first observation dated after ``d``
(:func:`optimizer.store.frames.history`); days after the last observation, or before any, fall back to the
current budget.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Column, Date, ForeignKey, String
from sqlmodel import Field, SQLModel


class BudgetObservation(SQLModel, table=True):
    """One ad set's or campaign's budget and bid as a sync saw them on ``observed`` (minor units)."""

    __tablename__ = "budget_observations"

    object_id: str = Field(sa_column=Column(String(64), primary_key=True))
    observed: dt.date = Field(sa_column=Column(Date, primary_key=True))
    account_id: str = Field(
        sa_column=Column(String(64), ForeignKey("accounts.id"), nullable=False, index=True)
    )
    level: str = Field(sa_column=Column(String(16), nullable=False))  # "adset" or "campaign"
    daily_budget: int | None = Field(default=None, sa_column=Column(BigInteger))
    bid_amount: int | None = Field(default=None, sa_column=Column(BigInteger))
