"""Delivery elasticity: impressions ~ spend^b recovered day over day, weekday steps and drift removed."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from optimizer.models import ModelConfig, fit_account
from optimizer.models.elasticity import delivery_elasticity
from optimizer.sandbox.market import Market, MarketConfig
from tests.optimizer.models.market_history import market_history


def _frame(b: np.ndarray, days: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    weekday = np.exp(rng.normal(0, 0.2, 7))
    rows = []
    for g, slope in enumerate(b):
        drift = np.cumsum(rng.normal(0, 0.02, days))  # a slow walk the regression must not mistake
        budget = 50.0 * np.exp(np.cumsum(rng.normal(0, 0.05, days)))
        for d in range(days):
            day = date(2026, 1, 1) + timedelta(days=d)
            spend = budget[d] * np.exp(rng.normal(0, 0.12))
            mean = 300.0 * spend**slope * weekday[day.weekday()] * np.exp(drift[d])
            rows.append(
                {"date": pd.Timestamp(day), "adset_id": f"a{g}", "spend": spend,
                 "impressions": float(rng.poisson(mean))}
            )  # fmt: skip
    return pd.DataFrame(rows)


def test_slopes_are_recovered_within_their_standard_errors() -> None:
    b = np.linspace(0.55, 0.85, 12)
    result = delivery_elasticity(_frame(b, 60, seed=3), [f"a{g}" for g in range(12)])
    z = (result.mean - b) / np.sqrt(result.var)
    assert np.all(np.abs(result.mean - b) < 0.08)
    assert 0.5 < float(np.std(z)) < 1.6  # the stated errors are the real ones
    assert result.residual_sd < 0.1


def test_too_little_movement_or_history_is_unknown() -> None:
    frame = _frame(np.array([0.7]), 5, seed=1)  # four pairs: too few
    flat = _frame(np.array([0.7]), 40, seed=2).assign(spend=50.0, adset_id="flat")
    result = delivery_elasticity(pd.concat([frame, flat]), ["a0", "flat", "absent"])
    assert np.all(np.isinf(result.var))
    assert np.all(np.isnan(result.mean))


def test_fit_elasticities_follow_delivery_on_the_sandbox() -> None:
    market = Market(MarketConfig(seed=4, adsets=20, history_days=60))
    history = market_history(market)
    ids = sorted(history["adset_id"].unique())
    truth = np.array([market.truth.exponent(a) for a in ids])

    def error(config: ModelConfig) -> float:
        fitted = fit_account(history, config=config, as_of=market.today).adsets
        return float(np.mean(np.abs(np.array([fitted[a].mean[1] for a in ids]) - truth)))

    with_delivery, without = error(ModelConfig()), error(ModelConfig(delivery_elasticity=False))
    assert with_delivery < 0.1
    assert with_delivery < without / 2
