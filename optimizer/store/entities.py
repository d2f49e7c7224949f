"""The ad account's object tree as Meta models it: account > campaign > ad set > ad, plus creatives.

Budgets and bids are integers in the account currency's **minor** (offset) units exactly as the Graph API
sends them; the currency lives on the account, so there is one source of truth for it. Ids are strings
(Meta's ids overflow 64-bit in some languages and CSV imports use prefixed ids).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, String, Text
from sqlmodel import Field, SQLModel

from optimizer.store.types import UTCDateTime, utcnow

DEFAULT_PURCHASE_ACTION = "offsite_conversion.fb_pixel_purchase"


def _updated_at() -> Column[datetime]:
    return Column(UTCDateTime(), nullable=False, default=utcnow)


class Account(SQLModel, table=True):
    """An ad account; ``purchase_action_type`` is the ONE action counted as a conversion (never summed aliases)."""

    __tablename__ = "accounts"

    id: str = Field(sa_column=Column(String(64), primary_key=True))
    name: str
    currency: str = Field(sa_column=Column(String(3), nullable=False))
    timezone_name: str | None = None
    #: Meta's ``account_status`` (1 active, 2 disabled, ...), when known.
    account_status: int | None = None
    purchase_action_type: str = DEFAULT_PURCHASE_ACTION
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_updated_at())


class Campaign(SQLModel, table=True):
    """A campaign; a budget here (CBO) means its ad sets carry none."""

    __tablename__ = "campaigns"

    id: str = Field(sa_column=Column(String(64), primary_key=True))
    account_id: str = Field(
        sa_column=Column(String(64), ForeignKey("accounts.id"), nullable=False, index=True)
    )
    name: str
    objective: str | None = None
    status: str | None = None
    effective_status: str | None = None
    daily_budget: int | None = Field(default=None, sa_column=Column(BigInteger))
    lifetime_budget: int | None = Field(default=None, sa_column=Column(BigInteger))
    bid_strategy: str | None = None
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_updated_at())


class AdSet(SQLModel, table=True):
    """An ad set: the unit the allocator moves budget between (unless its campaign uses CBO)."""

    __tablename__ = "adsets"

    id: str = Field(sa_column=Column(String(64), primary_key=True))
    account_id: str = Field(
        sa_column=Column(String(64), ForeignKey("accounts.id"), nullable=False, index=True)
    )
    campaign_id: str = Field(
        sa_column=Column(String(64), ForeignKey("campaigns.id"), nullable=False, index=True)
    )
    name: str
    status: str | None = None
    effective_status: str | None = None
    daily_budget: int | None = Field(default=None, sa_column=Column(BigInteger))
    lifetime_budget: int | None = Field(default=None, sa_column=Column(BigInteger))
    bid_strategy: str | None = None
    bid_amount: int | None = Field(default=None, sa_column=Column(BigInteger))
    #: JSON text, as the Graph API sends it (e.g. ``{"roas_average_floor": 15000}``).
    bid_constraints: str | None = Field(default=None, sa_column=Column(Text))
    optimization_goal: str | None = None
    #: JSON text of the audience (the Graph API's ``targeting``, or what a CSV import knows of it).
    targeting: str | None = Field(default=None, sa_column=Column(Text))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_updated_at())


class Ad(SQLModel, table=True):
    """An ad: one creative shown within one ad set."""

    __tablename__ = "ads"

    id: str = Field(sa_column=Column(String(64), primary_key=True))
    account_id: str = Field(
        sa_column=Column(String(64), ForeignKey("accounts.id"), nullable=False, index=True)
    )
    campaign_id: str = Field(
        sa_column=Column(String(64), ForeignKey("campaigns.id"), nullable=False, index=True)
    )
    adset_id: str = Field(
        sa_column=Column(String(64), ForeignKey("adsets.id"), nullable=False, index=True)
    )
    name: str
    status: str | None = None
    effective_status: str | None = None
    creative_id: str | None = Field(default=None, sa_column=Column(String(64)))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_updated_at())


class Creative(SQLModel, table=True):
    """An ad creative; ``call_to_action_type`` is what CTA experiments vary."""

    __tablename__ = "creatives"

    id: str = Field(sa_column=Column(String(64), primary_key=True))
    account_id: str = Field(
        sa_column=Column(String(64), ForeignKey("accounts.id"), nullable=False, index=True)
    )
    name: str | None = None
    call_to_action_type: str | None = None
    title: str | None = Field(default=None, sa_column=Column(Text))
    body: str | None = Field(default=None, sa_column=Column(Text))
    link_url: str | None = Field(default=None, sa_column=Column(Text))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_updated_at())
