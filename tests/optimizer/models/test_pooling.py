"""Partial pooling's pieces: the spend slope across ad sets, and empirical-Bayes order values."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from optimizer.models.pooling import between_variance, spend_slope
from optimizer.models.revenue import fit_order_value


def test_spend_slope_is_weighted_least_squares_shrunk_to_its_prior() -> None:
    rng = np.random.default_rng(0)
    log_spend = rng.normal(3.5, 0.8, 200)
    alpha = -3.0 - 0.35 * (log_spend - 3.5) + rng.normal(0, 0.1, 200)
    variance = np.full(200, 0.01)
    use = np.ones(200, dtype=bool)
    fitted = spend_slope(alpha, variance, log_spend, use, prior_mean=0.0, prior_sd=10.0, spread=0.0)
    ols = stats.linregress(log_spend, alpha)
    assert fitted.slope == pytest.approx(ols.slope, abs=1e-3)  # a flat prior: plain regression
    assert fitted.slope == pytest.approx(-0.35, abs=0.03)
    assert np.sqrt(fitted.var) == pytest.approx(ols.stderr, rel=0.1)
    few = spend_slope(
        alpha[:2], variance[:2], log_spend[:2], use[:2], prior_mean=-0.2, prior_sd=0.05
    )
    assert few.slope == pytest.approx(-0.2, abs=0.03)  # two ad sets barely move a tight prior
    none = spend_slope(alpha, variance, log_spend, ~use, prior_mean=-0.2, prior_sd=0.2)
    assert (none.slope, none.var) == (-0.2, pytest.approx(0.04))


def test_between_variance_recovers_the_spread_beyond_sampling_noise() -> None:
    rng = np.random.default_rng(1)
    sampling = rng.uniform(0.01, 0.09, 4000)
    estimate = 1.0 + rng.normal(0, 0.2, 4000) + rng.normal(0, np.sqrt(sampling))
    mean, tau2 = between_variance(estimate, sampling, base_mean=0.0, base_var=1.0, floor=1e-4)
    assert mean == pytest.approx(1.0, abs=0.02)
    assert tau2 == pytest.approx(0.04, rel=0.15)


def _orders(aov: np.ndarray, n: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """``n`` single-order days per ad set, order values Gamma(2) around each ad set's mean."""
    group = np.repeat(np.arange(len(aov)), n)
    revenue = rng.gamma(2.0, aov[group] / 2.0)
    return group, np.ones_like(revenue), revenue


def test_order_values_that_truly_differ_are_barely_pooled() -> None:
    rng = np.random.default_rng(2)
    aov = 60.0 * np.exp(rng.normal(0, 0.4, 30))  # ad sets' order values differ a lot
    group, conversions, revenue = _orders(aov, 40, rng)
    campaign = np.zeros(len(group), dtype=int)
    weight = np.ones(len(group))
    eb = fit_order_value(group, 30, campaign, 1, conversions, revenue, weight)
    fixed = fit_order_value(
        group, 30, campaign, 1, conversions, revenue, weight, prior_conversions=20.0
    )
    err_eb = np.sqrt(np.mean(np.log(eb.mean / aov) ** 2))
    err_fixed = np.sqrt(np.mean(np.log(fixed.mean / aov) ** 2))
    assert err_eb < 0.8 * err_fixed  # 20 orders of pull is too much here; the data say so


def test_order_values_that_are_alike_are_pooled_hard() -> None:
    rng = np.random.default_rng(3)
    aov = np.full(30, 60.0)
    group, conversions, revenue = _orders(aov, 10, rng)
    campaign = np.zeros(len(group), dtype=int)
    eb = fit_order_value(group, 30, campaign, 1, conversions, revenue, np.ones(len(group)))
    raw = np.bincount(group, weights=revenue) / 10
    assert np.std(np.log(eb.mean)) < 0.3 * np.std(np.log(raw))  # spread is sampling noise: shrunk
