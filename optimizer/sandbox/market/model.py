"""The market's hidden parameters and the equations that turn them into expected rates.

Notation (ad set ``i``, ad ``j`` with creative ``c`` and call to action ``a``, day ``d`` with weekday ``w``;
spend ``s`` in the account currency, ``x = s / fx`` its value in USD):

    E[impressions_i | s] = A_i * W_imp[w] * exp(u_i(d)) * x ** b_i          b_i in (0.55, 0.85): CPM rises
    ctr_j(d)  = ctr_c * exp(cta_ctr[i, a]) * F_j(d) * W_ctr[w] * exp(v_j(d))   all-click CTR
    F_j(d)    = floor_c + (1 - floor_c) * exp(-cumulative_impressions_j / tau_j)   creative fatigue
    cvr_j(d)  = cvr_i * m_c * exp(cta_cvr[i, a]) * W_cvr[w] * exp(z_i(d)) * (1 - 0.2 L_i(d))  per landing view
    L_i(d)    = max(0, 1 - purchases since edit / 50) * max(0, 1 - days since edit / 14)   learning phase
    r_j(d)    = ctr_j * link_c * lpv_i * cvr_j                                 purchases per impression
    w_j(d)    = q_j / sum_k q_k,   q_j = r_j^1.5 e^{e_j(d)} over the ad set's active ads   delivery share
               (e_j: Meta's persistent misestimate of the ad, AR(1) log-normal, sd 0.3)
    E[purchases_i | s] = kappa_i(d) * x ** b_i,  kappa_i = A_i W_imp[w] e^{u_i} * sum_j w_j r_j
    E[revenue_i | s]   = kappa^R_i(d) * x ** b_i, with aov_j = aov_i * n_c (in USD, times fx)

``u``, ``v``, ``z`` are slow drifts: Ornstein-Uhlenbeck walks on the log rates (daily sd 0.02/0.015/0.03,
reversion 2% a day, so they wander ~15% and come back). Ad sets differ a lot (CPM, curvature, CVR, AOV all
log-normal across ad sets), so the marginal return per dollar differs and reallocation pays. Each ad set has
its own taste for calls to action: a global CTA effect (:data:`CTA_EFFECTS`) plus an ad-set deviation.

Every entity's parameters come from a generator seeded by (market seed, kind, index): the n-th ad set (ad,
creative, account) created always draws the same parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from optimizer.sandbox.market.entities import CTA_TYPES

F = npt.NDArray[np.float64]
I = npt.NDArray[np.int64]  # noqa: E741
A = TypeVar("A", bound=npt.NDArray[Any])

#: USD -> currency rates for the currencies the sandbox knows well; others count as 1 (a rough level only).
FX_PER_USD = {
    "USD": 1.0, "EUR": 0.92, "GBP": 0.79, "JPY": 150.0, "CAD": 1.36, "AUD": 1.52, "CHF": 0.88,
    "SEK": 10.5, "NOK": 10.7, "DKK": 6.9, "PLN": 4.0, "BRL": 5.0, "MXN": 17.0, "INR": 83.0,
    "KRW": 1330.0, "CLP": 930.0, "COP": 3900.0, "HUF": 360.0, "IDR": 15600.0, "TWD": 31.5,
}  # fmt: skip

#: Global (log CTR, log CVR) effect of a call to action for a sales objective; unlisted CTAs get
#: :data:`OTHER_CTA`. SHOP_NOW/BUY_NOW convert best, LEARN_MORE draws clicks that convert worse.
CTA_EFFECTS: dict[str, tuple[float, float]] = {
    "SHOP_NOW": (0.0, 0.10),
    "BUY_NOW": (-0.06, 0.14),
    "ORDER_NOW": (-0.05, 0.08),
    "ADD_TO_CART": (-0.03, 0.10),
    "GET_OFFER": (0.10, 0.0),
    "LEARN_MORE": (0.12, -0.25),
    "SEE_MORE": (0.08, -0.20),
    "SIGN_UP": (-0.10, -0.35),
    "NO_BUTTON": (-0.15, -0.10),
}
OTHER_CTA = (-0.05, -0.20)
#: Spread of an ad set's own CTA taste around the global effect (log scale).
CTA_ADSET_SD = 0.15

#: Weekday (Mon..Sun) multipliers, each with mean 1: impressions per dollar, CTR, CVR (shoppers buy at weekends).
WEEKDAY_IMP = (1.02, 1.01, 1.00, 0.99, 0.97, 0.99, 1.02)
WEEKDAY_CTR = (0.98, 0.99, 1.00, 1.00, 1.00, 1.02, 1.01)
WEEKDAY_CVR = (0.96, 0.97, 0.98, 1.00, 1.01, 1.06, 1.02)
WEEKDAY_ACCOUNT_SD = 0.02

DRIFT_SD = {"cpm": 0.02, "ctr": 0.015, "cvr": 0.03}
DRIFT_REVERSION = 0.02
#: Learning phase: after a significant edit an ad set converts up to 20% worse, recovering linearly as it
#: gathers 50 purchases or over 14 days, whichever ends it first (Meta: exit after ~50 results a week).
LEARNING_PENALTY = 0.2
LEARNING_RESULTS = 50.0
LEARNING_DAYS = 14.0
#: Meta's estimates of ad sets (for CBO) and ads (for their delivery share) are off by a log-normal error
#: that persists from day to day (AR(1), sd 0.3, 0.9 a day): delivery follows quality, imperfectly.
BELIEF_SD = 0.3
BELIEF_PERSISTENCE = 0.9
#: Share exponent: Meta's delivery concentrates on the ads it predicts convert best.
SHARE_POWER = 1.5

_KIND_ACCOUNT, _KIND_ADSET, _KIND_CREATIVE, _KIND_AD = 1, 2, 3, 4
#: What ad sets with identical targeting share (see :meth:`Model.add_adset`).
AUDIENCE_FIELDS = (
    "set_scale", "set_exponent", "set_lpv", "set_cvr", "set_atc", "set_aov", "set_pool",
    "set_cta_ctr", "set_cta_cvr",
)  # fmt: skip
CTA_INDEX = {name: k for k, name in enumerate(CTA_TYPES)}


def _cta_effect_table() -> tuple[F, F]:
    ctr = np.array([CTA_EFFECTS.get(name, OTHER_CTA)[0] for name in CTA_TYPES])
    cvr = np.array([CTA_EFFECTS.get(name, OTHER_CTA)[1] for name in CTA_TYPES])
    return ctr, cvr


CTA_CTR, CTA_CVR = _cta_effect_table()


def entity_rng(seed: int, kind: int, index: int) -> np.random.Generator:
    """The generator an entity's hidden parameters are drawn from."""
    return np.random.default_rng([seed, 100 + kind, index])


