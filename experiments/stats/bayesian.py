"""Gaussian model of the effect of an arm over control: gbstats 0.8.0's ``EffectBayesianABTest``, ported.

Why this model: the lift (relative (μT−μC)/μC or absolute μT−μC) is asymptotically normal with a
delta-method variance, for proportions, means and ratios alike. With a flat prior the posterior *is* that
normal, so chance to win and credible intervals are closed forms and agree with GrowthBook's engine (tested
to 3 decimals). A proper prior N(m, v) on the relative lift (GrowthBook's UI uses N(0, 0.3²)) is a
conjugate precision-weighted update.

:func:`gaussian_effect` works on numpy arrays (the simulations call it on thousands of experiments at
once); :func:`effect_posterior` is the typed one-pair view. A pair that cannot be computed (an arm without
units, zero variance, a zero control mean for a relative lift) gives gbstats' uninformative result (chance
0.5, zero interval) with an ``error`` text instead of raising, so a batch keeps going.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import norm  # type: ignore[import-untyped]

from experiments.stats.models import ArmStats

__all__ = [
    "EffectArrays",
    "EffectPosterior",
    "GaussianPrior",
    "effect_posterior",
    "gaussian_effect",
    "normal_expected_shortfall",
]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class GaussianPrior:
    """Prior N(mean, variance) on the *relative* lift; ``proper=False`` is the flat prior."""

    mean: float = 0.0
    variance: float = 0.3**2
    proper: bool = False


FLAT = GaussianPrior()


class EffectArrays(NamedTuple):
    """Posterior of the effect, elementwise; ``valid`` is False where the uninformative result was used."""

    mean: FloatArray
    stddev: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray
    chance_to_win: FloatArray
    risk_control: FloatArray
    risk_treatment: FloatArray
    valid: NDArray[np.bool_]


def normal_expected_shortfall(mean: ArrayLike, stddev: ArrayLike) -> FloatArray:
    """E[max(-X, 0)] for X ~ N(mean, stddev²): the expected loss of acting on X when X is negative.

    Closed form s·φ(m/s) − m·Φ(−m/s); equals gbstats' −P(X<0)·E[X | X<0].
    """
    m = np.asarray(mean, dtype=float)
    s = np.asarray(stddev, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = m / s
        out: FloatArray = s * norm.pdf(z) - m * norm.cdf(-z)
    result: FloatArray = np.where(s > 0, out, np.maximum(-m, 0.0))
    return result


def gaussian_effect(
    mean_c: ArrayLike,
    var_c: ArrayLike,
    n_c: ArrayLike,
    mean_t: ArrayLike,
    var_t: ArrayLike,
    n_t: ArrayLike,
    *,
    relative: bool = True,
    inverse: bool = False,
    alpha: float = 0.05,
    prior: GaussianPrior = FLAT,
) -> EffectArrays:
    """Posterior of the treatment-minus-control effect from per-arm means, per-unit variances and units.

    ``chance_to_win`` is P(effect > 0), or P(effect < 0) when ``inverse`` (lower is better). ``risk_control``
    is the expected loss of keeping control and ``risk_treatment`` of shipping the treatment, both in the
    effect's units (swapped for inverse metrics, as in gbstats).
    """
    mc, vc, nc = (np.asarray(x, dtype=float) for x in (mean_c, var_c, n_c))
    mt, vt, nt = (np.asarray(x, dtype=float) for x in (mean_t, var_t, n_t))
    mc, vc, nc, mt, vt, nt = np.broadcast_arrays(mc, vc, nc, mt, vt, nt)
    valid = (nc > 0) & (nt > 0) & (vc > 0) & (vt > 0)
    if relative:
        valid &= mc != 0
    with np.errstate(divide="ignore", invalid="ignore"):
        if relative:
            data_mean = (mt - mc) / mc
            data_var = vt / (mc**2 * nt) + vc * mt**2 / (mc**4 * nc)
        else:
            data_mean = mt - mc
            data_var = vt / nt + vc / nc
        if prior.proper:
            # The prior is stated on the relative lift; rescale it for an absolute effect.
            scale = 1.0 if relative else mc**2
            p_mean = prior.mean * (1.0 if relative else np.abs(mc))
            p_var = prior.variance * scale
            precision = 1.0 / data_var + 1.0 / p_var
            post_mean = (data_mean / data_var + p_mean / p_var) / precision
        else:
            precision = 1.0 / data_var
            post_mean = data_mean
        post_sd = np.sqrt(1.0 / precision)
    post_mean = np.where(valid, post_mean, 0.0)
    post_sd = np.where(valid, post_sd, 0.0)
    z = norm.ppf(1.0 - alpha / 2.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_positive = np.where(valid, norm.sf(0.0, post_mean, np.where(valid, post_sd, 1.0)), 0.5)
    gain = normal_expected_shortfall(-post_mean, post_sd)  # E[max(Δ, 0)]
    loss = normal_expected_shortfall(post_mean, post_sd)  # E[max(-Δ, 0)]
    return EffectArrays(
        mean=post_mean,
        stddev=post_sd,
        ci_low=post_mean - z * post_sd,
        ci_high=post_mean + z * post_sd,
        chance_to_win=1.0 - p_positive if inverse else p_positive,
        risk_control=loss if inverse else gain,
        risk_treatment=gain if inverse else loss,
        valid=valid,
    )


@dataclass(frozen=True)
class EffectPosterior:
    """The effect of one treatment over control; fields as in gbstats' BayesianTestResult."""

    mean: float
    stddev: float
    ci_low: float
    ci_high: float
    chance_to_win: float
    risk_control: float
    risk_treatment: float
    relative: bool
    inverse: bool
    error: str | None = None


def _why_invalid(control: ArmStats, treatment: ArmStats, relative: bool) -> str:
    if relative and control.mean == 0:
        return "control mean is zero: no relative lift"
    if control.units == 0 or treatment.units == 0:
        return "an arm has no units"
    return "zero variance in an arm: no uncertainty can be estimated"


def effect_posterior(
    control: ArmStats,
    treatment: ArmStats,
    *,
    relative: bool = True,
    inverse: bool = False,
    alpha: float = 0.05,
    prior: GaussianPrior = FLAT,
) -> EffectPosterior:
    """Posterior of ``treatment`` over ``control`` (see :func:`gaussian_effect`)."""
    arrays = gaussian_effect(
        control.mean,
        control.variance,
        control.units,
        treatment.mean,
        treatment.variance,
        treatment.units,
        relative=relative,
        inverse=inverse,
        alpha=alpha,
        prior=prior,
    )
    valid = bool(arrays.valid)
    return EffectPosterior(
        mean=float(arrays.mean),
        stddev=float(arrays.stddev),
        ci_low=float(arrays.ci_low),
        ci_high=float(arrays.ci_high),
        chance_to_win=float(arrays.chance_to_win),
        risk_control=float(arrays.risk_control),
        risk_treatment=float(arrays.risk_treatment),
        relative=relative,
        inverse=inverse,
        error=None if valid else _why_invalid(control, treatment, relative),
    )
