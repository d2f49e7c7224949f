"""Budget allocation over fitted response curves (pure: posteriors and a policy in, budgets out)."""

from optimizer.allocation.allocate import COLUMNS, allocate, as_policy, objective_terms
from optimizer.allocation.benchmark import (
    Comparison,
    Problem,
    compare_with_slsqp,
    random_problem,
    time_allocation,
)
from optimizer.allocation.curves import Curves, PosteriorArrays, draw_curves, risk_curves
from optimizer.allocation.rounding import round_grouped, round_to_total
from optimizer.allocation.waterfill import Solution, water_fill

__all__ = [
    "COLUMNS",
    "Comparison",
    "Curves",
    "PosteriorArrays",
    "Problem",
    "Solution",
    "allocate",
    "as_policy",
    "compare_with_slsqp",
    "draw_curves",
    "objective_terms",
    "random_problem",
    "risk_curves",
    "round_grouped",
    "round_to_total",
    "time_allocation",
    "water_fill",
]
