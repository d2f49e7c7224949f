"""Simulations that check the experiment layer's promises: A/A false winners and bandit efficiency.

Pure code (numpy only, seeded): each function simulates many experiments at once with the *same* library
functions the product uses (:func:`~experiments.stats.bayesian.gaussian_effect`,
:func:`~experiments.stats.montecarlo.best_arm`, :func:`~experiments.stats.decision.passes`,
:func:`~experiments.traffic.traffic_shares`), vectorised over replications. Used by the tests (fixed seeds,
small sizes) and by ``make bench`` (larger sizes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from experiments.stats.bayesian import gaussian_effect
from experiments.stats.decision import DecisionPolicy, passes, required_chance
from experiments.stats.montecarlo import best_arm
from experiments.traffic import Method, traffic_shares
from optimizer.errors import InputError

__all__ = [
    "AAResult",
    "BanditResult",
    "CallResult",
    "daily_conversions",
    "simulate_aa",
    "simulate_bandit",
    "simulate_calls",
    "winner_by_day",
]


@dataclass(frozen=True)
class AAResult:
    """A/A experiments: how often the decision rule ever called a winner although all arms are equal."""

    n_arms: int
    replications: int
    days: int
    daily_units_per_arm: int
    rate: float
    false_winners: int
    false_winner_rate: float
    #: binomial standard error of the rate
    standard_error: float


@dataclass(frozen=True)
class CallResult:
    """Experiments with a real best arm: how often and how fast the decision rule called it."""

    rates: tuple[float, ...]
    replications: int
    days: int
    daily_units_per_arm: int
    correct_rate: float
    wrong_rate: float
    median_days_to_call: float


def daily_conversions(
    rates: Sequence[float], replications: int, days: int, daily_units: int, rng: np.random.Generator
) -> NDArray[np.int64]:
    """Cumulative conversions (replications, days, arms) under an even split, arm 0 the control."""
    daily = rng.binomial(
        daily_units, np.asarray(rates, dtype=float), size=(replications, days, len(rates))
    )
    cumulative: NDArray[np.int64] = daily.cumsum(axis=1)
    return cumulative


def winner_by_day(
    conversions: NDArray[np.int64],
    daily_units: int,
    policy: DecisionPolicy,
    *,
    draws: int = 4000,
    rng: np.random.Generator,
) -> NDArray[np.int64]:
    """(replications, days): the arm the decision rule would declare winner at that daily look, or −1.

    Day d (0-based) is a look after d + 1 days with (d + 1)·daily_units units per arm. Mirrors
    :func:`~experiments.stats.decision.decide`: readiness, then chance (Gaussian effect, relative) and,
    only where some variant clears the chance bar, the Monte-Carlo expected loss relative to control; among
    passing variants the one most often best wins.
    """
    reps, days, k = conversions.shape
    runtime = np.arange(1, days + 1, dtype=float)
    units = runtime * daily_units
    ready = (runtime >= policy.min_runtime_days) & (units >= policy.min_units_per_arm)
    n = units[None, :, None]
    rates = conversions / n
    control, variants = rates[..., :1], rates[..., 1:]
    effect = gaussian_effect(
        control, control * (1 - control), n, variants, variants * (1 - variants), n, relative=True
    )
    bar = required_chance(policy, k)
    candidate = ready[None, :] & (effect.chance_to_win >= bar).any(axis=-1)
    winners = np.full((reps, days), -1, dtype=np.int64)
    cells = np.argwhere(candidate)
    if len(cells) == 0:
        return winners
    conv = conversions[cells[:, 0], cells[:, 1]].astype(float)  # (cells, arms)
    total = units[cells[:, 1]][:, None]
    samples = rng.beta(
        (1 + conv)[..., None], (1 + total - conv)[..., None], size=(*conv.shape, draws)
    )
    summary = best_arm(samples)
    loss = summary.expected_loss / np.maximum(conv[:, :1] / total, 1e-12)
    chance = effect.chance_to_win[cells[:, 0], cells[:, 1]]
    ok = passes(chance, loss[:, 1:], policy, k)
    score = np.where(ok, summary.prob_best[:, 1:], -1.0)
    winners[cells[:, 0], cells[:, 1]] = np.where(ok.any(axis=-1), score.argmax(axis=-1) + 1, -1)
    return winners


def simulate_aa(
    n_arms: int,
    *,
    replications: int = 2000,
    days: int = 28,
    daily_units: int = 2000,
    rate: float = 0.03,
    policy: DecisionPolicy | None = None,
    draws: int = 4000,
    seed: int = 0,
) -> AAResult:
    """Run A/A experiments with a look every day up to ``days`` and count those that ever call a winner.

    Counting any winner over the whole horizon (not stopping at a "no winner" call) is an upper bound on
    what the product would do.
    """
    if n_arms < 2:
        raise InputError(f"n_arms: an A/A experiment needs at least 2 arms, got {n_arms}")
    policy = policy or DecisionPolicy(max_runtime_days=days)
    rng = np.random.default_rng(seed)
    conversions = daily_conversions([rate] * n_arms, replications, days, daily_units, rng)
    winners = winner_by_day(conversions, daily_units, policy, draws=draws, rng=rng)
    false = int((winners >= 0).any(axis=1).sum())
    share = false / replications
    return AAResult(
        n_arms=n_arms,
        replications=replications,
        days=days,
        daily_units_per_arm=daily_units,
        rate=rate,
        false_winners=false,
        false_winner_rate=share,
        standard_error=float(np.sqrt(share * (1 - share) / replications)),
    )


def simulate_calls(
    rates: Sequence[float],
    *,
    replications: int = 1000,
    days: int = 28,
    daily_units: int = 2000,
    policy: DecisionPolicy | None = None,
    draws: int = 4000,
    seed: int = 0,
) -> CallResult:
    """Experiments with true ``rates`` (arm 0 the control) stopped at the first winner call."""
    if len(rates) < 2:
        raise InputError(f"rates: need at least 2 arms, got {len(rates)}")
    policy = policy or DecisionPolicy(max_runtime_days=days)
    rng = np.random.default_rng(seed)
    conversions = daily_conversions(rates, replications, days, daily_units, rng)
    winners = winner_by_day(conversions, daily_units, policy, draws=draws, rng=rng)
    called = (winners >= 0).any(axis=1)
    first_day = np.where(called, (winners >= 0).argmax(axis=1), -1)
    first = np.where(called, winners[np.arange(replications), np.maximum(first_day, 0)], -1)
    best = int(np.argmax(rates))
    correct = (first == best) & (best != 0)
    return CallResult(
        rates=tuple(float(r) for r in rates),
        replications=replications,
        days=days,
        daily_units_per_arm=daily_units,
        correct_rate=float(correct.mean()),
        wrong_rate=float((called & ~correct).mean()),
        median_days_to_call=float(np.median(first_day[called] + 1))
        if called.any()
        else float("nan"),
    )


@dataclass(frozen=True)
class BanditResult:
    """Impressions each policy needed to reach a confident best-arm call, and how often it was right."""

    method: str
    rates: tuple[float, ...]
    replications: int
    median_impressions: float
    mean_impressions: float
    correct_rate: float
    decided_rate: float


def simulate_bandit(
    rates: Sequence[float],
    method: Method,
    *,
    replications: int = 300,
    batch: int = 2000,
    confidence: float = 0.95,
    floor: float = 0.01,
    min_units: int = 100,
    max_impressions: int = 400_000,
    draws: int = 1000,
    seed: int = 0,
) -> BanditResult:
    """Allocate impressions in batches with ``method`` until P(best) ≥ ``confidence`` for some arm.

    Binary outcomes (clicks) with Beta(1, 1) priors, as in the reference study. Experiments that reach
    ``max_impressions`` undecided count with that many impressions (and as incorrect).
    """
    true = np.asarray(rates, dtype=float)
    k = len(true)
    if k < 2:
        raise InputError(f"rates: need at least 2 arms, got {k}")
    rng = np.random.default_rng(seed)
    units = np.zeros((replications, k))
    conv = np.zeros((replications, k))
    spent = np.full(replications, float(max_impressions))
    call = np.full(replications, -1)
    active = np.arange(replications)
    shares = np.full((replications, k), 1.0 / k)
    impressions = 0
    while len(active) and impressions < max_impressions:
        sent = rng.multinomial(batch, shares[active])
        units[active] += sent
        conv[active] += rng.binomial(sent, true)
        impressions += batch
        samples = rng.beta(
            (1 + conv[active])[..., None],
            (1 + units[active] - conv[active])[..., None],
            size=(len(active), k, draws),
        )
        prob_best = best_arm(samples).prob_best
        done = prob_best.max(axis=-1) >= confidence
        spent[active[done]] = impressions
        call[active[done]] = prob_best[done].argmax(axis=-1)
        shares[active] = traffic_shares(
            samples, units[active], method, floor=floor, min_units=min_units
        )
        active = active[~done]
    correct = call == int(true.argmax())
    return BanditResult(
        method=method,
        rates=tuple(float(r) for r in true),
        replications=replications,
        median_impressions=float(np.median(spent)),
        mean_impressions=float(spent.mean()),
        correct_rate=float(correct.mean()),
        decided_rate=float((call >= 0).mean()),
    )
