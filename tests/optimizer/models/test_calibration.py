"""Calibration on the sandbox market (known truth): 90% intervals cover the truth about 90% of the time."""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimizer.models.calibration import Calibration, calibrate, pooled_coverage
from optimizer.sandbox.market import Market, MarketConfig
from tests.optimizer.models.market_history import market_history


def test_market_coverage_is_near_nominal() -> None:
    results = []
    for seed in (0, 1, 2):
        market = Market(MarketConfig(seed=seed, adsets=40, history_days=90))
        history = market_history(market)
        result = calibrate(history, market.truth.expected_purchases, as_of=market.today)
        assert result.checked >= 30
        results.append(result)
    coverage = pooled_coverage(results)
    assert 0.7 <= coverage <= 0.99  # loose band on 120 ad sets; the benchmark measures 85-95%
    assert np.median([r.median_relative_error for r in results]) < 0.35


def test_coverage_counts_hits() -> None:
    rows = pd.DataFrame(
        {"adset_id": ["a", "b"], "spend": [1.0, 1.0], "truth": [1.0, 5.0], "low": [0.5, 0.5],
         "high": [2.0, 2.0], "mean": [1.0, 1.0], "covered": [True, False]}
    )  # fmt: skip
    result = Calibration(level=0.9, checked=2, covered=1, rows=rows)
    assert result.coverage == 0.5
    assert pooled_coverage([result, result]) == 0.5
