"""A small account tree for store tests: rows as a sync would hand them over."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from optimizer.store import Store

ACCOUNT = "act_100"
START = date(2026, 3, 1)


def entity_rows(currency: str = "USD", account: str = ACCOUNT) -> dict[str, list[dict[str, Any]]]:
    """One ABO campaign with two ad sets (one ad each) and one CBO campaign with one ad set."""
    return {
        "accounts": [{"id": account, "name": "Shop", "currency": currency, "timezone_name": "Europe/Berlin"}],
        "campaigns": [
            {"id": "c1", "account_id": account, "name": "ABO", "status": "ACTIVE"},
            {"id": "c2", "account_id": account, "name": "CBO", "status": "ACTIVE", "daily_budget": 30000},
        ],
        "adsets": [
            {"id": "s1", "account_id": account, "campaign_id": "c1", "name": "s1", "daily_budget": 5000,
             "bid_strategy": "COST_CAP", "bid_amount": 1250, "bid_constraints": {"roas_average_floor": 15000}},
            {"id": "s2", "account_id": account, "campaign_id": "c1", "name": "s2", "daily_budget": 2550},
            {"id": "s3", "account_id": account, "campaign_id": "c2", "name": "s3"},
        ],
        "creatives": [
            {"id": "cr1", "account_id": account, "name": "Buy", "call_to_action_type": "SHOP_NOW"},
        ],
        "ads": [
            {"id": f"a{n}", "account_id": account, "campaign_id": c, "adset_id": s, "name": f"a{n}",
             "creative_id": "cr1"}
            for n, (c, s) in enumerate([("c1", "s1"), ("c1", "s2"), ("c2", "s3")], start=1)
        ],
    }  # fmt: skip


def insight_row(
    adset: str, day: date, spend: str, *, conversions: int = 1, revenue: str | None = "10.00",
    campaign: str | None = None, currency: str = "USD", account: str = ACCOUNT, **extra: Any,
) -> dict[str, Any]:  # fmt: skip
    """One ad-set day; campaign derived from the seed tree."""
    campaign = campaign or ("c2" if adset == "s3" else "c1")
    return {
        "level": "adset", "date": day, "account_id": account, "campaign_id": campaign,
        "adset_id": adset, "spend": Decimal(spend), "impressions": 1000, "reach": 800,
        "clicks": 20, "link_clicks": 15, "conversions": conversions,
        "revenue": None if revenue is None else Decimal(revenue), "currency": currency, **extra,
    }  # fmt: skip


def window_rows(days: int = 5, scale: int = 1) -> list[dict[str, Any]]:
    """Every seed ad set on ``days`` consecutive days, spend varying by ad set and day."""
    return [
        insight_row(adset, START + timedelta(days=d), f"{scale * (d + 1)}.{k}5", conversions=d + k)
        for d in range(days)
        for k, adset in enumerate(["s1", "s2", "s3"], start=1)
    ]


def seed(store: Store, currency: str = "USD") -> None:
    """Write the seed tree in one transaction."""
    rows = entity_rows(currency)
    with store.transaction() as session:
        store.upsert_accounts(session, rows["accounts"])
        store.upsert_campaigns(session, rows["campaigns"])
        store.upsert_adsets(session, rows["adsets"])
        store.upsert_creatives(session, rows["creatives"])
        store.upsert_ads(session, rows["ads"])
