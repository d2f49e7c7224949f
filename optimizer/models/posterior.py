"""The fitted response of one ad set: a typed posterior the allocator and the dashboard read.

The curve is ``E[conversions | spend s, weekday d] = exp(alpha + b * log(s / s_ref)) * s_ref * f_d``: alpha is
the log of conversions per unit of spend at the reference spend ``s_ref`` (minus log CPA), b in (0, 1) the
elasticity (diminishing returns), f_d the account's weekday factor (mean 1). (alpha, b) is Gaussian under the
Laplace approximation, so every moment and quantile below is a closed form; revenue multiplies by the mean
order value, whose log is treated as Gaussian and independent of the curve.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from scipy.stats import norm

__all__ = ["FitResult", "FitStatus"]


class FitStatus(StrEnum):
    """``fitted``: the ad set's own data updated the pooled prior; ``prior``: it could not, the prior stands."""

    FITTED = "fitted"
    PRIOR = "prior"


def _spend(spend: float | np.ndarray) -> np.ndarray:
    return np.asarray(spend, dtype=float)


@dataclass(frozen=True)
class FitResult:
    """Posterior of one ad set's response curve and order value; ``reason`` says why a fit fell back."""

    adset_id: str
    campaign_id: str | None
    status: FitStatus
    reason: str
    reference_spend: float
    mean: tuple[float, float]
    cov: tuple[tuple[float, float], tuple[float, float]]
    weekday: tuple[float, ...]
    dispersion: float
    order_value: float
    order_value_log_mean: float
    order_value_log_var: float
    days: int

    def _factor(self, weekday: int | None) -> float:
        return 1.0 if weekday is None or not self.weekday else self.weekday[weekday % 7]

    def log_moments(
        self, spend: float | np.ndarray, weekday: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance of log E[conversions] at ``spend`` (``-inf`` mean at zero spend)."""
        s = _spend(spend)
        with np.errstate(divide="ignore"):
            x = np.log(s / self.reference_spend)
            base = np.log(self.reference_spend) + np.log(self._factor(weekday))
        (c00, c01), (_, c11) = self.cov
        x0 = np.where(np.isfinite(x), x, 0.0)
        mean = np.where(s > 0, base + self.mean[0] + self.mean[1] * x0, -np.inf)
        var = np.maximum(c00 + 2.0 * c01 * x0 + c11 * x0 * x0, 0.0)
        return mean, var

    def expected_conversions(
        self, spend: float | np.ndarray, weekday: int | None = None
    ) -> np.ndarray:
        """Posterior mean of expected daily conversions at ``spend`` (log-normal mean)."""
        mean, var = self.log_moments(spend, weekday)
        return np.exp(mean + var / 2.0)

    def conversions_quantile(
        self, spend: float | np.ndarray, q: float, weekday: int | None = None
    ) -> np.ndarray:
        """The ``q`` posterior quantile of expected daily conversions at ``spend``."""
        mean, var = self.log_moments(spend, weekday)
        return np.asarray(np.exp(mean + float(norm.ppf(q)) * np.sqrt(var)), dtype=float)

    def conversions_interval(
        self, spend: float | np.ndarray, level: float = 0.9, weekday: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Central credible interval of expected daily conversions at ``spend``."""
        tail = (1.0 - level) / 2.0
        return (
            self.conversions_quantile(spend, tail, weekday),
            self.conversions_quantile(spend, 1.0 - tail, weekday),
        )

    def marginal_conversions(
        self, spend: float | np.ndarray, weekday: int | None = None
    ) -> np.ndarray:
        """Posterior mean of d E[conversions] / d spend: E[b exp(eta)] / s in closed form."""
        s = _spend(spend)
        mean, var = self.log_moments(s, weekday)
        with np.errstate(divide="ignore", invalid="ignore"):
            x = np.where(s > 0, np.log(s / self.reference_spend), 0.0)
            slope = self.mean[1] + self.cov[0][1] + self.cov[1][1] * x
            return np.where(s > 0, np.exp(mean + var / 2.0) * slope / s, np.inf)

    def expected_revenue(self, spend: float | np.ndarray, weekday: int | None = None) -> np.ndarray:
        """Posterior mean of expected daily revenue: mean conversions x mean order value."""
        return self.expected_conversions(spend, weekday) * self.order_value

    def revenue_interval(
        self, spend: float | np.ndarray, level: float = 0.9, weekday: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Central credible interval of expected daily revenue (log-normal product approximation)."""
        if self.order_value <= 0:
            zero = np.zeros_like(_spend(spend))
            return zero, zero
        mean, var = self.log_moments(spend, weekday)
        mean = mean + self.order_value_log_mean
        sd = np.sqrt(var + self.order_value_log_var)
        z = float(norm.ppf(0.5 + level / 2.0))
        return np.exp(mean - z * sd), np.exp(mean + z * sd)

    def sample(self, n: int, seed: int | np.random.Generator = 0) -> np.ndarray:
        """``n`` seeded draws of (alpha, b) from the Gaussian posterior, shape (n, 2)."""
        rng = np.random.default_rng(seed)
        return rng.multivariate_normal(np.asarray(self.mean), np.asarray(self.cov), size=n)
