"""The Kaggle "Sales Conversion Optimization" file: one row per Facebook ad with LIFETIME totals.

Mapping: ``xyz_campaign_id`` is the campaign, ``fb_campaign_id`` the ad set (each carries one audience:
age band, gender, interest code, kept as the ad set's ``targeting``), ``ad_id`` the ad. Ids are prefixed
``kag-`` so they can never collide with Meta's numeric ids in the same database.

The numbers are totals over an unknown period, not days, so they go to ``lifetime_insights`` (level "ad"),
never to ``daily_insights`` where they would pose as one day's delivery; ``period_start``/``period_end``
stay NULL unless the caller knows them. ``Approved_Conversion`` (purchases) is the canonical
``conversions``; ``Total_Conversion`` (enquiries) is kept in ``actions`` as ``total_conversion``. The file
has no revenue and no reach: they stay NULL. ``Spent`` (USD) is written as float32 renderings of cent
amounts ("1.429999948"); each is rounded to the cent, and a value that is not within float32 precision of
a cent amount is refused rather than silently rounded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from optimizer.errors import InputError
from optimizer.importers.reading import CsvRow, read_rows
from optimizer.importers.report import ImportReport
from optimizer.money import offset
from optimizer.store import Store

KIND = "kaggle-conversion"
COLUMNS = (
    "ad_id",
    "xyz_campaign_id",
    "fb_campaign_id",
    "age",
    "gender",
    "interest",
    "Impressions",
    "Clicks",
    "Spent",
    "Total_Conversion",
    "Approved_Conversion",
)
DEFAULT_ACCOUNT = "act_kag_conversion"
PREFIX = "kag-"
_CENT = Decimal("0.01")
#: float32 keeps 24 bits: a rendered cent amount is within 2**-24 (relative) of the true value.
_FLOAT32_SLACK = Decimal("1e-7")


@dataclass
class KaggleBatch:
    """The parsed file as store rows, ready to upsert in one transaction."""

    account: dict[str, Any]
    campaigns: list[dict[str, Any]]
    adsets: list[dict[str, Any]]
    ads: list[dict[str, Any]]
    lifetime: list[dict[str, Any]]


def _cents(row: CsvRow) -> Decimal:
    raw = row.amount("Spent")
    cents = raw.quantize(_CENT, rounding=ROUND_HALF_EVEN)
    if abs(raw - cents) > max(raw, Decimal(1)) * _FLOAT32_SLACK:
        raise InputError(
            f"{row.where('Spent')}: {row.raw('Spent')!r} is not a cent amount (nor a float32 rendering of one)"
        )
    return cents


def parse(
    path: Path,
    *,
    account_id: str = DEFAULT_ACCOUNT,
    currency: str = "USD",
    period_start: date | None = None,
    period_end: date | None = None,
) -> KaggleBatch:
    """Read and check the whole file (pure: no store), raising InputError naming file, row and column."""
    offset(currency)  # an unknown currency is a CurrencyError before the file is even read
    rows = read_rows(path, COLUMNS, delimiter=",")
    campaigns: dict[str, dict[str, Any]] = {}
    adsets: dict[str, dict[str, Any]] = {}
    adset_seen: dict[str, tuple[str, str, int]] = {}
    ads: list[dict[str, Any]] = []
    lifetime: list[dict[str, Any]] = []
    seen_ads: dict[str, int] = {}
    for row in rows:
        ad = PREFIX + str(row.whole("ad_id"))
        campaign = PREFIX + str(row.whole("xyz_campaign_id"))
        adset = PREFIX + str(row.whole("fb_campaign_id"))
        if ad in seen_ads:
            raise InputError(f"{row.where('ad_id')}: ad {ad} already on row {seen_ads[ad]}")
        seen_ads[ad] = row.row
        targeting = {
            "age": row.text("age"),
            "gender": row.text("gender"),
            "interest": row.whole("interest"),
        }
        key = (campaign, json.dumps(targeting, sort_keys=True), row.row)
        if adset in adset_seen and adset_seen[adset][:2] != key[:2]:
            raise InputError(
                f"{row.where('fb_campaign_id')}: ad set {adset} has a different campaign or audience "
                f"than on row {adset_seen[adset][2]}"
            )
        adset_seen.setdefault(adset, key)
        campaigns.setdefault(
            campaign,
            {
                "id": campaign,
                "account_id": account_id,
                "name": f"Campaign {campaign[len(PREFIX) :]}",
            },
        )
        adsets.setdefault(
            adset,
            {
                "id": adset,
                "account_id": account_id,
                "campaign_id": campaign,
                "name": f"fb_campaign {adset[len(PREFIX) :]}",
                "targeting": targeting,
            },
        )
        ads.append(
            {
                "id": ad,
                "account_id": account_id,
                "campaign_id": campaign,
                "adset_id": adset,
                "name": ad,
            }
        )
        approved = row.whole("Approved_Conversion")
        total = row.whole("Total_Conversion")
        lifetime.append(
            {
                "level": "ad",
                "account_id": account_id,
                "campaign_id": campaign,
                "adset_id": adset,
                "ad_id": ad,
                "period_start": period_start,
                "period_end": period_end,
                "spend": _cents(row),
                "impressions": row.whole("Impressions"),
                "clicks": row.whole("Clicks"),
                "conversions": approved,
                "currency": currency,
                "actions": {"total_conversion": total},
                "source": path.name,
            }
        )
    account = {
        "id": account_id,
        "name": "Kaggle sales conversion (anonymous company)",
        "currency": currency,
    }
    return KaggleBatch(account, list(campaigns.values()), list(adsets.values()), ads, lifetime)


def import_kaggle_conversion(
    store: Store,
    path: Path,
    *,
    account_id: str = DEFAULT_ACCOUNT,
    currency: str = "USD",
    period_start: date | None = None,
    period_end: date | None = None,
) -> ImportReport:
    """Load the file into ``store`` in one transaction: all of it, or (on any error) nothing."""
    batch = parse(
        path,
        account_id=account_id,
        currency=currency,
        period_start=period_start,
        period_end=period_end,
    )
    report = ImportReport(KIND, account_id, [str(path)])
    with store.transaction() as session:
        report.written = write(store, session, batch)
    return report


def write(store: Store, session: Session, batch: KaggleBatch) -> dict[str, int]:
    """Upsert a parsed file inside the caller's transaction; rows written per table."""
    return {
        "accounts": store.upsert_accounts(session, [batch.account]),
        "campaigns": store.upsert_campaigns(session, batch.campaigns),
        "adsets": store.upsert_adsets(session, batch.adsets),
        "ads": store.upsert_ads(session, batch.ads),
        "lifetime_insights": store.upsert_lifetime_insights(session, batch.lifetime),
    }
