"""Concave value curves, one per budget unit, built from posteriors under a risk attitude.

A unit's curve is ``v(s) = w * K * (s / r)^B - c * s`` with B in (0, 1): a power curve that matches the
posterior's utility and its slope at the reference spend r. ``w`` is the value of one conversion for the
objective and ``c`` the cost of one unit of spend in it (1 for profit-like objectives, 0 when the whole
total is to be spent). Power curves keep the allocator exact and fast: the spend at which a unit's marginal
value equals a multiplier has a closed form.

Risk is a parameter, not a fork: ``neutral`` uses the posterior mean, ``quantile`` a lower quantile and
``cvar`` the mean of the lower tail (CVaR) of each unit's log-normal value, all closed forms at r.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.stats import norm

from optimizer.models.posterior import FitResult

__all__ = ["Curves", "PosteriorArrays", "Risk", "risk_curves", "draw_curves"]

Risk = Literal["neutral", "quantile", "cvar"]
_ELASTICITY = (0.02, 0.98)


@dataclass(frozen=True)
class PosteriorArrays:
    """Posteriors of many ad sets stacked into arrays (one entry per ad set)."""

    reference: np.ndarray
    mean_alpha: np.ndarray
    mean_b: np.ndarray
    var_alpha: np.ndarray
    cov_ab: np.ndarray
    var_b: np.ndarray
    weekday: np.ndarray  # factor for the day the budget is for
    order_value: np.ndarray
    order_log_mean: np.ndarray
    order_log_var: np.ndarray

    @classmethod
    def stack(cls, posteriors: Sequence[FitResult], weekday: int | None = None) -> PosteriorArrays:
        """Stack posteriors; ``weekday`` (0 = Monday) picks the weekday factor, None the average day."""

        def col(values: list[float]) -> np.ndarray:
            return np.asarray(values, dtype=float)

        return cls(
            reference=col([p.reference_spend for p in posteriors]),
            mean_alpha=col([p.mean[0] for p in posteriors]),
            mean_b=col([p.mean[1] for p in posteriors]),
            var_alpha=col([p.cov[0][0] for p in posteriors]),
            cov_ab=col([p.cov[0][1] for p in posteriors]),
            var_b=col([p.cov[1][1] for p in posteriors]),
            weekday=col(
                [
                    1.0 if weekday is None or not p.weekday else p.weekday[weekday % 7]
                    for p in posteriors
                ]
            ),
            order_value=col([p.order_value for p in posteriors]),
            order_log_mean=col([p.order_value_log_mean for p in posteriors]),
            order_log_var=col([p.order_value_log_var for p in posteriors]),
        )

    def log_level(self) -> np.ndarray:
        """Mean of log expected conversions at the reference spend."""
        return np.asarray(self.mean_alpha + np.log(self.reference) + np.log(self.weekday))


@dataclass(frozen=True)
class Curves:
    """Value curves ``value * scale * (s / reference)^elasticity - cost * s`` for n units."""

    scale: np.ndarray
    elasticity: np.ndarray
    reference: np.ndarray
    value: np.ndarray
    cost: float

    def __post_init__(self) -> None:
        if np.any(self.reference <= 0):
            raise ValueError("curves: reference spend must be positive")

    @property
    def size(self) -> int:
        return int(self.scale.shape[0])

    def gain(self, spend: np.ndarray) -> np.ndarray:
        """Value before spend cost, per unit."""
        ratio = np.maximum(np.asarray(spend, dtype=float), 0.0) / self.reference
        return np.asarray(self.value * self.scale * ratio**self.elasticity, dtype=float)

    def objective(self, spend: np.ndarray) -> float:
        """Total value of an allocation (the quantity the allocator maximises)."""
        return float(np.sum(self.gain(spend)) - self.cost * float(np.sum(spend)))

    def marginal(self, spend: np.ndarray) -> np.ndarray:
        """d gain / d spend per unit (not net of cost)."""
        s = np.maximum(np.asarray(spend, dtype=float), 1e-300)
        slope = self.value * self.scale * self.elasticity / self.reference
        return np.asarray(slope * (s / self.reference) ** (self.elasticity - 1.0), dtype=float)

    def spend_at(self, level: np.ndarray | float) -> np.ndarray:
        """Spend at which each unit's marginal gain equals ``level`` (> 0): the closed-form inverse."""
        slope = self.value * self.scale * self.elasticity / self.reference
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            ratio = np.power(np.asarray(level, dtype=float) / slope, 1.0 / (self.elasticity - 1.0))
            out = self.reference * ratio
        return np.where(slope > 0, np.nan_to_num(out, nan=0.0, posinf=np.inf), 0.0)

    def take(self, index: np.ndarray) -> Curves:
        """The curves of a subset of units."""
        return Curves(
            self.scale[index],
            self.elasticity[index],
            self.reference[index],
            self.value[index],
            self.cost,
        )


