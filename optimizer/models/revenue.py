"""Revenue per conversion: a conjugate gamma model of order value, pooled by campaign.

Order values are Gamma(k, beta) with a shape k shared by the account (estimated from how daily revenue
spreads around conversions x mean) and a rate beta ~ Gamma(a0, b0) per ad set whose prior mean order value
is the campaign's. The posterior after N conversions worth R is Gamma(a0 + kN, b0 + R), so the mean order
value k / beta has the exact mean k (b0 + R) / (a0 + kN - 1) and log-moments from digamma and trigamma:
closed forms, no sampling.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import digamma, polygamma

__all__ = ["OrderValue", "fit_order_value"]


@dataclass(frozen=True)
class OrderValue:
    """Posterior of each group's mean order value: its mean and the mean/variance of its log."""

    mean: np.ndarray
    log_mean: np.ndarray
    log_var: np.ndarray
    shape: float


def _shape(y: np.ndarray, revenue: np.ndarray, group: np.ndarray, rate: np.ndarray) -> float:
    """Order-value shape k from Var(R | n) = n m^2 / k on days with conversions (moment estimate)."""
    days = (y >= 1) & (rate[group] > 0)
    if days.sum() < 10:
        return 1.0
    m = rate[group[days]]
    z = (revenue[days] - y[days] * m) ** 2 / (y[days] * m * m)
    inv_k = float(np.mean(z))
    return float(np.clip(1.0 / max(inv_k, 1e-6), 0.3, 100.0))


def fit_order_value(
    group: np.ndarray,
    n_groups: int,
    campaign: np.ndarray,
    n_campaigns: int,
    conversions: np.ndarray,
    revenue: np.ndarray,
    weight: np.ndarray,
    *,
    prior_conversions: float = 20.0,
) -> OrderValue:
    """Posterior mean order value per group, shrunk toward its campaign with ``prior_conversions`` weight.

    Rows are weighted by ``weight`` (recency). Without any revenue in the account every mean is 0.
    """
    n = np.bincount(group, weights=weight * conversions, minlength=n_groups)
    r = np.bincount(group, weights=weight * revenue, minlength=n_groups)
    if r.sum() <= 0 or n.sum() <= 0:
        zeros = np.zeros(n_groups)
        return OrderValue(mean=zeros, log_mean=np.full(n_groups, -np.inf), log_var=zeros, shape=1.0)
    account = r.sum() / n.sum()
    group_campaign = np.zeros(n_groups, dtype=int)
    group_campaign[group] = campaign
    cn = np.bincount(group_campaign, weights=n, minlength=n_campaigns)
    cr = np.bincount(group_campaign, weights=r, minlength=n_campaigns)
    camp = (cr + prior_conversions * account) / (cn + prior_conversions)
    raw = np.where(n > 0, r / np.where(n > 0, n, 1.0), camp[group_campaign])
    k = _shape(conversions, revenue, group, raw)
    a0 = k * prior_conversions + 1.0
    b0 = prior_conversions * camp[group_campaign]
    a = a0 + k * n
    b = b0 + r
    return OrderValue(
        mean=k * b / (a - 1.0),
        log_mean=np.log(k) + np.log(b) - digamma(a),
        log_var=np.asarray(polygamma(1, a), dtype=float),
        shape=k,
    )
