"""Partial pooling: an empirical-Bayes prior for each ad set from its campaign and its account.

The hierarchy is theta_g ~ N(m_c, tau^2) within campaign c and m_c ~ N(M, omega^2) across the account,
one coordinate at a time. M, tau^2 and omega^2 are estimated by the method of moments from first-pass
estimates and their sampling variances. Each ad set's prior is its campaign mean computed *without* the ad
set itself (leave-one-out), so its own data is not counted twice; an ad set with no data gets the campaign
(or account) prior, which is the cold start. ``strength`` scales the prior precision: 0.5 halves the pull
toward the group, 2 doubles it.

Ad sets are compared at a common spend: :func:`spend_slope` regresses the rates at each ad set's own spend
on that spend first, and the fit pools what is left, so a budget cut does not read as a worse ad set.
:func:`between_variance` is the method-of-moments step on its own (order values pool with it too).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["PooledPrior", "SpendSlope", "between_variance", "pooled_prior", "spend_slope"]


@dataclass(frozen=True)
class PooledPrior:
    """Per-group prior means (G, k) and variances (G, k), plus the account-level hyperparameters."""

    mean: np.ndarray
    var: np.ndarray
    account_mean: np.ndarray
    within_var: np.ndarray
    between_var: np.ndarray


def between_variance(
    estimate: np.ndarray, variance: np.ndarray, base_mean: float, base_var: float, floor: float
) -> tuple[float, float]:
    """Precision-weighted account mean and between-ad-set variance (Paule-Mandel style iteration)."""
    if estimate.size == 0:
        return base_mean, base_var
    tau2 = base_var
    mean = base_mean
    for _ in range(25):
        w = 1.0 / (tau2 + variance)
        mean = float(np.sum(w * estimate) / np.sum(w))
        excess = float(np.sum(w * ((estimate - mean) ** 2 - variance)) / np.sum(w))
        new = float(np.clip(excess, floor, base_var))
        if abs(new - tau2) < 1e-10:
            break
        tau2 = new
    return mean, tau2


def pooled_prior(
    estimate: np.ndarray,
    variance: np.ndarray,
    informative: np.ndarray,
    campaign: np.ndarray,
    n_campaigns: int,
    *,
    base_mean: np.ndarray,
    base_var: np.ndarray,
    floor_var: np.ndarray,
    strength: float = 1.0,
) -> PooledPrior:
    """Empirical-Bayes priors for every group.

    ``estimate``/``variance`` (G, k) are first-pass posterior means and variances under the weak ``base``
    prior; ``informative`` marks the groups with data; ``campaign`` maps each group to a campaign index
    (0..n_campaigns-1). Variances are floored by ``floor_var`` and capped by ``base_var``.
    """
    n_groups, k = estimate.shape
    mean = np.empty((n_groups, k))
    var = np.empty((n_groups, k))
    account = np.empty(k)
    within = np.empty(k)
    between = np.empty(k)
    for j in range(k):
        est, v = estimate[:, j], variance[:, j]
        use = informative & (v < 0.9 * base_var[j])  # data actually moved the estimate
        big_m, total = between_variance(
            est[use], v[use], float(base_mean[j]), float(base_var[j]), float(floor_var[j])
        )
        # within-campaign spread from campaigns with at least two informative ad sets
        counts = np.bincount(campaign[use], minlength=n_campaigns)
        w_all = np.where(use, 1.0 / (total + v), 0.0)
        sum_w = np.bincount(campaign, weights=w_all, minlength=n_campaigns)
        sum_we = np.bincount(campaign, weights=w_all * est, minlength=n_campaigns)
        camp_mean = np.where(sum_w > 0, sum_we / np.where(sum_w > 0, sum_w, 1.0), big_m)
        multi = use & (counts[campaign] >= 2)
        if multi.any():
            dev = (est[multi] - camp_mean[campaign[multi]]) ** 2
            dof = counts[campaign[multi]] / (counts[campaign[multi]] - 1.0)
            tau2 = float(np.mean(dev * dof - v[multi]))
            tau2 = float(np.clip(tau2, floor_var[j], total))
        else:
            tau2 = total
        omega2 = max(float(floor_var[j]), total - tau2)
        # leave-one-out campaign means with weights 1 / (tau^2 + v_i)
        u = np.where(use, 1.0 / (tau2 + v), 0.0)
        su = np.bincount(campaign, weights=u, minlength=n_campaigns)
        sue = np.bincount(campaign, weights=u * est, minlength=n_campaigns)
        loo_w = su[campaign] - u + 1.0 / omega2
        loo_m = (sue[campaign] - u * est + big_m / omega2) / loo_w
        mean[:, j] = loo_m
        var[:, j] = np.minimum(tau2 + 1.0 / loo_w, base_var[j]) / max(strength, 1e-9)
        account[j], within[j], between[j] = big_m, tau2, omega2
    return PooledPrior(
        mean=mean, var=var, account_mean=account, within_var=within, between_var=between
    )


@dataclass(frozen=True)
class SpendSlope:
    """How ad sets' conversion rates at their own spend fall with that spend, across the account."""

    slope: float
    var: float
    centre: float  # the weighted mean log reference spend the slope pivots on


def spend_slope(
    alpha: np.ndarray,
    variance: np.ndarray,
    log_spend: np.ndarray,
    use: np.ndarray,
    *,
    prior_mean: float,
    prior_sd: float,
    spread: float = 0.25,
) -> SpendSlope:
    """Regress first-pass log rates (at each ad set's own spend) on log spend: the prior's covariate.

    Rates at an ad set's own spend are exchangeable only if budgets were set where marginal returns meet;
    if budgets are arbitrary (or were cut on noise) a small ad set converts more per dollar, by the curve's
    own slope b - 1. The data say which: a precision-weighted regression across ad sets, shrunk toward
    ``prior_mean`` (sd ``prior_sd``), whose residual spread ``spread`` (log scale) weighs each ad set.
    """
    if not use.any():
        return SpendSlope(
            prior_mean, prior_sd**2, float(np.mean(log_spend)) if log_spend.size else 0.0
        )
    w = 1.0 / (variance[use] + spread)
    x, y = log_spend[use], alpha[use]
    centre = float(np.sum(w * x) / np.sum(w))
    xc = x - centre
    yc = y - float(np.sum(w * y) / np.sum(w))
    precision = float(np.sum(w * xc * xc)) + 1.0 / prior_sd**2
    slope = (float(np.sum(w * xc * yc)) + prior_mean / prior_sd**2) / precision
    return SpendSlope(slope, 1.0 / precision, centre)
