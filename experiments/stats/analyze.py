"""``analyze``: the library entry point, one row per arm with its lift over control and its chance to be best.

Which number comes from which model (and why):

* ``lift_*``, ``chance_to_beat_control``, ``loss_vs_control``: the Gaussian effect model
  (:mod:`experiments.stats.bayesian`), pairwise arm vs control, identical to gbstats 0.8.0 with a flat prior,
  so figures can be checked against an established engine.
* ``chance_to_beat_control_exact`` (proportions only): the exact Beta-Binomial P(arm > control) in closed
  form (:mod:`experiments.stats.beta`); it differs from the Gaussian figure only when counts are small.
* ``prob_best``, ``expected_loss``: Monte Carlo over independent per-arm posteriors
  (:mod:`experiments.stats.montecarlo`), because "best of k" has no closed form. ``expected_loss`` is
  E[θ_best − θ_arm] (E[θ_arm − θ_best] when ``inverse``), divided by the control's observed mean when
  ``relative`` so it reads in the same units as the lift.
* ``mean``, ``mean_low``, ``mean_high``: the arm's observed metric (rate for proportions) and its 95%
  (1 − alpha) credible interval: Beta quantiles for proportions, normal for means and ratios.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm  # type: ignore[import-untyped]

from experiments.stats.bayesian import FLAT, GaussianPrior, effect_posterior
from experiments.stats.beta import beta_posterior, prob_greater
from experiments.stats.frame import Metric, read_arms
from experiments.stats.models import ArmStats, ProportionStats
from experiments.stats.montecarlo import best_arm, posterior_draws

__all__ = ["RESULT_COLUMNS", "analyze", "analyze_stats"]

RESULT_COLUMNS = [
    "arm",
    "is_control",
    "units",
    "mean",
    "mean_low",
    "mean_high",
    "lift_mean",
    "lift_stddev",
    "lift_low",
    "lift_high",
    "chance_to_beat_control",
    "chance_to_beat_control_exact",
    "loss_vs_control",
    "prob_best",
    "expected_loss",
    "error",
]


def _arm_interval(stats: ArmStats, alpha: float) -> tuple[float, float]:
    if isinstance(stats, ProportionStats):
        return beta_posterior(stats).interval(1.0 - alpha)
    half = norm.ppf(1.0 - alpha / 2.0) * np.sqrt(stats.variance / stats.units)
    return stats.mean - half, stats.mean + half


def analyze_stats(
    stats: dict[str, ArmStats],
    control: str,
    *,
    relative: bool = True,
    inverse: bool = False,
    alpha: float = 0.05,
    prior: GaussianPrior = FLAT,
    draws: int = 100_000,
    seed: int | np.random.Generator = 0,
) -> pd.DataFrame:
    """:func:`analyze` over already validated per-arm statistics (``control`` must be a key)."""
    names = list(stats)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    summary = best_arm(posterior_draws([stats[n] for n in names], draws, rng), inverse=inverse)
    base = stats[control]
    scale = abs(base.mean) if relative else 1.0
    rows = []
    for i, name in enumerate(names):
        arm = stats[name]
        low, high = _arm_interval(arm, alpha)
        row: dict[str, object] = {
            "arm": name,
            "is_control": name == control,
            "units": arm.units,
            "mean": arm.mean,
            "mean_low": low,
            "mean_high": high,
            "prob_best": float(summary.prob_best[i]),
            "expected_loss": float(summary.expected_loss[i]) / scale if scale else np.nan,
            "chance_to_beat_control_exact": np.nan,
            "error": None,
        }
        if name == control:
            row |= {
                "lift_mean": 0.0,
                "lift_stddev": 0.0,
                "lift_low": np.nan,
                "lift_high": np.nan,
                "chance_to_beat_control": np.nan,
                "loss_vs_control": np.nan,
            }
        else:
            effect = effect_posterior(
                base, arm, relative=relative, inverse=inverse, alpha=alpha, prior=prior
            )
            row |= {
                "lift_mean": effect.mean,
                "lift_stddev": effect.stddev,
                "lift_low": effect.ci_low,
                "lift_high": effect.ci_high,
                "chance_to_beat_control": effect.chance_to_win,
                "loss_vs_control": effect.risk_treatment,
                "error": effect.error,
            }
            if isinstance(arm, ProportionStats) and isinstance(base, ProportionStats):
                p = prob_greater(beta_posterior(arm), beta_posterior(base))
                row["chance_to_beat_control_exact"] = 1.0 - p if inverse else p
        rows.append(row)
    result = pd.DataFrame(rows, columns=RESULT_COLUMNS)
    # decide() reads these: its loss threshold is relative to control.
    result.attrs.update(relative=relative, inverse=inverse, control=control)
    return result


def analyze(
    arms: pd.DataFrame,
    control: str,
    metric: Metric = "proportion",
    relative: bool = True,
    inverse: bool = False,
    *,
    alpha: float = 0.05,
    prior: GaussianPrior = FLAT,
    draws: int = 100_000,
    seed: int | np.random.Generator = 0,
) -> pd.DataFrame:
    """Bayesian verdict per arm of an experiment.

    ``arms`` has ``arm``, ``units`` and ``conversions`` (proportion), ``sum`` and ``sum_squares`` (mean), or
    ``num_sum``, ``num_sum_squares``, ``den_sum``, ``den_sum_squares``, ``num_den_sum_products`` (ratio,
    e.g. ROAS or cost per purchase over ad-day rows, delta method). ``inverse`` for lower-is-better metrics.
    Returns one row per arm, control included, in :data:`RESULT_COLUMNS` order; see the module docstring
    for which model each column comes from. Raises InputError on bad input (see
    :func:`experiments.stats.frame.read_arms`).
    """
    stats = read_arms(arms, metric, control=control)
    return analyze_stats(
        stats,
        control,
        relative=relative,
        inverse=inverse,
        alpha=alpha,
        prior=prior,
        draws=draws,
        seed=seed,
    )
