"""Water-filling: closed forms, KKT conditions, group limits, and SLSQP on the same curves."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.allocation import Curves, compare_with_slsqp, random_problem, water_fill


def _curves(scale, elasticity, reference, cost=0.0) -> Curves:
    n = len(scale)
    return Curves(np.asarray(scale, float), np.asarray(elasticity, float),
                  np.asarray(reference, float), np.ones(n), cost)  # fmt: skip


def test_equal_elasticities_have_the_closed_form_split() -> None:
    # v_i = K_i (s/r_i)^b: optimum s_i proportional to (K_i r_i^-b)^(1/(1-b))
    k, r, b = np.array([2.0, 5.0, 1.0]), np.array([10.0, 40.0, 5.0]), 0.5
    sol = water_fill(_curves(k, [b] * 3, r), np.zeros(3), np.full(3, 1e9), 100.0)
    weights = (k * r**-b) ** (1 / (1 - b))
    np.testing.assert_allclose(sol.spend, 100.0 * weights / weights.sum(), rtol=1e-9)
    assert sol.status == "optimal"


def test_kkt_interior_marginals_equal_and_bound_units_on_the_right_side() -> None:
    problem = random_problem(50, seed=3, max_change=0.2)
    sol = water_fill(problem.curves, problem.lo, problem.hi, problem.total)
    marginal = problem.curves.marginal(sol.spend)
    inside = (sol.spend > problem.lo + 1e-9) & (sol.spend < problem.hi - 1e-9)
    assert inside.sum() >= 2
    np.testing.assert_allclose(marginal[inside], marginal[inside][0], rtol=1e-8)
    level = marginal[inside][0]
    assert np.all(marginal[sol.spend >= problem.hi - 1e-9] >= level * (1 - 1e-8))
    assert np.all(marginal[sol.spend <= problem.lo + 1e-9] <= level * (1 + 1e-8))
    assert sol.spend.sum() == pytest.approx(problem.total, rel=1e-12)


def test_profit_stops_where_marginal_return_equals_cost() -> None:
    curves = _curves([10.0, 10.0], [0.5, 0.5], [100.0, 100.0], cost=1.0)
    curves = Curves(curves.scale, curves.elasticity, curves.reference, np.full(2, 4.0), 1.0)
    sol = water_fill(curves, np.zeros(2), np.full(2, 1e6), 1e6)
    assert sol.status == "below_total_by_choice"
    np.testing.assert_allclose(curves.marginal(sol.spend), 1.0, rtol=1e-9)


def test_infeasible_totals_get_as_close_as_allowed() -> None:
    curves = _curves([1.0, 1.0], [0.5, 0.5], [10.0, 10.0])
    low = water_fill(curves, np.array([8.0, 8.0]), np.array([12.0, 12.0]), 10.0)
    assert low.status == "total_below_minimum"
    np.testing.assert_allclose(low.spend, [8.0, 8.0])
    high = water_fill(curves, np.array([8.0, 8.0]), np.array([12.0, 12.0]), 30.0)
    assert high.status == "total_above_maximum"
    np.testing.assert_allclose(high.spend, [12.0, 12.0])


def test_group_limits_hold_and_members_share_their_own_multiplier() -> None:
    problem = random_problem(30, seed=5, max_change=0.5)
    group = np.where(np.arange(30) < 10, 0, -1)
    unconstrained = water_fill(problem.curves, problem.lo, problem.hi, problem.total)
    cap = 0.9 * unconstrained.spend[:10].sum()
    sol = water_fill(problem.curves, problem.lo, problem.hi, problem.total, group=group,
                     group_lo=np.array([0.0]), group_hi=np.array([cap]))  # fmt: skip
    assert sol.spend[:10].sum() == pytest.approx(cap, rel=1e-9)
    assert sol.spend.sum() == pytest.approx(problem.total, rel=1e-9)
    assert problem.curves.objective(sol.spend) <= problem.curves.objective(unconstrained.spend)
    m = problem.curves.marginal(sol.spend)
    inside = (sol.spend > problem.lo + 1e-9) & (sol.spend < problem.hi - 1e-9)
    grouped, free = inside & (group == 0), inside & (group < 0)
    np.testing.assert_allclose(m[grouped], m[grouped][0], rtol=1e-6)
    np.testing.assert_allclose(m[free], m[free][0], rtol=1e-6)
    assert m[grouped][0] > m[free][0]  # the cap binds: its members would use more


@pytest.mark.parametrize(("cost", "slack"), [(0.0, 1.0), (0.0, 0.9), (1.0, 1.0)])
def test_waterfill_is_at_least_as_good_as_slsqp_at_100_adsets(cost: float, slack: float) -> None:
    comparison = compare_with_slsqp(random_problem(100, seed=11, cost=cost, slack=slack))
    assert comparison.waterfill_objective >= comparison.slsqp_objective - 1e-6 * abs(
        comparison.slsqp_objective
    )
