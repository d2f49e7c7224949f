"""History frames from the sandbox market (ad-level rows summed by the model's validation)."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from optimizer.sandbox.market import Market


def market_history(market: Market, days: int | None = None) -> pd.DataFrame:
    account = next(iter(market.accounts))
    until = market.today - timedelta(days=1)
    since = market.config.first_day if days is None else market.today - timedelta(days=days)
    rows = market.metrics(account, since, until)
    return pd.DataFrame(
        [
            {
                "date": r.date,
                "adset_id": r.adset_id,
                "campaign_id": r.campaign_id,
                "spend": r.spend,
                "impressions": r.impressions,
                "clicks": r.clicks,
                "conversions": r.purchases,
                "revenue": r.purchase_value,
            }
            for r in rows
        ]
    )
