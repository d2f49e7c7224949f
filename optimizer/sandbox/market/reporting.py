"""Turn simulated days into :class:`DailyMetrics` rows as a pull made today would report them."""

from __future__ import annotations

from dataclasses import dataclass
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
            row = new(DailyMetrics)
            row.__dict__.update(
                date=day,
                account_id=index.account_ids[a],
                campaign_id=index.campaign_ids[a],
                adset_id=index.adset_ids[a],
                ad_id=index.ad_ids[a],
                spend=s,
                impressions=imp,
                reach=reach,
                clicks=clicks,
                link_clicks=links,
                landing_page_views=views,
                add_to_cart=carts,
                purchases=purchases,
                purchase_value=val,
            )
            rows.append(row)
    return rows
