"""The response model on known-truth synthetic data: recovery, pooling, cold start, delay, failures."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from optimizer.errors import InputError
from optimizer.models import Completeness, FitStatus, ModelConfig, fit, fit_account
from tests.optimizer.models.synthetic import simulate


def _coverage(results, truth, spend_of) -> float:
    hits = []
    for i, adset_id in enumerate(sorted(results)):
        spend = spend_of(i, results[adset_id])
        low, high = results[adset_id].conversions_interval(spend)
        hits.append(low <= truth.expected(i, spend) <= high)
    return float(np.mean(hits))


def test_intervals_cover_the_true_curve_at_current_spend() -> None:
    covered = []
    for seed in range(3):
        history, truth = simulate(30, 60, seed=seed, weekday_amp=0.15)
        results = fit(history)
        covered.append(_coverage(results, truth, lambda i, r: r.reference_spend))
    assert 0.8 <= float(np.mean(covered)) <= 1.0


def test_elasticity_and_order_value_are_recovered() -> None:
    history, truth = simulate(40, 90, seed=4)
    results = fit(history, config=ModelConfig(half_life_days=None))
    b = np.array([results[k].mean[1] for k in sorted(results)])
    assert abs(b.mean() - truth.elasticity.mean()) < 0.08
    order = np.array([results[k].order_value for k in sorted(results)])
    assert np.median(np.abs(order / truth.order_value - 1)) < 0.1


def test_weekday_factors_and_dispersion_are_estimated() -> None:
    history, truth = simulate(40, 84, seed=6, weekday_amp=0.3, size=4.0)
    account = fit_account(history)
    np.testing.assert_allclose(account.weekday, truth.weekday, atol=0.08)
    assert 2.0 < account.dispersion < 8.0  # truth: gamma-Poisson with size 4


def test_recent_days_are_corrected_for_attribution_delay() -> None:
    shares = (0.3, 0.5, 0.7, 0.9)
    history, truth = simulate(100, 50, seed=8, completeness=shares)
    estimated = fit_account(history).completeness
    assert estimated.shares[0] == pytest.approx(0.3, abs=0.12)
    assert estimated.shares[1] == pytest.approx(0.5, abs=0.15)

    def level_bias(**knobs: object) -> float:
        config = ModelConfig(holdout_days=0, half_life_days=5, **knobs)  # type: ignore[arg-type]
        results = fit(history, config=config)
        return float(
            np.mean([np.log(results[k].expected_conversions(truth.reference[i]) /
                            truth.expected(i, truth.reference[i]))
                     for i, k in enumerate(sorted(results))])
        )  # fmt: skip

    ignored = level_bias(delay_horizon=0)
    corrected = level_bias()
    given = level_bias(completeness=Completeness.of(shares))
    assert ignored < -0.08  # reading the delay as a drop underestimates the level
    assert abs(corrected) < abs(ignored)
    assert abs(given) < abs(ignored)


def test_recency_weighting_follows_a_change_in_performance() -> None:
    history, truth = simulate(10, 80, seed=9)
    late = history["date"] >= history["date"].min() + timedelta(days=50)
    history.loc[late, "conversions"] = history.loc[late, "conversions"] // 2
    recent = fit(history, config=ModelConfig(half_life_days=7, trend=False, holdout_days=0))
    flat = fit(history, config=ModelConfig(half_life_days=None, trend=False, holdout_days=0))
    ratio_recent = np.mean([recent[k].expected_conversions(truth.reference[i]) /
                            truth.expected(i, truth.reference[i]) for i, k in enumerate(sorted(recent))])  # fmt: skip
    ratio_flat = np.mean([flat[k].expected_conversions(truth.reference[i]) /
                          truth.expected(i, truth.reference[i]) for i, k in enumerate(sorted(flat))])  # fmt: skip
    assert ratio_recent < ratio_flat
    assert ratio_recent == pytest.approx(0.5, abs=0.15)


def test_sparse_adset_borrows_from_its_campaign_and_new_adset_gets_prior() -> None:
    history, _ = simulate(12, 60, seed=10, campaigns=2)
    sparse = history["adset_id"] == "a000"
    keep = ~sparse | (history["date"] >= history["date"].max() - timedelta(days=2))
    history = history[keep]
    results = fit(history, adsets={"new": "c0", "orphan": None}, config=ModelConfig(holdout_days=0))
    assert results["a000"].status is FitStatus.FITTED
    assert results["a000"].cov[0][0] > 2 * results["a002"].cov[0][0]
    new = results["new"]
    assert new.status is FitStatus.PRIOR and "new ad set" in new.reason
    campaign_alpha = np.mean([results[k].mean[0] for k in results
                              if results[k].campaign_id == "c0" and k not in ("new", "a000")])  # fmt: skip
    assert new.mean[0] == pytest.approx(campaign_alpha, abs=0.3)
    assert results["orphan"].status is FitStatus.PRIOR
    low, high = new.conversions_interval(100.0)
    assert 0 < low < high


def test_unfittable_adsets_fall_back_with_a_reason_and_others_fit() -> None:
    history, _ = simulate(6, 30, seed=11)
    history.loc[history["adset_id"] == "a001", "spend"] = 0.0
    one_day = (history["adset_id"] == "a002") & (history["date"] < history["date"].max())
    history = history[~one_day]
    history.loc[history["adset_id"] == "a003", ["conversions", "revenue"]] = 0
    results = fit(history)
    assert results["a001"].status is FitStatus.PRIOR and "no spend" in results["a001"].reason
    assert results["a002"].status is FitStatus.PRIOR and "1 day" in results["a002"].reason
    assert results["a003"].status is FitStatus.FITTED and "no conversions" in results["a003"].reason
    zero = results["a003"].expected_conversions(results["a003"].reference_spend)
    other = results["a004"].expected_conversions(results["a004"].reference_spend)
    assert zero < other
    assert results["a000"].status is FitStatus.FITTED


def test_marginal_matches_numerical_derivative() -> None:
    history, _ = simulate(8, 40, seed=12)
    result = fit(history)["a000"]
    s = result.reference_spend * 1.3
    h = 1e-4 * s
    numeric = (result.expected_conversions(s + h) - result.expected_conversions(s - h)) / (2 * h)
    assert float(result.marginal_conversions(s)) == pytest.approx(float(numeric), rel=1e-5)


def test_samples_match_the_closed_form_mean() -> None:
    history, _ = simulate(8, 40, seed=13)
    result = fit(history)["a001"]
    draws = result.sample(20000, seed=1)
    s = 2 * result.reference_spend
    mc = np.mean(np.exp(draws[:, 0] + draws[:, 1] * np.log(2.0)) * result.reference_spend)
    assert mc == pytest.approx(float(result.expected_conversions(s)), rel=0.01)


def test_empty_history_fits_nothing_and_bad_config_is_rejected() -> None:
    assert fit(pd.DataFrame()) == {}
    assert fit(pd.DataFrame(), adsets=["x"], as_of=date(2026, 1, 1))["x"].status is FitStatus.PRIOR
    with pytest.raises(InputError, match="half_life_days"):
        ModelConfig(half_life_days=0)


def test_held_out_weeks_measure_drift_the_curve_cannot_see() -> None:
    history, _ = simulate(40, 90, seed=14, size=20.0, spend_level=300.0)
    steady = fit_account(history)
    rng = np.random.default_rng(0)
    walk = {a: np.exp(np.cumsum(rng.normal(0, 0.06, 90))) for a in history["adset_id"].unique()}
    dates = pd.to_datetime(history["date"])
    day = (dates - dates.min()).dt.days.to_numpy()
    factor = np.array([walk[a][d] for a, d in zip(history["adset_id"], day, strict=True)])
    drifting = history.assign(conversions=rng.poisson(history["conversions"].to_numpy() * factor))
    moved = fit_account(drifting)
    assert steady.drift_var < 0.02
    # a 6%/day random walk: the change-point scan follows its biggest steps, the held-out weeks the rest
    assert moved.drift_var > 0.03
    result = moved.adsets["a000"]
    assert result.cov[0][0] >= moved.drift_var
