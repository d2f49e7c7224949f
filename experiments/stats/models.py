"""Sufficient statistics per arm: the vocabulary every experiment computation takes as input.

Frozen dataclasses in the style of gbstats' ``models/statistics.py``: counts and sums in, computed ``mean``
and per-unit ``variance`` out. Construction validates the numbers (non-negative counts, conversions within
units, a non-negative sample variance) and raises :class:`~optimizer.errors.InputError` naming the field;
callers that know the arm's name (:func:`experiments.stats.frame.read_arms`) prefix it.

Money-type sums (revenue, spend) arrive as plain numbers: convert minor units to major with
:mod:`optimizer.money` before summing; statistics are computed in floating point by design.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from optimizer.errors import InputError

__all__ = ["ArmStats", "MeanStats", "ProportionStats", "RatioStats"]

# Relative slack for "sum of squares too small": a sample variance that is negative only through
# floating-point rounding is treated as zero rather than rejected.
_ROUNDING = 1e-9


def _finite(field: str, value: float) -> None:
    if not math.isfinite(value):
        raise InputError(f"field {field!r} must be a finite number, got {value!r}")


def _non_negative(field: str, value: float) -> None:
    _finite(field, value)
    if value < 0:
        raise InputError(f"field {field!r} must not be negative, got {value!r}")


def _whole(field: str, value: float) -> None:
    _non_negative(field, value)
    if value != int(value):
        raise InputError(f"field {field!r} must be a whole count, got {value!r}")


def _sample_variance(n: int, total: float, squares: float, field: str) -> float:
    """Unbiased per-unit variance from sums, as gbstats' SampleMeanStatistic computes it."""
    if n <= 1:
        return 0.0
    centred = squares - total * total / n
    if centred < 0:
        if centred < -_ROUNDING * max(abs(squares), 1.0):
            raise InputError(
                f"field {field!r} ({squares!r}) is smaller than sum**2 / units: "
                "the sums cannot come from real data"
            )
        centred = 0.0
    return centred / (n - 1)


@dataclass(frozen=True)
class ProportionStats:
    """A binary outcome per unit: ``conversions`` successes out of ``units`` (clicks of impressions...)."""

    units: int
    conversions: int

    def __post_init__(self) -> None:
        _whole("units", self.units)
        _whole("conversions", self.conversions)
        if self.conversions > self.units:
            raise InputError(
                f"field 'conversions' ({self.conversions}) exceeds field 'units' ({self.units})"
            )

    @property
    def mean(self) -> float:
        """Observed rate; 0 for an arm without units."""
        return self.conversions / self.units if self.units else 0.0

    @property
    def variance(self) -> float:
        """Per-unit Bernoulli variance p(1-p) (gbstats' convention, no n-1 correction)."""
        p = self.mean
        return p * (1.0 - p)


@dataclass(frozen=True)
class MeanStats:
    """A numeric outcome per unit (revenue per impression...) summarised by its sum and sum of squares."""

    units: int
    sum: float
    sum_squares: float

    def __post_init__(self) -> None:
        _whole("units", self.units)
        _finite("sum", self.sum)
        _non_negative("sum_squares", self.sum_squares)
        _sample_variance(self.units, self.sum, self.sum_squares, "sum_squares")

    @property
    def mean(self) -> float:
        return self.sum / self.units if self.units else 0.0

    @property
    def variance(self) -> float:
        """Unbiased sample variance per unit."""
        return _sample_variance(self.units, self.sum, self.sum_squares, "sum_squares")


@dataclass(frozen=True)
class RatioStats:
    """A ratio of two per-unit sums (ROAS = revenue / spend, cost per purchase = spend / purchases).

    The unit is whatever the rows are (an ad-day, a user...): ``units`` rows with numerator ``m`` and
    denominator ``d`` each. The ratio of sums has a delta-method variance (gbstats' RatioStatistic), so
    ``variance / units`` is the variance of the arm's ratio estimate.
    """

    units: int
    num_sum: float
    num_sum_squares: float
    den_sum: float
    den_sum_squares: float
    num_den_sum_products: float

    def __post_init__(self) -> None:
        _whole("units", self.units)
        _finite("num_sum", self.num_sum)
        _finite("den_sum", self.den_sum)
        _finite("num_den_sum_products", self.num_den_sum_products)
        _non_negative("num_sum_squares", self.num_sum_squares)
        _non_negative("den_sum_squares", self.den_sum_squares)
        _sample_variance(self.units, self.num_sum, self.num_sum_squares, "num_sum_squares")
        _sample_variance(self.units, self.den_sum, self.den_sum_squares, "den_sum_squares")

    @property
    def mean(self) -> float:
        """Ratio of sums; 0 when the denominator sums to 0."""
        return self.num_sum / self.den_sum if self.den_sum else 0.0

    @property
    def variance(self) -> float:
        """Delta-method per-unit variance of m/d (gbstats RatioStatistic.variance)."""
        n = self.units
        if n <= 1 or self.den_sum == 0:
            return 0.0
        mean_m, mean_d = self.num_sum / n, self.den_sum / n
        var_m = _sample_variance(n, self.num_sum, self.num_sum_squares, "num_sum_squares")
        var_d = _sample_variance(n, self.den_sum, self.den_sum_squares, "den_sum_squares")
        cov = (self.num_den_sum_products - self.num_sum * self.den_sum / n) / (n - 1)
        return var_m / mean_d**2 - 2.0 * cov * mean_m / mean_d**3 + mean_m**2 * var_d / mean_d**4


ArmStats = ProportionStats | MeanStats | RatioStats
