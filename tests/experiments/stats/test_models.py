"""Sufficient statistics: computed moments against numpy on raw data, and validation messages."""

from __future__ import annotations

import numpy as np
import pytest

from experiments.stats.models import MeanStats, ProportionStats, RatioStats
from optimizer.errors import InputError


def test_mean_stats_match_numpy_on_raw_values():
    y = np.random.default_rng(0).lognormal(1.0, 0.8, 500)
    stats = MeanStats(500, float(y.sum()), float((y**2).sum()))
    assert stats.mean == pytest.approx(y.mean())
    assert stats.variance == pytest.approx(y.var(ddof=1))


def test_ratio_variance_is_the_delta_method_of_the_ratio_of_means():
    rng = np.random.default_rng(1)
    d = rng.gamma(4.0, 25.0, 300)
    m = 2.5 * d * rng.lognormal(0.0, 0.3, 300)
    stats = RatioStats(300, m.sum(), (m**2).sum(), d.sum(), (d**2).sum(), (m * d).sum())
    assert stats.mean == pytest.approx(m.sum() / d.sum())
    # Linearisation: var(m/d) ~ var(m - R d) / mean(d)^2 with R the ratio.
    linear = np.var(m - stats.mean * d, ddof=1) / d.mean() ** 2
    assert stats.variance == pytest.approx(linear, rel=1e-9)


def test_proportion_moments_and_empty_arm():
    assert ProportionStats(200, 50).variance == pytest.approx(0.25 * 0.75)
    assert ProportionStats(0, 0).mean == 0.0
    assert MeanStats(0, 0.0, 0.0).variance == 0.0


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: ProportionStats(-1, 0), "field 'units' must not be negative"),
        (lambda: ProportionStats(10, 11), "field 'conversions' (11) exceeds field 'units' (10)"),
        (lambda: ProportionStats(10, 2.5), "field 'conversions' must be a whole count"),  # type: ignore[arg-type]
        (lambda: MeanStats(10, float("nan"), 1.0), "field 'sum' must be a finite number"),
        (lambda: MeanStats(10, 100.0, 5.0), "field 'sum_squares'"),
        (
            lambda: RatioStats(10, 5.0, 5.0, 10.0, -1.0, 0.0),
            "field 'den_sum_squares' must not be negative",
        ),
    ],
)
def test_validation_names_the_field(build, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        build()
