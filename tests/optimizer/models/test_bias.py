"""Held-out bias: a steady decline in conversions alone (clicks steady: the funnel cannot see it), which a
recency-weighted fit lags behind, shifts the level when ``bias_correction`` is on."""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimizer.models import ModelConfig, fit_account
from tests.optimizer.models.synthetic import simulate


def test_a_steady_decline_is_corrected_by_the_held_out_miss() -> None:
    history, truth = simulate(30, 90, seed=21, size=50.0, spend_level=300.0)
    dates = pd.to_datetime(history["date"])
    day = (dates - dates.min()).dt.days.to_numpy()
    decline = np.exp(-0.015 * day)  # every ad set tires by 1.5% a day
    rng = np.random.default_rng(1)
    faded = history.assign(conversions=rng.poisson(truth_means(history, truth) * decline))
    tomorrow = np.exp(-0.015 * 90)

    def log_error(config: ModelConfig) -> tuple[float, float]:
        account = fit_account(faded, config=config)
        errors = []
        for i, (_, result) in enumerate(sorted(account.adsets.items())):
            s = result.reference_spend
            predicted = float(result.expected_conversions(s))
            errors.append(np.log(predicted / (truth.expected(i, s) * tomorrow)))
        return float(np.mean(errors)), account.forecast_bias

    corrected, bias = log_error(ModelConfig(bias_correction=True))
    lagging, same_bias = log_error(ModelConfig())  # off by default: see ModelConfig.bias_correction
    assert bias == same_bias < -0.05  # the held-out weeks see the over-prediction
    assert lagging > 0.1  # uncorrected, tomorrow is over-predicted
    assert abs(corrected) < 0.3 < lagging / 2


def truth_means(history: pd.DataFrame, truth: object) -> np.ndarray:
    """Expected conversions of each row under the synthetic truth (weekday-free, complete)."""
    index = {a: i for i, a in enumerate(sorted(history["adset_id"].unique()))}
    return np.asarray(
        [
            truth.expected(index[a], s)  # type: ignore[attr-defined]
            for a, s in zip(history["adset_id"], history["spend"], strict=True)
        ]
    )
