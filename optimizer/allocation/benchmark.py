"""Benchmark helpers: water-filling against SLSQP on the same curves, and allocation timing.

PyMC-Marketing optimises budgets with ``scipy.optimize.minimize(method="SLSQP")`` over all channels at once.
:func:`compare_with_slsqp` solves the same problem both ways so the benchmark (and a test) can check that
water-filling's objective is at least as good and report the speed ratio. :func:`random_curves` draws a
reproducible problem of any size; :func:`time_allocation` times the water-filling solver on it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from optimizer.allocation.curves import Curves
from optimizer.allocation.waterfill import water_fill

__all__ = ["Comparison", "Problem", "compare_with_slsqp", "random_problem", "time_allocation"]


@dataclass(frozen=True)
class Problem:
    """Curves with bounds and a total: one allocation problem."""

    curves: Curves
    lo: np.ndarray
    hi: np.ndarray
    total: float


@dataclass(frozen=True)
class Comparison:
    """Objectives and wall times of both solvers on one problem."""

    n: int
    waterfill_objective: float
    slsqp_objective: float
    waterfill_seconds: float
    slsqp_seconds: float
    slsqp_success: bool

    @property
    def relative_gap(self) -> float:
        """(water-filling - SLSQP) / |SLSQP|: >= 0 means water-filling is at least as good."""
        return (self.waterfill_objective - self.slsqp_objective) / max(
            abs(self.slsqp_objective), 1e-12
        )

    @property
    def speedup(self) -> float:
        return self.slsqp_seconds / max(self.waterfill_seconds, 1e-12)


def random_problem(
    n: int, *, seed: int = 0, max_change: float = 0.2, cost: float = 0.0, slack: float = 1.0
) -> Problem:
    """A reproducible problem: ``n`` ad sets around $100/day, bounds +-``max_change``, total = ``slack`` x
    the current total (``cost`` 1 makes it a profit problem with a cap)."""
    rng = np.random.default_rng(seed)
    current = 100.0 * np.exp(rng.normal(0.0, 0.6, n))
    curves = Curves(
        scale=current / 30.0 * np.exp(rng.normal(0.0, 0.4, n)),
        elasticity=np.clip(rng.normal(0.6, 0.15, n), 0.1, 0.95),
        reference=current,
        value=np.full(n, 40.0),
        cost=cost,
    )
    return Problem(
        curves, current * (1 - max_change), current * (1 + max_change), slack * current.sum()
    )


def _slsqp(problem: Problem) -> tuple[np.ndarray, bool]:
    c = problem.curves
    scale = problem.total / c.size  # work in units of the mean budget: better conditioned

    def negative(z: np.ndarray) -> float:
        return -c.objective(z * scale) / scale

    def gradient(z: np.ndarray) -> np.ndarray:
        return np.asarray(-(c.marginal(z * scale) - c.cost))

    start = np.clip(problem.lo + (problem.hi - problem.lo) / 2.0, problem.lo, problem.hi) / scale
    kind = "eq" if c.cost == 0 else "ineq"
    constraint = {
        "type": kind,
        "fun": lambda z: problem.total / scale - float(np.sum(z)),
        "jac": lambda z: -np.ones_like(z),
    }
    result = minimize(
        negative,
        start,
        jac=gradient,
        bounds=list(zip(problem.lo / scale, problem.hi / scale, strict=True)),
        constraints=[constraint],
        method="SLSQP",
        options={"maxiter": 1000, "ftol": 1e-12},
    )
    spend = np.clip(result.x * scale, problem.lo, problem.hi)
    excess = spend.sum() - problem.total
    if excess > 0:  # SLSQP meets constraints only to tolerance: scale back into the feasible set
        room = spend - problem.lo
        spend = spend - room * min(1.0, excess / max(room.sum(), 1e-300))
    return spend, bool(result.success)


def compare_with_slsqp(problem: Problem) -> Comparison:
    """Solve ``problem`` by water-filling and by SLSQP; both answers are made feasible before scoring."""
    start = time.perf_counter()
    ours = water_fill(problem.curves, problem.lo, problem.hi, problem.total).spend
    ours_seconds = time.perf_counter() - start
    start = time.perf_counter()
    theirs, success = _slsqp(problem)
    theirs_seconds = time.perf_counter() - start
    return Comparison(
        n=problem.curves.size,
        waterfill_objective=problem.curves.objective(ours),
        slsqp_objective=problem.curves.objective(theirs),
        waterfill_seconds=ours_seconds,
        slsqp_seconds=theirs_seconds,
        slsqp_success=success,
    )


def time_allocation(n: int, *, repeats: int = 5, seed: int = 0) -> float:
    """Best-of-``repeats`` wall time (seconds) of water-filling ``n`` ad sets."""
    problem = random_problem(n, seed=seed)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        water_fill(problem.curves, problem.lo, problem.hi, problem.total)
        best = min(best, time.perf_counter() - start)
    return best
