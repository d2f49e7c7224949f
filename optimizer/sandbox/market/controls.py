"""The delivery controls in force: which ads may serve, each ad set's budget, bid strategy and bid.

Derived from the entity dataclasses and kept as arrays for the daily simulation. Only the ad sets touched
by an update or a creation are recomputed (an account's history edits something most days, and a full
rebuild for 1,000 ad sets costs more than the day's simulation).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from optimizer.money import offset
from optimizer.sandbox.market.delivery import STRATEGY_CODES
from optimizer.sandbox.market.entities import BID_AMOUNT_STRATEGIES

if TYPE_CHECKING:
    from optimizer.sandbox.market.market import Market


def _extend(array: np.ndarray, size: int, fill: object) -> np.ndarray:
    if len(array) >= size:
        return array
    return np.concatenate([array, np.full(size - len(array), fill, dtype=array.dtype)])


class Controls:
    """Per-ad and per-ad-set control arrays (index = creation position)."""

    def __init__(self) -> None:
        self.ad_active = np.zeros(0, dtype=bool)
        self.adset_on = np.zeros(0, dtype=bool)
        self.daily = np.zeros(0)  # own daily budget, major units; nan under CBO or lifetime budgets
        self.group = np.zeros(0, dtype=np.int64)  # CBO campaign index or -1
        self.strategy = np.zeros(0, dtype=np.int64)
        self.bid = np.zeros(0)  # cap / cost target in major units, or the ROAS floor; nan if none
        self.offsets = np.zeros(0, dtype=np.int64)
        self.dated: set[int] = (
            set()
        )  # ad sets with an end time or a lifetime budget (own or campaign's)
        self.group_campaigns: list[str] = []
        self._group_of: dict[str, int] = {}
        self._dirty: set[int] = set()

    def mark(self, adsets: Iterable[int]) -> None:
        """Ad sets (positions) whose controls must be recomputed before the next use."""
        self._dirty.update(adsets)

    def sync(self, market: Market) -> None:
        """Grow to the market's size and recompute the marked ad sets."""
        n_sets, n_ads = len(market._adset_ids), len(market._ad_ids)
        if len(self.adset_on) < n_sets:
            self._dirty.update(range(len(self.adset_on), n_sets))
        self.ad_active = _extend(self.ad_active, n_ads, False)
        self.adset_on = _extend(self.adset_on, n_sets, False)
        self.daily = _extend(self.daily, n_sets, np.nan)
        self.group = _extend(self.group, n_sets, -1)
        self.strategy = _extend(self.strategy, n_sets, 0)
        self.bid = _extend(self.bid, n_sets, np.nan)
        self.offsets = _extend(self.offsets, n_sets, 1)
        for k in sorted(self._dirty):
            self._refresh(market, k)
        self._dirty.clear()

    def _refresh(self, market: Market, k: int) -> None:
        adset = market.adsets[market._adset_ids[k]]
        campaign = market.campaigns[adset.campaign_id]
        account = market.accounts[adset.account_id]
        account_ok = account.account_status == 1
        any_ad = False
        for j in market._ads_of.get(adset.id, ()):
            ad = market.ads[market._ad_ids[j]]
            self.ad_active[j] = account_ok and market._ad_status(ad) == "ACTIVE"
            any_ad = any_ad or bool(self.ad_active[j])
        unit = offset(account.currency)
        self.offsets[k] = unit
        self.adset_on[k] = any_ad and account_ok and market._adset_status(adset) == "ACTIVE"
        self.daily[k] = np.nan
        if campaign.is_cbo:
            if campaign.id not in self._group_of:
                self._group_of[campaign.id] = len(self.group_campaigns)
                self.group_campaigns.append(campaign.id)
            self.group[k] = self._group_of[campaign.id]
        elif adset.daily_budget is not None:
            self.daily[k] = adset.daily_budget / unit
        dated = bool(
            adset.end_time
            or campaign.end_time
            or adset.lifetime_budget is not None
            or campaign.lifetime_budget is not None
        )
        (self.dated.add if dated else self.dated.discard)(k)
        name = (campaign.bid_strategy if campaign.is_cbo else adset.bid_strategy) or ""
        self.strategy[k] = STRATEGY_CODES.get(name, 0)
        self.bid[k] = np.nan
        if name in BID_AMOUNT_STRATEGIES and adset.bid_amount is not None:
            self.bid[k] = adset.bid_amount / unit
        elif name == "LOWEST_COST_WITH_MIN_ROAS" and adset.bid_constraints:
            self.bid[k] = adset.bid_constraints["roas_average_floor"] / 10_000
