"""How much each ad set spends on a day: budgets, campaign-budget (CBO) splits, bid caps and daily noise.

- Ad-set budget: the target is the daily budget (or the lifetime budget's remainder over the days left).
- CBO: the campaign budget is split to equalise the *estimated* marginal purchases per dollar,
  ``kappa_i b_i x_i^(b_i - 1) = lambda``, with Meta's estimate of each ``kappa_i`` off by a persistent
  log-normal error (``Rates.belief``, see :mod:`.model`), so the split favours efficient ad sets without
  being perfect, and drifts rather than jumps from day to day.
- Bids cap the expected spend (with ``P(x) = kappa x^b``, ``x`` in USD):
  cost cap ``c`` (average cost per purchase <= c): ``x <= (c kappa)^(1/(1-b))``;
  bid cap ``c`` (marginal cost <= c): ``x <= (c kappa b)^(1/(1-b))``;
  minimum ROAS ``r``: ``x <= (kappa_R / (fx r))^(1/(1-b))``.
- The day's spend is the target times ``min(LogNormal(-sd^2/2, sd), 1.25)``: about the budget on average,
  never more than 125% of it on one day (Meta's rule).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from optimizer.sandbox.market.model import F, Rates

OVERSPEND = 1.25
DAILY_SPEND_SD = 0.12

STRATEGY_NONE, STRATEGY_COST_CAP, STRATEGY_BID_CAP, STRATEGY_MIN_ROAS = 0, 1, 2, 3
STRATEGY_CODES = {
    "LOWEST_COST_WITHOUT_CAP": STRATEGY_NONE,
    "COST_CAP": STRATEGY_COST_CAP,
    "LOWEST_COST_WITH_BID_CAP": STRATEGY_BID_CAP,
    "LOWEST_COST_WITH_MIN_ROAS": STRATEGY_MIN_ROAS,
}


@dataclass(frozen=True)
class Plan:
    """The controls in force for one day, one entry per ad set (money in major units of its currency).

    ``budget`` is the ad set's own daily target (ignored under CBO); ``group`` is the index of its CBO
    campaign in ``group_budget`` or -1; ``bid`` is the cap/target amount or the ROAS floor (a ratio).
    """

    on: npt.NDArray[np.bool_]
    budget: F
    group: npt.NDArray[np.int64]
    group_budget: F
    strategy: npt.NDArray[np.int64]
    bid: F


def cbo_split(budget_usd: float, kappa: F, exponent: F) -> F:
    """Split ``budget_usd`` to equalise marginal returns ``kappa b x^(b-1)``; zero-kappa ad sets get nothing."""
    out = np.zeros_like(kappa)
    live = kappa > 0
    if budget_usd <= 0 or not live.any():
        return out
    k, b = kappa[live], exponent[live]
    power = 1.0 / (1.0 - b)

    def spend_at(log_lambda: float) -> F:
        return np.asarray(np.exp(power * (np.log(k * b) - log_lambda)), dtype=np.float64)

    lo, hi = -60.0, 60.0
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        if spend_at(mid).sum() > budget_usd:
            lo = mid
        else:
            hi = mid
    x = spend_at(0.5 * (lo + hi))
    out[live] = x * (budget_usd / x.sum())
    return out


def bid_cap(rates: Rates, strategy: npt.NDArray[np.int64], bid: F) -> F:
    """The most each ad set can spend (major units) and still honour its bid strategy; inf if uncapped."""
    cap = np.full(len(strategy), np.inf)
    b, fx = rates.exponent, rates.fx
    power = 1.0 / (1.0 - b)
    with np.errstate(divide="ignore", invalid="ignore"):
        bid_usd = bid / fx
        cost = (bid_usd * rates.kappa) ** power
        marginal = (bid_usd * rates.kappa * b) ** power
        roas = (rates.kappa_rev / (fx * bid)) ** power
    cap = np.where(strategy == STRATEGY_COST_CAP, cost * fx, cap)
    cap = np.where(strategy == STRATEGY_BID_CAP, marginal * fx, cap)
    cap = np.where(strategy == STRATEGY_MIN_ROAS, roas * fx, cap)
    return np.asarray(np.nan_to_num(cap, nan=0.0, posinf=np.inf), dtype=np.float64)


def targets(plan: Plan, rates: Rates) -> F:
    """Expected spend per ad set before the day's noise: budget or CBO share, capped by the bid."""
    target = np.where(plan.on & (plan.group < 0), plan.budget, 0.0)
    for g, budget in enumerate(plan.group_budget):
        members = np.flatnonzero(plan.on & (plan.group == g))
        if len(members) == 0:
            continue
        fx = float(rates.fx[members[0]])
        estimate = rates.kappa[members] * rates.belief[members]
        split = cbo_split(budget / fx, estimate, rates.exponent[members])
        target[members] = split * fx
    target = np.where(rates.kappa > 0, target, 0.0)
    return np.minimum(target, bid_cap(rates, plan.strategy, plan.bid))


def realise(target: F, rng: np.random.Generator) -> F:
    """The day's spend: the target times mean-one log-normal noise, at most 125% of the target."""
    noise = np.exp(rng.normal(-0.5 * DAILY_SPEND_SD**2, DAILY_SPEND_SD, len(target)))
    return target * np.minimum(noise, OVERSPEND)
