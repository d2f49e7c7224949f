"""Adaptive traffic between live arms: top-two Thompson sampling, plain Thompson sampling, or an even split.

* ``thompson`` (probability matching): each arm gets its posterior probability of being best. It spends
  efficiently during the test but over-samples the leader, so it is slow to *confirm* a winner.
* ``top_two_thompson`` (Russo 2016, "Simple Bayesian Algorithms for Best-Arm Identification", β = 1/2):
  with probability β measure the Thompson leader, otherwise the challenger, i.e. the best of a resample
  conditioned on a different arm winning. In expectation arm i gets
  ψ_i = β·α_i + (1−β)·Σ_{j≠i} α_j·α_i/(1−α_j), with α the probabilities of being best, computed here exactly
  from Monte-Carlo α instead of sampling one arm at a time. It identifies the best arm with the best
  possible exponential rate (for the optimal β); use it to find the winner.
* ``even``: a fixed equal split.

Allocation is even until every arm has ``min_units`` (a few early conversions must not starve an arm), and
every arm keeps at least ``floor`` of the traffic (an additive floor: share = floor + (1 − k·floor)·ψ), so
nothing is switched off on noise and SRM checks still have data. On Meta, shares become ad-set budgets.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from experiments.stats.models import ArmStats
from experiments.stats.montecarlo import posterior_draws
from optimizer.errors import InputError

__all__ = ["METHODS", "Method", "allocate_traffic", "top_two_shares", "traffic_shares"]

Method = Literal["top_two_thompson", "thompson", "even"]
METHODS: tuple[str, ...] = ("top_two_thompson", "thompson", "even")

FloatArray = NDArray[np.float64]


def top_two_shares(samples: FloatArray, beta: float = 0.5, *, inverse: bool = False) -> FloatArray:
    """Russo's top-two allocation ψ from posterior draws shaped (..., arms, draws)."""
    values = -samples if inverse else samples
    k = values.shape[-2]
    order = np.argsort(values, axis=-2)
    first, second = order[..., -1, :], order[..., -2, :]
    alpha = np.stack([(first == i).mean(axis=-1) for i in range(k)], axis=-1)
    runner_up = np.stack([(second == i).mean(axis=-1) for i in range(k)], axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        # challenger[..., j, i] = P(best = i | best != j) = α_i / (1 − α_j)
        challenger = alpha[..., None, :] / (1.0 - alpha[..., :, None])
    eye = np.eye(k, dtype=bool)
    challenger = np.where(eye, 0.0, challenger)
    # When one arm won every draw the conditional is 0/0: the resample's winner is then the runner-up.
    certain = alpha >= 1.0
    challenger = np.where(certain[..., :, None], runner_up[..., None, :], challenger)
    psi: FloatArray = beta * alpha + (1.0 - beta) * np.einsum("...j,...ji->...i", alpha, challenger)
    return psi


def traffic_shares(
    samples: FloatArray,
    units: ArrayLike,
    method: Method,
    *,
    floor: float = 0.05,
    min_units: int = 100,
    beta: float = 0.5,
    inverse: bool = False,
) -> FloatArray:
    """Vectorised allocation: draws (..., arms, draws) and units (..., arms) to shares (..., arms)."""
    k = samples.shape[-2]
    n = np.asarray(units, dtype=float)
    even = np.full(samples.shape[:-1], 1.0 / k)
    if method == "even" or k * floor >= 1.0:
        return even
    if method == "thompson":
        values = -samples if inverse else samples
        winners = values.argmax(axis=-2)
        raw = np.stack([(winners == i).mean(axis=-1) for i in range(k)], axis=-1)
    else:
        raw = top_two_shares(samples, beta, inverse=inverse)
    raw = raw / raw.sum(axis=-1, keepdims=True)
    shares = floor + (1.0 - k * floor) * raw
    warming_up = (n < min_units).any(axis=-1, keepdims=True)
    result: FloatArray = np.where(warming_up, even, shares)
    return result


def allocate_traffic(
    stats: Mapping[str, ArmStats],
    method: Method = "top_two_thompson",
    floor: float = 0.05,
    min_units: int = 100,
    rng: np.random.Generator | int | None = None,
    *,
    draws: int = 10_000,
    beta: float = 0.5,
    inverse: bool = False,
) -> dict[str, float]:
    """Traffic share per arm (summing to 1) from each arm's statistics.

    ``floor`` is honoured when feasible (arms × floor < 1; otherwise the split is even). ``rng`` seeds the
    posterior draws so a budget change is reproducible. Raises InputError for fewer than two arms, an
    unknown method, or a floor or beta out of range.
    """
    if len(stats) < 2:
        raise InputError(f"stats: traffic allocation needs at least 2 arms, got {len(stats)}")
    if method not in METHODS:
        raise InputError(f"method must be one of {list(METHODS)}, got {method!r}")
    if not 0.0 <= floor < 1.0:
        raise InputError(f"floor must be in [0, 1), got {floor}")
    if not 0.0 < beta < 1.0:
        raise InputError(f"beta must be in (0, 1), got {beta}")
    if min_units < 0:
        raise InputError(f"min_units must not be negative, got {min_units}")
    names = list(stats)
    generator = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    samples = posterior_draws([stats[n] for n in names], draws, generator)
    shares = traffic_shares(
        samples,
        [stats[n].units for n in names],
        method,
        floor=floor,
        min_units=min_units,
        beta=beta,
        inverse=inverse,
    )
    return {name: float(share) for name, share in zip(names, shares, strict=True)}