def _level_and_slope(
    log_mean: np.ndarray,
    log_var: np.ndarray,
    cov: np.ndarray,
    mean_b: np.ndarray,
    risk: Risk,
    q: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Utility of a log-normal value at the reference spend and its elasticity there, per risk attitude."""
    sd = np.sqrt(np.maximum(log_var, 1e-300))
    if risk == "neutral":
        return np.exp(log_mean + log_var / 2.0), mean_b + cov
    z = float(norm.ppf(q))
    if risk == "quantile":
        return np.exp(log_mean + z * sd), mean_b + z * cov / sd
    tail = norm.cdf(z - sd)
    hazard = norm.pdf(z - sd) / np.maximum(tail, 1e-300)
    level = np.exp(log_mean + log_var / 2.0) * tail / q
    return level, mean_b + cov - hazard * cov / sd


def risk_curves(
    post: PosteriorArrays,
    *,
    revenue_valued: bool,
    value_per_unit: np.ndarray,
    cost: float,
    risk: Risk = "neutral",
    quantile: float = 0.2,
) -> Curves:
    """Curves of each ad set's utility under ``risk`` (see module docstring).

    ``revenue_valued`` objectives value a conversion at its order value times ``value_per_unit`` (margin, or
    1 / target ROAS), and their risk includes order-value uncertainty; otherwise a conversion is worth
    ``value_per_unit`` (1, or the target CPA).
    """
    log_mean = post.log_level()
    log_var = post.var_alpha.copy()
    if revenue_valued:
        has_value = post.order_value > 0
        log_mean = np.where(has_value, log_mean + post.order_log_mean, log_mean)
        log_var = np.where(has_value, log_var + post.order_log_var, log_var)
    level, slope = _level_and_slope(log_mean, log_var, post.cov_ab, post.mean_b, risk, quantile)
    if revenue_valued:
        if risk == "neutral":  # exact mean: E[conversions] * E[order value]
            level = np.exp(post.log_level() + post.var_alpha / 2.0) * post.order_value
        level = np.where(post.order_value > 0, level, 0.0)
    return Curves(
        scale=level,
        elasticity=np.clip(slope, *_ELASTICITY),
        reference=post.reference.copy(),
        value=np.asarray(value_per_unit, dtype=float) * np.ones_like(level),
        cost=cost,
    )


def draw_curves(
    post: PosteriorArrays,
    rng: np.random.Generator,
    *,
    revenue_valued: bool,
    value_per_unit: np.ndarray,
    cost: float,
) -> Curves:
    """One joint posterior draw of every ad set's curve (Thompson sampling)."""
    n = post.reference.shape[0]
    z1, z2, z3 = rng.standard_normal(n), rng.standard_normal(n), rng.standard_normal(n)
    sd_a = np.sqrt(np.maximum(post.var_alpha, 0.0))
    corr = np.where(sd_a > 0, post.cov_ab / np.where(sd_a > 0, sd_a, 1.0), 0.0)
    alpha = post.mean_alpha + sd_a * z1
    rest = np.sqrt(np.maximum(post.var_b - corr**2, 0.0))
    b = post.mean_b + corr * z1 + rest * z2
    level = np.exp(alpha + np.log(post.reference) + np.log(post.weekday))
    if revenue_valued:
        order = np.where(
            post.order_value > 0,
            np.exp(post.order_log_mean + np.sqrt(post.order_log_var) * z3),
            0.0,
        )
        level = level * order
    return Curves(
        scale=level,
        elasticity=np.clip(b, *_ELASTICITY),
        reference=post.reference.copy(),
        value=np.asarray(value_per_unit, dtype=float) * np.ones(n),
        cost=cost,
    )
