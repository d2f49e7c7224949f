"""One day of delivery: spend -> impressions -> clicks -> landing views -> carts and purchases -> value.

Given ad set ``i``'s spend ``s`` (whole minor units) and the day's :class:`~.model.Rates`:

    impressions_j ~ Poisson(imp_coef_i x^b_i * eps_i * w_j),  eps_i ~ LogNormal(-sd^2/2, sd) (auction noise)
    clicks_j      ~ Binomial(impressions_j, ctr_j);  link_clicks_j ~ Binomial(clicks_j, link_j)
    views_j       ~ Binomial(link_clicks_j, lpv_i)
    purchases_j   ~ Poisson(views_j * cvr_j * G_j),  G_j ~ Gamma(k, 1/k)  (gamma-Poisson: overdispersed)
    add_to_cart_j = purchases_j + Poisson(views_j * cvr_j * (atc_i - 1) * G_j)
    lags          ~ Multinomial(purchases_j, DELAY);   value of the n purchases at lag L ~ Gamma(n k_v, aov_j / k_v)
    reach_j       = impressions_j / (1 + 0.6 * I_i / (I_i + pool_i))   (frequency grows with volume)

so every expectation is exactly the closed form in :mod:`.model`. The ad set's spend is split over its ads in
proportion to their impressions (largest share takes the rounding remainder); an ad set that wins no
impression spends nothing (billing is per impression).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from optimizer.sandbox.market.attribution import DELAY, MAX_LAG
from optimizer.sandbox.market.model import F, I, Rates

AUCTION_SD = 0.06
#: Gamma shape of the day-level conversion frailty: var(purchases) = mu + mu^2 / k.
FRAILTY_SHAPE = 8.0
#: Gamma shape of one purchase's value (coefficient of variation 1/sqrt(2) ~ 0.71).
VALUE_SHAPE = 2.0
FREQUENCY_GAIN = 0.6


@dataclass
class DayRecord:
    """A simulated day's ad rows (only ads with impressions), money in minor units.

    ``purchases_by_lag`` / ``value_by_lag`` are cumulative over lags 0..MAX_LAG (column L = known L days
    later); once the day is final they are cut to their last column.
    """

    ordinal: int
    ad: I
    spend: I
    impressions: I
    reach: I
    clicks: I
    link_clicks: I
    views: I
    add_to_cart: I
    purchases_by_lag: npt.NDArray[np.int64]
    value_by_lag: npt.NDArray[np.int64]

    @property
    def final(self) -> bool:
        return bool(self.purchases_by_lag.shape[1] == 1)

    def finalise(self) -> None:
        """Keep only the final totals (saves memory once no restatement can happen)."""
        self.purchases_by_lag = self.purchases_by_lag[:, -1:].copy()
        self.value_by_lag = self.value_by_lag[:, -1:].copy()


@dataclass(frozen=True)
class DayRngs:
    """One generator per concern for one day, so one concern's draws never shift another's."""

    spend: np.random.Generator
    auction: np.random.Generator
    funnel: np.random.Generator
    conversions: np.random.Generator
    value: np.random.Generator
    drift: np.random.Generator

    @classmethod
    def for_day(cls, seed: int, ordinal: int) -> DayRngs:
        return cls(*(np.random.default_rng([seed, concern, ordinal]) for concern in range(6)))


def split_spend(spend: I, group: I, impressions: I) -> I:
    """Split each group's integer spend over its members by impressions, exactly (sums are preserved)."""
    totals = np.bincount(group, weights=impressions, minlength=len(spend))
    own = spend[group].astype(np.float64)
    share = np.divide(impressions, totals[group], out=np.zeros(len(group)), where=totals[group] > 0)
    part = np.floor(own * share).astype(np.int64)
    remainder = spend - np.bincount(group, weights=part, minlength=len(spend)).astype(np.int64)
    if len(group):
        # the ad with most impressions in each group takes the remainder
        order = np.lexsort((-impressions, group))
        first = order[np.r_[True, group[order][1:] != group[order][:-1]]]
        part[first] += remainder[group[first]] * (totals[group[first]] > 0)
    return part


def simulate_day(
    ordinal: int, rates: Rates, spend_minor: I, offsets: I, ad_set: I, pool: F, rngs: DayRngs
) -> tuple[DayRecord, I]:
    """Draw one day's delivery given each ad set's spend (minor units); also returns every ad's impressions."""
    n_sets = len(spend_minor)
    spend_major = spend_minor / offsets
    eps = np.exp(rngs.auction.normal(-0.5 * AUCTION_SD**2, AUCTION_SD, n_sets))
    expected_sets = rates.imp_coef * rates.scale(spend_major) * eps
    impressions = rngs.auction.poisson(expected_sets[ad_set] * rates.share)
    set_imps = np.bincount(ad_set, weights=impressions, minlength=n_sets)
    clicks = rngs.funnel.binomial(impressions, rates.ctr)
    links = rngs.funnel.binomial(clicks, rates.link)
    views = rngs.funnel.binomial(links, rates.lpv)
    frailty = rngs.conversions.gamma(FRAILTY_SHAPE, 1.0 / FRAILTY_SHAPE, len(ad_set))
    mean_purchases = views * rates.cvr * frailty
    purchases = rngs.conversions.poisson(mean_purchases)
    carts = purchases + rngs.conversions.poisson(mean_purchases * (rates.atc - 1.0))
    frequency = 1.0 + FREQUENCY_GAIN * set_imps / (set_imps + pool)
    reach = np.where(impressions > 0, np.maximum(np.rint(impressions / frequency[ad_set]), 1), 0)

    rows = np.flatnonzero(impressions > 0)
    ad_spend = split_spend(spend_minor.astype(np.int64), ad_set, impressions)
    bought = purchases[rows]
    by_lag = np.zeros((len(rows), MAX_LAG + 1), dtype=np.int64)
    some = bought > 0
    by_lag[some] = rngs.conversions.multinomial(bought[some], DELAY)
    # the value of the n purchases landing at one lag: a sum of n Gamma(k, aov/k) is Gamma(n k, aov/k)
    row, lag = np.nonzero(by_lag)
    scale = rates.aov[rows] * offsets[ad_set[rows]] / VALUE_SHAPE
    values = np.zeros(by_lag.shape, dtype=np.int64)
    values[row, lag] = np.rint(rngs.value.gamma(by_lag[row, lag] * VALUE_SHAPE, scale[row]))
    return DayRecord(
        ordinal=ordinal,
        ad=rows.astype(np.int64),
        spend=ad_spend[rows],
        impressions=impressions[rows].astype(np.int64),
        reach=reach[rows].astype(np.int64),
        clicks=clicks[rows].astype(np.int64),
        link_clicks=links[rows].astype(np.int64),
        views=views[rows].astype(np.int64),
        add_to_cart=carts[rows].astype(np.int64),
        purchases_by_lag=np.cumsum(by_lag, axis=1).astype(np.int64),
        value_by_lag=np.cumsum(values, axis=1).astype(np.int64),
    ), impressions.astype(np.int64)
