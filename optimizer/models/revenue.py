"""Revenue per conversion: a conjugate gamma model of order value, pooled by campaign.

Order values are Gamma(k, beta) with a shape k shared by the account (estimated from how daily revenue
spreads around conversions x mean) and a rate beta ~ Gamma(a0, b0) per ad set whose prior mean order value
is the campaign's, with a weight (orders' worth) from how far the account's ad sets really differ
(empirical Bayes: ad sets that differ a lot keep their own means). The posterior after N conversions
worth R is Gamma(a0 + kN, b0 + R), so the mean order value k / beta has the exact mean
k (b0 + R) / (a0 + kN - 1) and log-moments from digamma and trigamma: closed forms, no sampling.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import digamma, polygamma

from optimizer.models.pooling import between_variance

__all__ = ["OrderValue", "fit_order_value"]

_DEFAULT_PRIOR = 20.0  # orders' worth of pull when the account cannot say
_MIN_PRIOR, _MAX_PRIOR = 1.0, 200.0
_CAMPAIGN_PRIOR = 20.0  # orders' worth of pull of a campaign toward the account


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


def _prior_weight(raw: np.ndarray, n: np.ndarray, shape: float, campaign_mean: np.ndarray) -> float:
    """Orders' worth of pull toward the campaign: 1 / (shape x between-ad-set variance of log order value).

    An ad set's log mean order value after n orders has sampling variance about 1 / (shape n); the spread
    of ad sets around their campaign beyond that (method of moments, precision weighted) is what the
    prior should allow. Too few ad sets with orders to tell: the fixed default.
    """
    use = (n > 0) & (raw > 0) & (campaign_mean > 0)
    if use.sum() < 3:
        return _DEFAULT_PRIOR
    deviation = np.log(raw[use] / campaign_mean[use])
    sampling = 1.0 / (shape * n[use])
    _, between = between_variance(deviation, sampling, base_mean=0.0, base_var=1.0, floor=1e-3)
    return float(np.clip(1.0 / (shape * between), _MIN_PRIOR, _MAX_PRIOR))


def fit_order_value(
    group: np.ndarray,
    n_groups: int,
    campaign: np.ndarray,
    n_campaigns: int,
    conversions: np.ndarray,
    revenue: np.ndarray,
    weight: np.ndarray,
    *,
    prior_conversions: float | None = None,
) -> OrderValue:
    """Posterior mean order value per group, shrunk toward its campaign with ``prior_conversions`` weight.

    Rows are weighted by ``weight`` (recency). Without any revenue in the account every mean is 0.
    ``prior_conversions=None`` sets the weight by empirical Bayes: how far ad sets' order values spread
    around their campaigns' beyond what their number of orders explains (see :func:`_prior_weight`).
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
    camp = (cr + _CAMPAIGN_PRIOR * account) / (cn + _CAMPAIGN_PRIOR)
    raw = np.where(n > 0, r / np.where(n > 0, n, 1.0), camp[group_campaign])
    k = _shape(conversions, revenue, group, raw)
    if prior_conversions is None:
        prior_conversions = _prior_weight(raw, n, k, camp[group_campaign])
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
