"""Ground truth for tests and benchmarks: true expected outcomes and rates. The wire server never serves it.

For a day already simulated the truth is the rates that drove that day; for today or later it is the
current state (fatigue and drift as they stand now) on that day's weekday, with the statuses in force now.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from optimizer.sandbox.market.attribution import DELAY, KNOWN_SHARE
from optimizer.sandbox.market.delivery import cbo_split
from optimizer.sandbox.market.entities import CTA_TYPES
from optimizer.sandbox.market.errors import MarketError, UnknownObjectError
from optimizer.sandbox.market.model import CTA_INDEX, F, Rates

if TYPE_CHECKING:
    from optimizer.sandbox.market.market import Market

#: Daily spends in major units: an array, or a list of Decimals/floats.
Spends = (
    npt.NDArray[np.float64]
    | list[Decimal]
    | list[float]
    | list[Decimal | float]
    | tuple[float, ...]
)


class Truth:
    """The market's hidden parameters, read through the market's own equations."""

    def __init__(self, market: Market) -> None:
        self._market = market

    # -- rates --------------------------------------------------------------------------------------------
    def rates(self, day: date) -> Rates:
        """Every ad's and ad set's true rates on ``day`` (see :class:`~.model.Rates`)."""
        market = self._market
        recorded = market._rates.get(day.toordinal())
        if recorded is not None:
            return recorded
        if day < market.today:
            raise MarketError("day", f"{day} is before the market's first simulated day")
        return market._model.rates(day, market._controls_now().ad_active)

    def _adset(self, adset_id: str) -> int:
        if adset_id not in self._market.adsets:
            raise UnknownObjectError(adset_id, "ad set")
        return self._market._position[adset_id]

    def _ad(self, ad_id: str) -> int:
        if ad_id not in self._market.ads:
            raise UnknownObjectError(ad_id, "ad")
        return self._market._position[ad_id]

    @staticmethod
    def _spends(spend: Spends) -> F:
        items = spend if isinstance(spend, list | tuple) else np.atleast_1d(np.asarray(spend))
        values = np.asarray([float(s) for s in items], dtype=np.float64)
        if np.any(values < 0) or not np.all(np.isfinite(values)):
            raise MarketError("spend", "must be finite and >= 0")
        return values

    def _factor(self, rates: Rates, k: int, spends: F) -> F:
        if k >= len(rates.kappa):  # created after that day
            return np.zeros_like(spends)
        x = spends / rates.fx[k]
        return np.asarray(x ** rates.exponent[k], dtype=np.float64)

    # -- expected outcomes --------------------------------------------------------------------------------
    def curve(self, adset_id: str, spends: Spends, day: date) -> F:
        """True mean purchases of an ad set at each daily spend (major units) on ``day``: concave in spend."""
        k = self._adset(adset_id)
        rates = self.rates(day)
        values = self._spends(spends)
        if k >= len(rates.kappa):
            return np.zeros_like(values)
        return np.asarray(rates.kappa[k] * self._factor(rates, k, values), dtype=np.float64)

    def revenue_curve(self, adset_id: str, spends: Spends, day: date) -> F:
        """True mean purchase value (account currency, major units) at each daily spend on ``day``."""
        k = self._adset(adset_id)
        rates = self.rates(day)
        values = self._spends(spends)
        if k >= len(rates.kappa):
            return np.zeros_like(values)
        return np.asarray(rates.kappa_rev[k] * self._factor(rates, k, values), dtype=np.float64)

    def impressions_curve(self, adset_id: str, spends: Spends, day: date) -> F:
        """True mean impressions at each daily spend on ``day`` (CPM = 1000 spend / impressions rises)."""
        k = self._adset(adset_id)
        rates = self.rates(day)
        values = self._spends(spends)
        if k >= len(rates.kappa):
            return np.zeros_like(values)
        return np.asarray(rates.imp_coef[k] * self._factor(rates, k, values), dtype=np.float64)

    def expected_purchases(self, adset_id: str, spend: Decimal | float, day: date) -> float:
        """True mean purchases (attributed to ``day``, eventually known) at a daily spend."""
        return float(self.curve(adset_id, [spend], day)[0])

    def expected_revenue(self, adset_id: str, spend: Decimal | float, day: date) -> float:
        """True mean purchase value at a daily spend on ``day``."""
        return float(self.revenue_curve(adset_id, [spend], day)[0])

    def marginal_roas(self, adset_id: str, spend: Decimal | float, day: date) -> float:
        """d revenue / d spend at ``spend``: what one more unit of budget returns there."""
        k = self._adset(adset_id)
        value = float(self._spends([spend])[0])
        if value <= 0:
            return float("inf")
        rates = self.rates(day)
        return float(rates.exponent[k] * self.expected_revenue(adset_id, value, day) / value)

    def exponent(self, adset_id: str) -> float:
        """The ad set's curvature ``b`` (expected outcomes scale as spend ** b)."""
        return float(self._market._model.set_exponent[self._adset(adset_id)])

    def best_split(
        self, adset_ids: list[str], total: Decimal | float, day: date, *, value: str = "revenue"
    ) -> dict[str, float]:
        """The split of a daily ``total`` (major units) over ad sets of one currency that maximises the
        true expected ``value`` ("revenue" or "purchases") on ``day``: equal marginal returns, no bounds.

        The oracle an allocation's regret is measured against."""
        if value not in ("revenue", "purchases"):
            raise MarketError("value", f"{value!r} is not 'revenue' or 'purchases'")
        if not adset_ids:
            raise MarketError("adset_ids", "needs at least one ad set")
        budget = float(self._spends([total])[0])
        rates = self.rates(day)
        index = np.array([self._adset(a) for a in adset_ids])
        if np.any(index >= len(rates.kappa)):
            raise MarketError("adset_ids", f"an ad set did not exist on {day}")
        fx = rates.fx[index]
        if np.any(fx != fx[0]):
            raise MarketError("adset_ids", "ad sets of different currencies cannot share a budget")
        coefficient = (rates.kappa_rev if value == "revenue" else rates.kappa)[index]
        split = cbo_split(budget / fx[0], coefficient, rates.exponent[index]) * fx[0]
        return {a: float(x) for a, x in zip(adset_ids, split, strict=True)}

    # -- rates by ad, creative, call to action -------------------------------------------------------------
    def ad_rates(self, ad_id: str, day: date) -> dict[str, float]:
        """An ad's true rates on ``day``: ctr (all clicks), link share, landing-view rate, cvr per view,
        purchases per impression, average order value and its share of the ad set's delivery."""
        j = self._ad(ad_id)
        rates = self.rates(day)
        if j >= len(rates.ctr):
            raise MarketError("day", f"ad {ad_id} did not exist on {day}")
        return {
            "ctr": float(rates.ctr[j]),
            "link_share": float(rates.link[j]),
            "lpv_rate": float(rates.lpv[j]),
            "cvr": float(rates.cvr[j]),
            "purchases_per_impression": float(
                rates.ctr[j] * rates.link[j] * rates.lpv[j] * rates.cvr[j]
            ),
            "aov": float(rates.aov[j]),
            "share": float(rates.share[j]),
        }

    def cta_effect(self, adset_id: str, cta: str) -> tuple[float, float]:
        """(CTR multiplier, CVR multiplier) a call to action has in this ad set."""
        if cta not in CTA_INDEX:
            raise MarketError(
                "call_to_action_type", f"{cta!r} is not one of {', '.join(CTA_TYPES)}"
            )
        model, k = self._market._model, self._adset(adset_id)
        a = CTA_INDEX[cta]
        return float(np.exp(model.set_cta_ctr[k, a])), float(np.exp(model.set_cta_cvr[k, a]))

    def creative_rates(self, creative_id: str) -> dict[str, float | str]:
        """A creative's own appeal, before the ad set's CTA taste: base CTR (all clicks), share of
        clicks that are link clicks, conversion and order-value multipliers, CTR floor when worn out."""
        market = self._market
        if creative_id not in market.creatives:
            raise UnknownObjectError(creative_id, "creative")
        model, c = market._model, market._position[creative_id]
        return {
            "call_to_action_type": market.creatives[creative_id].call_to_action_type,
            "ctr": float(model.cre_ctr[c]),
            "link_share": float(model.cre_link[c]),
            "cvr_multiplier": float(model.cre_cvr[c]),
            "aov_multiplier": float(model.cre_aov[c]),
            "fatigue_floor": float(model.cre_floor[c]),
        }

    def fatigue(self, ad_id: str) -> float:
        """The ad's CTR multiplier from creative wear-out now (1 = fresh)."""
        model, j = self._market._model, self._ad(ad_id)
        floor = model.cre_floor[model.ad_creative[j]]
        return float(floor + (1 - floor) * np.exp(-model.ad_cum_imp[j] / model.ad_tau[j]))

    def learning(self, adset_id: str) -> float:
        """How deep in the learning phase the ad set is now: 1 right after a significant edit, 0 out."""
        return float(self._market._model.learning()[self._adset(adset_id)])

    def weekday_factors(self, account_id: str) -> dict[str, F]:
        """Mon..Sun multipliers of the account (mean 1 each): impressions per dollar, CTR, CVR."""
        if account_id not in self._market.accounts:
            raise UnknownObjectError(account_id, "ad account")
        pattern = self._market._model.acc_weekday[self._market._position[account_id]]
        return {
            "impressions": pattern[0].copy(),
            "ctr": pattern[1].copy(),
            "cvr": pattern[2].copy(),
        }

    @property
    def delay(self) -> F:
        """P(a purchase is reported L days after the day it is attributed to), L = 0..27."""
        return DELAY.copy()

    @property
    def known_share(self) -> F:
        """Share of a day's purchases known L days later (cumulative of :attr:`delay`)."""
        return KNOWN_SHARE.copy()
