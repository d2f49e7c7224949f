"""Joint posterior draws over all arms: probability of being best and expected loss, by Monte Carlo.

Why Monte Carlo: with more than two arms P(arm is best) and E[max_j θ_j − θ_i] have no closed form. Each
arm's metric θ gets an independent posterior: Beta(1 + conversions, 1 + units − conversions) for
proportions (exact), N(mean, variance / units) for means and ratios (large-sample, flat prior). Draws use
a caller-supplied seeded generator, so a report is reproducible.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from experiments.stats.models import ArmStats, ProportionStats

__all__ = ["BestArm", "best_arm", "posterior_draws"]

FloatArray = NDArray[np.float64]


def posterior_draws(stats: Sequence[ArmStats], draws: int, rng: np.random.Generator) -> FloatArray:
    """An (arms, draws) array of independent posterior draws of each arm's metric."""
    out = np.empty((len(stats), draws))
    for i, arm in enumerate(stats):
        if isinstance(arm, ProportionStats):
            out[i] = rng.beta(1.0 + arm.conversions, 1.0 + arm.units - arm.conversions, draws)
        else:
            sd = np.sqrt(arm.variance / arm.units) if arm.units else 0.0
            out[i] = rng.normal(arm.mean, sd, draws)
    return out


class BestArm(NamedTuple):
    """Per-arm probability of being best and expected loss of choosing that arm (same units as θ)."""

    prob_best: FloatArray
    expected_loss: FloatArray


def best_arm(samples: FloatArray, *, inverse: bool = False) -> BestArm:
    """Summarise draws shaped (..., arms, draws): P(best) and E[|θ_best − θ_i|] per arm.

    Lower is better when ``inverse``. Leading axes are independent experiments (used by the simulations).
    """
    values = -samples if inverse else samples
    best = values.max(axis=-2, keepdims=True)
    winners = values.argmax(axis=-2)
    n_arms = samples.shape[-2]
    prob_best = np.stack([(winners == i).mean(axis=-1) for i in range(n_arms)], axis=-1)
    expected_loss = (best - values).mean(axis=-1)
    return BestArm(prob_best=prob_best, expected_loss=expected_loss)
