"""Delivery and outcome numbers: daily rows per ad set or ad, and lifetime totals where no days exist.

``DailyInsight`` is keyed by (level, object_id, date): re-pulling a window overwrites the same rows, which is
how Meta's restated (late-attributed) conversions get corrected. Metrics other than spend are nullable: an
unknown number is stored as NULL, never as an invented zero. ``conversions``/``revenue`` count the account's
one canonical purchase action; other action counts may be kept in ``actions`` (JSON object).

``LifetimeInsight`` holds totals over a period that is not broken down by day (the Kaggle conversion file):
putting them in the daily table would make one day look like the whole campaign.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import BigInteger, Column, Date, ForeignKey, Index, String, Text
from sqlmodel import Field, SQLModel

from optimizer.store.types import Money, UTCDateTime, utcnow


class InsightLevel(StrEnum):
    """The object an insight row describes."""

    ACCOUNT = "account"
    CAMPAIGN = "campaign"
    ADSET = "adset"
    AD = "ad"


def _count() -> Column[int]:
    return Column(BigInteger, nullable=True)


class DailyInsight(SQLModel, table=True):
    """One object's delivery on one day (in the account's time zone), money exact."""

    __tablename__ = "daily_insights"
    __table_args__ = (Index("ix_daily_insights_account_level_date", "account_id", "level", "date"),)

    level: str = Field(sa_column=Column(String(10), primary_key=True))
    object_id: str = Field(sa_column=Column(String(64), primary_key=True))
    date: dt.date = Field(sa_column=Column(Date, primary_key=True))
    account_id: str = Field(sa_column=Column(String(64), ForeignKey("accounts.id"), nullable=False))
    campaign_id: str | None = Field(default=None, sa_column=Column(String(64)))
    adset_id: str | None = Field(default=None, sa_column=Column(String(64)))
    ad_id: str | None = Field(default=None, sa_column=Column(String(64)))
    spend: Decimal = Field(sa_column=Column(Money(), nullable=False))
    impressions: int | None = Field(default=None, sa_column=_count())
    reach: int | None = Field(default=None, sa_column=_count())
    clicks: int | None = Field(default=None, sa_column=_count())
    link_clicks: int | None = Field(default=None, sa_column=_count())
    conversions: int | None = Field(default=None, sa_column=_count())
    revenue: Decimal | None = Field(default=None, sa_column=Column(Money()))
    currency: str = Field(sa_column=Column(String(3), nullable=False))
    #: JSON object of other action counts by action type (funnel steps, leads), when known.
    actions: str | None = Field(default=None, sa_column=Column(Text))
    pulled_at: dt.datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class LifetimeInsight(SQLModel, table=True):
    """Totals of one object over a period with no daily breakdown (``period_*`` NULL when unknown)."""

    __tablename__ = "lifetime_insights"

    level: str = Field(sa_column=Column(String(10), primary_key=True))
    object_id: str = Field(sa_column=Column(String(64), primary_key=True))
    account_id: str = Field(
        sa_column=Column(String(64), ForeignKey("accounts.id"), nullable=False, index=True)
    )
    campaign_id: str | None = Field(default=None, sa_column=Column(String(64)))
    adset_id: str | None = Field(default=None, sa_column=Column(String(64)))
    ad_id: str | None = Field(default=None, sa_column=Column(String(64)))
    period_start: dt.date | None = Field(default=None, sa_column=Column(Date))
    period_end: dt.date | None = Field(default=None, sa_column=Column(Date))
    spend: Decimal = Field(sa_column=Column(Money(), nullable=False))
    impressions: int | None = Field(default=None, sa_column=_count())
    reach: int | None = Field(default=None, sa_column=_count())
    clicks: int | None = Field(default=None, sa_column=_count())
    link_clicks: int | None = Field(default=None, sa_column=_count())
    conversions: int | None = Field(default=None, sa_column=_count())
    revenue: Decimal | None = Field(default=None, sa_column=Column(Money()))
    currency: str = Field(sa_column=Column(String(3), nullable=False))
    actions: str | None = Field(default=None, sa_column=Column(Text))
    #: Where the numbers came from (e.g. ``KAG_conversion_data.csv``).
    source: str | None = None
    pulled_at: dt.datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
