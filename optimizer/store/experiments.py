"""Experiments in the store: the definition, its arms (real ads), daily results per arm, budget history.

``Experiment.spec`` holds the validated :class:`experiments.spec.ExperimentSpec` as JSON so the stored
definition is exactly what ran. Each ``ExperimentArm`` points at the campaign, ad set, creative and ad that
carry it on Meta and at its Optuna trial. ``ExperimentArmDay`` is keyed by (arm, date) so a re-pulled day
replaces the stored one (late-attributed purchases). ``ExperimentAllocation`` records each arm's daily
budget from the day it took effect, which is the intended split the delivered spend is checked against.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from optimizer.store.types import Money, UTCDateTime, utcnow

__all__ = ["Experiment", "ExperimentAllocation", "ExperimentArm", "ExperimentArmDay"]


class Experiment(SQLModel, table=True):
    """One creative/CTA experiment on one ad account."""

    __tablename__ = "experiments"

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    account_id: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    currency: str = Field(sa_column=Column(String(3), nullable=False))
    #: creating, running, concluded, stopped, failed
    status: str = Field(sa_column=Column(String(16), nullable=False))
    spec: str = Field(sa_column=Column(Text, nullable=False))
    study_name: str = Field(sa_column=Column(String(200), nullable=False, unique=True))
    started_on: dt.date | None = Field(default=None, sa_column=Column(Date))
    stopped_on: dt.date | None = Field(default=None, sa_column=Column(Date))
    #: the last decision as JSON (status, winner, reasons)
    decision: str | None = Field(default=None, sa_column=Column(Text))
    error: str | None = Field(default=None, sa_column=Column(Text))
    created_at: dt.datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class ExperimentArm(SQLModel, table=True):
    """One arm: a creative x CTA shown by its own ad in its own ad set."""

    __tablename__ = "experiment_arms"
    __table_args__ = (UniqueConstraint("experiment_id", "name"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    experiment_id: int = Field(
        sa_column=Column(Integer, ForeignKey("experiments.id"), nullable=False, index=True)
    )
    name: str = Field(sa_column=Column(String(200), nullable=False))
    cta: str = Field(sa_column=Column(String(40), nullable=False))
    creative: str = Field(sa_column=Column(String(150), nullable=False))
    is_control: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))
    #: live, retired (finished early to make room), stopped, failed
    status: str = Field(sa_column=Column(String(16), nullable=False))
    trial_number: int | None = Field(default=None, sa_column=Column(Integer))
    campaign_id: str | None = Field(default=None, sa_column=Column(String(64)))
    adset_id: str | None = Field(default=None, sa_column=Column(String(64)))
    creative_id: str | None = Field(default=None, sa_column=Column(String(64)))
    ad_id: str | None = Field(default=None, sa_column=Column(String(64)))
    #: the ad set's current daily budget in minor units
    daily_budget: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    launched_on: dt.date | None = Field(default=None, sa_column=Column(Date))
    retired_on: dt.date | None = Field(default=None, sa_column=Column(Date))
    #: what Optuna was told: complete/pruned/fail, and the value for complete
    told_state: str | None = Field(default=None, sa_column=Column(String(16)))
    told_value: float | None = Field(default=None, sa_column=Column(Float))


class ExperimentArmDay(SQLModel, table=True):
    """One arm's delivery and outcomes on one day (account time zone), money exact."""

    __tablename__ = "experiment_arm_days"

    arm_id: int = Field(
        sa_column=Column(Integer, ForeignKey("experiment_arms.id"), primary_key=True)
    )
    date: dt.date = Field(sa_column=Column(Date, primary_key=True))
    experiment_id: int = Field(
        sa_column=Column(Integer, ForeignKey("experiments.id"), nullable=False, index=True)
    )
    spend: Decimal = Field(sa_column=Column(Money(), nullable=False))
    impressions: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    clicks: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    link_clicks: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    purchases: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    revenue: Decimal = Field(sa_column=Column(Money(), nullable=False))
    pulled_at: dt.datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class ExperimentAllocation(SQLModel, table=True):
    """An arm's daily budget (minor units) and traffic share from ``effective_on`` until the next row."""

    __tablename__ = "experiment_allocations"

    arm_id: int = Field(
        sa_column=Column(Integer, ForeignKey("experiment_arms.id"), primary_key=True)
    )
    effective_on: dt.date = Field(sa_column=Column(Date, primary_key=True))
    experiment_id: int = Field(
        sa_column=Column(Integer, ForeignKey("experiments.id"), nullable=False, index=True)
    )
    daily_budget: int = Field(sa_column=Column(BigInteger, nullable=False))
    share: float = Field(sa_column=Column(Float, nullable=False))