def _grow(array: A, value: object) -> A:
    """``array`` with ``value`` appended (entities are created rarely; arrays are read every day)."""
    return np.concatenate([array, np.asarray([value], dtype=array.dtype)])  # type: ignore[return-value]


def _floats() -> F:
    return np.zeros(0, dtype=np.float64)


def _ints() -> I:
    return np.zeros(0, dtype=np.int64)


@dataclass
class Model:
    """Parameter and state arrays, one row per entity in creation order (index = position)."""

    seed: int
    # accounts
    acc_fx: F = field(default_factory=_floats)
    acc_weekday: F = field(default_factory=lambda: np.zeros((0, 3, 7)))
    # ad sets
    set_account: I = field(default_factory=_ints)
    set_scale: F = field(default_factory=_floats)
    set_exponent: F = field(default_factory=_floats)
    set_lpv: F = field(default_factory=_floats)
    set_cvr: F = field(default_factory=_floats)
    set_atc: F = field(default_factory=_floats)
    set_aov: F = field(default_factory=_floats)
    set_pool: F = field(default_factory=_floats)
    set_cta_ctr: F = field(default_factory=lambda: np.zeros((0, len(CTA_TYPES))))
    set_cta_cvr: F = field(default_factory=lambda: np.zeros((0, len(CTA_TYPES))))
    set_audience: I = field(default_factory=_ints)  # whose audience (and drift) the ad set reaches
    drift_cpm: F = field(default_factory=_floats)
    drift_cvr: F = field(default_factory=_floats)
    set_belief: F = field(default_factory=_floats)  # log error of Meta's estimate of the ad set
    ad_belief: F = field(default_factory=_floats)  # log error of Meta's estimate of the ad
    # purchases and days since the ad set's last significant edit (the learning phase)
    learn_conversions: F = field(default_factory=_floats)
    learn_days: F = field(default_factory=_floats)
    learning_penalty: float = LEARNING_PENALTY
    # creatives
    cre_cta: I = field(default_factory=_ints)
    cre_ctr: F = field(default_factory=_floats)
    cre_link: F = field(default_factory=_floats)
    cre_cvr: F = field(default_factory=_floats)
    cre_aov: F = field(default_factory=_floats)
    cre_floor: F = field(default_factory=_floats)
    # ads
    ad_set: I = field(default_factory=_ints)
    ad_creative: I = field(default_factory=_ints)
    ad_tau: F = field(default_factory=_floats)
    ad_cum_imp: F = field(default_factory=_floats)
    drift_ctr: F = field(default_factory=_floats)

    # -- creation -----------------------------------------------------------------------------------------
    def add_account(self, currency: str) -> int:
        """Draw an account's weekday pattern; returns its index."""
        index = len(self.acc_fx)
        rng = entity_rng(self.seed, _KIND_ACCOUNT, index)
        base = np.array([WEEKDAY_IMP, WEEKDAY_CTR, WEEKDAY_CVR])
        pattern = base * np.exp(rng.normal(0.0, WEEKDAY_ACCOUNT_SD, size=base.shape))
        pattern /= pattern.mean(axis=1, keepdims=True)
        self.acc_fx = _grow(self.acc_fx, FX_PER_USD.get(currency.upper(), 1.0))
        self.acc_weekday = np.concatenate([self.acc_weekday, pattern[None]])
        return index

    def add_adset(self, account: int, twin: int | None = None) -> int:
        """Draw an ad set's audience: CPM level and curvature, funnel rates, AOV, CTA taste.

        A ``twin`` (an ad set with the very same targeting) lends its audience instead: the same
        parameters and the same market drift, as the arms of a split test reach equivalent people.
        Learning, Meta's estimates and the ads remain the new ad set's own."""
        index = len(self.set_account)
        rng = entity_rng(self.seed, _KIND_ADSET, index)
        exponent = rng.uniform(0.55, 0.85)
        cpm_at_50 = float(np.exp(rng.normal(np.log(11.0), 0.3)))  # USD CPM at $50/day
        scale = 1000.0 * 50.0 / cpm_at_50 / 50.0**exponent
        cvr = float(np.exp(rng.normal(np.log(0.03), 0.45)))
        self.set_account = _grow(self.set_account, account)
        self.set_exponent = _grow(self.set_exponent, exponent)
        self.set_scale = _grow(self.set_scale, scale)
        self.set_lpv = _grow(self.set_lpv, rng.uniform(0.70, 0.90))
        self.set_cvr = _grow(self.set_cvr, cvr)
        self.set_atc = _grow(self.set_atc, rng.uniform(2.5, 4.0))
        self.set_aov = _grow(self.set_aov, float(np.exp(rng.normal(np.log(70.0), 0.3))))
        self.set_pool = _grow(self.set_pool, float(np.exp(rng.normal(np.log(20_000.0), 0.5))))
        taste = rng.normal(0.0, CTA_ADSET_SD, size=(2, len(CTA_TYPES)))
        self.set_cta_ctr = np.concatenate([self.set_cta_ctr, (CTA_CTR + taste[0])[None]])
        self.set_cta_cvr = np.concatenate([self.set_cta_cvr, (CTA_CVR + taste[1])[None]])
        start = rng.normal(0.0, 0.05, size=2)
        self.drift_cpm = _grow(self.drift_cpm, start[0])
        self.drift_cvr = _grow(self.drift_cvr, start[1])
        self.set_belief = _grow(self.set_belief, rng.normal(0.0, BELIEF_SD))
        self.learn_conversions = _grow(self.learn_conversions, 0.0)  # a new ad set starts learning
        self.learn_days = _grow(self.learn_days, 0.0)
        self.set_audience = _grow(
            self.set_audience, index if twin is None else self.set_audience[twin]
        )
        if twin is not None:
            for name in AUDIENCE_FIELDS:
                values = getattr(self, name)
                values[index] = values[twin]
        return index

    def add_creative(self, cta: str) -> int:
        """Draw a creative's appeal: CTR, share of link clicks, conversion and basket multipliers."""
        index = len(self.cre_cta)
        rng = entity_rng(self.seed, _KIND_CREATIVE, index)
        self.cre_cta = _grow(self.cre_cta, CTA_INDEX[cta])
        self.cre_ctr = _grow(self.cre_ctr, float(np.exp(rng.normal(np.log(0.016), 0.3))))
        self.cre_link = _grow(self.cre_link, rng.uniform(0.55, 0.75))
        self.cre_cvr = _grow(self.cre_cvr, float(np.exp(rng.normal(0.0, 0.2))))
        self.cre_aov = _grow(self.cre_aov, float(np.exp(rng.normal(0.0, 0.08))))
        self.cre_floor = _grow(self.cre_floor, rng.uniform(0.4, 0.7))
        return index

    def add_ad(self, adset: int, creative: int) -> int:
        """An ad: its fatigue scale (impressions until the creative wears out) and CTR drift."""
        index = len(self.ad_set)
        rng = entity_rng(self.seed, _KIND_AD, index)
        self.ad_set = _grow(self.ad_set, adset)
        self.ad_creative = _grow(self.ad_creative, creative)
        self.ad_tau = _grow(self.ad_tau, float(np.exp(rng.normal(np.log(300_000.0), 0.5))))
        self.ad_cum_imp = _grow(self.ad_cum_imp, 0.0)
        self.drift_ctr = _grow(self.drift_ctr, rng.normal(0.0, 0.05))
        self.ad_belief = _grow(self.ad_belief, rng.normal(0.0, BELIEF_SD))
        return index

    def set_creative(self, ad: int, creative: int) -> None:
        """An ad switched to another creative starts fresh: no fatigue carried over."""
        self.ad_creative[ad] = creative
        self.ad_cum_imp[ad] = 0.0

    # -- rates --------------------------------------------------------------------------------------------
    def rates(self, day: date, ad_active: npt.NDArray[np.bool_]) -> Rates:
        """Every ad's and ad set's true rates on ``day`` from the current state (fatigue, drift)."""
        weekday = day.weekday()
        n_sets = len(self.set_account)
        s = self.ad_set
        c = self.ad_creative
        cta = self.cre_cta[c]
        week = self.acc_weekday[:, :, weekday]  # (accounts, 3)
        ad_week = week[self.set_account[s]]
        fatigue = self.cre_floor[c] + (1.0 - self.cre_floor[c]) * np.exp(
            -self.ad_cum_imp / self.ad_tau
        )
        ctr = (
            self.cre_ctr[c]
            * np.exp(self.set_cta_ctr[s, cta])
            * fatigue
            * ad_week[:, 1]
            * np.exp(self.drift_ctr)
        )
        ctr = np.minimum(ctr, 0.5)
        cvr = (
            self.set_cvr[s]
            * self.cre_cvr[c]
            * np.exp(self.set_cta_cvr[s, cta])
            * ad_week[:, 2]
            * np.exp(self.drift_cvr[self.set_audience[s]])
            * (1.0 - self.learning_penalty * self.learning()[s])
        )
        cvr = np.minimum(cvr, 0.9)
        link = self.cre_link[c]
        per_imp = ctr * link * self.set_lpv[s] * cvr
        quality = np.where(ad_active, per_imp**SHARE_POWER * np.exp(self.ad_belief), 0.0)
        total = np.bincount(s, weights=quality, minlength=n_sets)
        share = np.divide(quality, total[s], out=np.zeros_like(quality), where=total[s] > 0)
        fx = self.acc_fx[self.set_account]
        aov = self.set_aov[s] * self.cre_aov[c] * fx[s]
        imp_coef = (
            self.set_scale * week[self.set_account, 0] * np.exp(self.drift_cpm[self.set_audience])
        )
        kappa = imp_coef * np.bincount(s, weights=share * per_imp, minlength=n_sets)
        kappa_rev = imp_coef * np.bincount(s, weights=share * per_imp * aov, minlength=n_sets)
        return Rates(
            ctr=ctr,
            link=link,
            lpv=self.set_lpv[s],
            cvr=cvr,
            atc=self.set_atc[s],
            aov=aov,
            share=share,
            imp_coef=imp_coef,
            exponent=self.set_exponent.copy(),
            fx=fx,
            kappa=kappa,
            kappa_rev=kappa_rev,
            belief=np.exp(self.set_belief),
        )

    # -- dynamics -----------------------------------------------------------------------------------------
    def learning(self) -> F:
        """How far each ad set is from out of learning: 1 just after an edit, 0 once it has exited."""
        by_results = np.maximum(0.0, 1.0 - self.learn_conversions / LEARNING_RESULTS)
        by_time = np.maximum(0.0, 1.0 - self.learn_days / LEARNING_DAYS)
        return np.asarray(by_results * by_time, dtype=np.float64)

    def reset_learning(self, adsets: list[int] | npt.NDArray[np.int64]) -> None:
        """A significant edit sends the ad sets back into learning."""
        self.learn_conversions[adsets] = 0.0
        self.learn_days[adsets] = 0.0

    def graduate(self) -> None:
        """Mark every ad set as long out of learning (the generated account is mature)."""
        self.learn_conversions[:] = LEARNING_RESULTS
        self.learn_days[:] = LEARNING_DAYS

    def step(self, rng: np.random.Generator, impressions: F, purchases: F) -> None:
        """End of a day: fatigue accrues with the ads' impressions, learning with the ad sets' purchases,
        and the log-rate drifts take a step."""
        self.ad_cum_imp += impressions
        n_sets = len(self.set_account)
        self.learn_conversions += np.bincount(self.ad_set, weights=purchases, minlength=n_sets)
        self.learn_days += 1.0
        keep = 1.0 - DRIFT_REVERSION
        n_ads = len(self.ad_set)
        self.drift_cpm = keep * self.drift_cpm + rng.normal(0.0, DRIFT_SD["cpm"], n_sets)
        self.drift_cvr = keep * self.drift_cvr + rng.normal(0.0, DRIFT_SD["cvr"], n_sets)
        self.drift_ctr = keep * self.drift_ctr + rng.normal(0.0, DRIFT_SD["ctr"], n_ads)
        fresh = BELIEF_SD * np.sqrt(1.0 - BELIEF_PERSISTENCE**2)
        self.set_belief = BELIEF_PERSISTENCE * self.set_belief + rng.normal(0.0, fresh, n_sets)
        self.ad_belief = BELIEF_PERSISTENCE * self.ad_belief + rng.normal(0.0, fresh, n_ads)


@dataclass(frozen=True)
class Rates:
    """True rates on one day: per ad (``ctr`` ... ``share``) and per ad set (``imp_coef`` ... ``kappa_rev``).

    Expected impressions, purchases and revenue of ad set ``i`` at spend ``s`` are ``imp_coef``, ``kappa`` and
    ``kappa_rev`` times ``(s / fx) ** exponent``.
    """

    ctr: F
    link: F
    lpv: F
    cvr: F
    atc: F
    aov: F
    share: F
    imp_coef: F
    exponent: F
    fx: F
    kappa: F
    kappa_rev: F
    belief: F  # Meta's estimate of kappa over the truth, per ad set (drives the CBO split)

    def scale(self, spend: F) -> F:
        """``(spend / fx) ** exponent`` per ad set: the common concave factor of every expectation."""
        x = np.maximum(spend, 0.0) / self.fx
        return np.asarray(x**self.exponent, dtype=np.float64)
