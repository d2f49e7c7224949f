"""Turn simulated days into :class:`DailyMetrics` rows as a pull made today would report them."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal

import numpy as np

from optimizer.sandbox.market.attribution import known_lag
from optimizer.sandbox.market.entities import DailyMetrics
from optimizer.sandbox.market.simulate import DayRecord


@dataclass(frozen=True)
class AdIndex:
    """Per ad (creation order): the ids a row carries and its account's position."""

    ad_ids: list[str]
    adset_ids: list[str]
    campaign_ids: list[str]
    account_ids: list[str]
    account: np.ndarray


(
    set_date, set_account, set_campaign, set_adset, set_ad, set_spend, set_impressions, set_reach,
    set_clicks, set_links, set_views, set_carts, set_purchases, set_value,
) = (getattr(DailyMetrics, f.name).__set__ for f in fields(DailyMetrics))  # fmt: skip


def _money(amounts: list[int], exponent: int) -> list[Decimal]:
    return [Decimal(a).scaleb(exponent) for a in amounts]


def report(
    records: list[DayRecord], index: AdIndex, account: int, exponent: int, today_ordinal: int
) -> list[DailyMetrics]:
    """Rows of ``account`` for ``records`` (in date order), purchases as known on ``today``; ad-id order.

    ``exponent`` turns the account's minor units into major ones (-2 for cents, 0 for yen).
    """
    new = object.__new__
    rows: list[DailyMetrics] = []
    for record in records:
        keep = index.account[record.ad] == account
        ads = record.ad[keep]
        if not len(ads):
            continue
        lag = known_lag(record.ordinal, today_ordinal)
        column = -1 if record.final else lag
        ad_list = ads.tolist()
        spend = _money(record.spend[keep].tolist(), exponent)
        value = _money(record.value_by_lag[keep, column].tolist(), exponent)
        day = date.fromordinal(record.ordinal)
        columns = zip(
            ad_list,
            spend,
            record.impressions[keep].tolist(),
            record.reach[keep].tolist(),
            record.clicks[keep].tolist(),
            record.link_clicks[keep].tolist(),
            record.views[keep].tolist(),
            record.add_to_cart[keep].tolist(),
            record.purchases_by_lag[keep, column].tolist(),
            value,
            strict=True,
        )
        for a, s, imp, reach, clicks, links, views, carts, purchases, val in columns:
            # bypass the frozen __init__ (one object.__setattr__ per field): set the slots directly
            row = new(DailyMetrics)
            set_date(row, day)
            set_account(row, index.account_ids[a])
            set_campaign(row, index.campaign_ids[a])
            set_adset(row, index.adset_ids[a])
            set_ad(row, index.ad_ids[a])
            set_spend(row, s)
            set_impressions(row, imp)
            set_reach(row, reach)
            set_clicks(row, clicks)
            set_links(row, links)
            set_views(row, views)
            set_carts(row, carts)
            set_purchases(row, purchases)
            set_value(row, val)
            rows.append(row)
    return rows
