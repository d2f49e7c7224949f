"""Sudden changes: the scan finds a real break near its day, stays quiet on steady data, and the fit follows."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from optimizer.models import ModelConfig, fit
from optimizer.models.changepoint import find_changes
from tests.optimizer.models.synthetic import simulate


def _rows(levels: np.ndarray, days: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    group = np.repeat(np.arange(len(levels)), days)
    lag = np.tile(np.arange(days)[::-1], len(levels))
    expected = np.repeat(levels, days).astype(float)
    return group, lag, expected


def test_a_drop_is_found_near_its_start_and_steady_ad_sets_are_left_alone() -> None:
    rng = np.random.default_rng(0)
    group, lag, expected = _rows(np.full(200, 6.0), 60, rng)
    truth = expected.copy()
    truth[(group == 7) & (lag < 10)] *= 0.3  # ad set 7 converts 70% worse for the last 10 days
    observed = rng.poisson(truth).astype(float)
    found = find_changes(group, 200, observed, expected, lag, dispersion=float("inf"))
    assert found[7] == pytest.approx(9, abs=2)
    assert (np.delete(found, 7) < 0).sum() >= 198  # false alarms: at most 1 in 199 steady ad sets


def test_overdispersion_raises_the_bar() -> None:
    rng = np.random.default_rng(1)
    group, lag, expected = _rows(np.full(1, 6.0), 60, rng)
    truth = np.where(lag < 10, 0.5 * expected, expected)
    observed = rng.poisson(truth).astype(float)
    poisson = find_changes(group, 1, observed, expected, lag, dispersion=float("inf"))
    noisy = find_changes(group, 1, observed, expected, lag, dispersion=0.5)
    assert poisson[0] >= 0 and noisy[0] == -1


def test_the_fit_follows_a_collapse_and_says_so() -> None:
    history, truth = simulate(9, 90, seed=4, spend_level=300.0, size=50.0)
    collapsed = (history["adset_id"] == "a003") & (
        history["date"] >= history["date"].max() - timedelta(days=11)
    )
    history.loc[collapsed, "conversions"] = np.random.default_rng(2).poisson(
        0.3 * history.loc[collapsed, "conversions"]
    )
    as_of = (pd.Timestamp(history["date"].max()) + pd.Timedelta(days=1)).date()

    def level(config: ModelConfig) -> tuple[float, str]:
        result = fit(history, config=config, as_of=as_of)["a003"]
        return float(result.expected_conversions(truth.reference[3])), result.reason

    after = 0.3 * truth.expected(3, truth.reference[3])
    scanned, reason = level(ModelConfig(holdout_days=0))
    slow, _ = level(ModelConfig(holdout_days=0, changepoints=False))
    assert "performance changed" in reason
    assert abs(np.log(scanned / after)) < 0.5 * abs(np.log(slow / after))
    others = fit(history, config=ModelConfig(holdout_days=0), as_of=as_of)
    assert not any("performance changed" in r.reason for k, r in others.items() if k != "a003")
