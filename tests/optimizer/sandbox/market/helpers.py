"""Small readers over a market's reported rows, for the tests."""

from __future__ import annotations

import collections
from datetime import date
from decimal import Decimal

from optimizer.sandbox.market import Market


def adset_spend(market: Market, since: date, until: date) -> dict[tuple[str, date], Decimal]:
    """Spend per (ad set, day) as reported."""
    totals: dict[tuple[str, date], Decimal] = collections.defaultdict(Decimal)
    for account in market.accounts:
        for r in market.metrics(account, since, until):
            totals[(r.adset_id, r.date)] += r.spend
    return dict(totals)


def adset_totals(market: Market, adset_id: str, since: date, until: date) -> dict[str, float]:
    """Sums of one ad set's reported rows over a window."""
    out = collections.Counter()
    account = market.adsets[adset_id].account_id
    for r in market.metrics(account, since, until):
        if r.adset_id == adset_id:
            out["spend"] += float(r.spend)
            out["purchases"] += r.purchases
            out["impressions"] += r.impressions
    return dict(out)


def live_adset(market: Market, *, cbo: bool = False) -> str:
    """The first delivering, uncapped ad set (inside or outside a CBO campaign)."""
    for adset_id, adset in market.adsets.items():
        campaign = market.campaigns[adset.campaign_id]
        strategy = campaign.bid_strategy if campaign.is_cbo else adset.bid_strategy
        if (
            campaign.is_cbo == cbo
            and strategy == "LOWEST_COST_WITHOUT_CAP"
            and market.effective_status(adset_id) == "ACTIVE"
        ):
            return adset_id
    raise AssertionError("no live ad set")
