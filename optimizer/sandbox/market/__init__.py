"""The sandbox's market simulator: Meta-like ad accounts whose delivery follows known equations.

``Market(MarketConfig(...))`` generates accounts, campaigns (some with a campaign budget, CBO), ad sets,
creatives with calls to action and ads, then simulates ``history_days`` days, including a scripted
advertiser past (budget edits, late launches, pauses, creative refreshes; :mod:`.history`). Afterwards it
moves only on :meth:`Market.advance`, using the budgets, bids and statuses in force at that moment, so
:meth:`Market.update` closes the loop. :meth:`Market.metrics` reports ad-level days as a pull made today
sees them; :class:`Truth` exposes the expectations for tests and benchmarks (never the wire server).

The model, for ad set ``i`` (ads ``j`` with creative ``c`` and CTA ``a``) on day ``d`` (weekday ``w``),
spend ``s`` in the account currency and ``x = s / fx`` in USD (details in :mod:`.model`, :mod:`.delivery`,
:mod:`.simulate`, :mod:`.attribution`):

    spend       s = target * min(LogNormal(-0.12^2/2, 0.12), 1.25); target = daily budget, or the CBO
                split equalising estimated marginal purchases (kappa_i b_i x_i^(b_i-1) = lambda, estimates
                off by LogNormal(0, 0.3)), or a lifetime budget's remainder over the days left; capped by
                a cost cap / bid cap / minimum ROAS through the closed forms of P(x) below
    impressions E[I_i | s] = A_i W_imp[w] e^{u_i(d)} x^{b_i},  b_i ~ U(0.55, 0.85): CPM rises with spend
    per ad      I_j ~ Poisson(E[I_i] eps_i w_j), w_j proportional to (r_j)^1.5 over the active ads
    funnel      clicks ~ Bin(I_j, ctr_j), link clicks ~ Bin(clicks, link_c), views ~ Bin(links, lpv_i)
    ctr_j       ctr_c e^{cta_ctr[i,a]} F_j W_ctr[w] e^{v_j(d)}, F_j = floor_c + (1 - floor_c) e^{-cum_imp_j / tau_j}
    cvr_j       cvr_i m_c e^{cta_cvr[i,a]} W_cvr[w] e^{z_i(d)} (1 - 0.2 L_i(d))   (L: learning phase)
    purchases   ~ Poisson(views_j cvr_j G_j), G_j ~ Gamma(8, 1/8): gamma-Poisson, overdispersed
    carts       = purchases + Poisson(views_j cvr_j (atc_i - 1) G_j)
    value       per purchase ~ Gamma(2, aov_j / 2), aov_j = aov_i n_c fx, rounded to minor units
    expectation E[P_i | s] = kappa_i(d) x^{b_i}, kappa_i = A_i W_imp e^{u_i} sum_j w_j ctr_j link_c lpv_i cvr_j
    drift       u, v, z: Ornstein-Uhlenbeck walks on log rates (daily sd 0.02 / 0.015 / 0.03, 2% reversion)
    attribution a purchase caused on d is reported with lag L ~ DELAY (60% same day, geometric tail to 27
                days); a pull on day T knows lags <= T - 1 - d, so days are restated until final at 28 days

Every entity's hidden parameters come from a generator seeded by (seed, kind, index) and every day's draws
from generators seeded by (seed, concern, date), so the same seed and the same calls give the same numbers.
"""

from optimizer.sandbox.market.config import MarketConfig
from optimizer.sandbox.market.entities import (
    BID_STRATEGIES,
    CTA_TYPES,
    OBJECTIVES,
    STATUSES,
    Account,
    Ad,
    AdSet,
    Campaign,
    Creative,
    DailyMetrics,
)
from optimizer.sandbox.market.errors import MarketError, UnknownObjectError
from optimizer.sandbox.market.market import Market
from optimizer.sandbox.market.truth import Truth

__all__ = [
    "BID_STRATEGIES",
    "CTA_TYPES",
    "OBJECTIVES",
    "STATUSES",
    "Account",
    "Ad",
    "AdSet",
    "Campaign",
    "Creative",
    "DailyMetrics",
    "Market",
    "MarketConfig",
    "MarketError",
    "Truth",
    "UnknownObjectError",
]
