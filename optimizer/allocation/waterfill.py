"""Water-filling: the exact optimum of concave separable curves under a total, bounds and group limits.

For concave curves the optimum equalises marginal value: every unit strictly inside its bounds has the same
marginal gain ``mu`` (the Lagrange multiplier of the total plus the spend cost), units at a bound have a
larger (at hi) or smaller (at lo) one. Given ``mu`` each unit's spend is a closed form clipped to its bounds,
and the total spend falls as ``mu`` rises, so a bisection on ``log mu`` finds the multiplier that meets the
total. Groups of units with their own limits (a campaign's min/max over its ad sets' budgets) get their own
multiplier, found by the same bisection for all groups at once. Every step is vectorised numpy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optimizer.allocation.curves import Curves

__all__ = ["Solution", "water_fill"]

_ITERATIONS = 200
_GROUP_ITERATIONS = 64  # a log-multiplier range of 160 halved 64 times: ~1e-17


@dataclass(frozen=True)
class Solution:
    """Continuous optimum: spend per unit, the multiplier, and whether the total could be met."""

    spend: np.ndarray
    multiplier: float
    status: str  # "optimal", "total_below_minimum", "total_above_maximum", "below_total_by_choice"


def _same(a: float, b: float) -> bool:
    """Equal up to float noise (money must not hide a cent in a loose relative tolerance)."""
    return abs(a - b) <= 1e-12 * max(1.0, abs(b)) + 1e-9


def _unit_spend(curves: Curves, level: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return np.asarray(np.clip(curves.spend_at(level), lo, hi), dtype=float)


def _group_spend(
    curves: Curves,
    log_level: float,
    lo: np.ndarray,
    hi: np.ndarray,
    group: np.ndarray,
    n_groups: int,
    group_lo: np.ndarray,
    group_hi: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Spend per unit at the global multiplier, with limited groups solved at their own multiplier."""
    level = np.full(curves.size, np.exp(log_level))
    spend = _unit_spend(curves, level, lo, hi)
    if n_groups == 0:
        return spend, level
    grouped = group >= 0
    gi = group[grouped]
    totals = np.bincount(gi, weights=spend[grouped], minlength=n_groups)
    target = np.clip(totals, group_lo, group_hi)
    off = ~np.isclose(totals, target, rtol=1e-12, atol=1e-9)
    if not off.any():
        return spend, level
    # bisection on each off-target group's own log multiplier, all groups at once
    low = np.full(n_groups, log_level)
    high = np.full(n_groups, log_level)
    over = totals > target  # needs a higher multiplier
    high = np.where(off & over, log_level + 80.0, high)
    low = np.where(off & ~over, log_level - 80.0, low)
    sub = curves.take(np.flatnonzero(grouped))
    lo_g, hi_g = lo[grouped], hi[grouped]
    for _ in range(_GROUP_ITERATIONS):
        mid = (low + high) / 2.0
        s = _unit_spend(sub, np.exp(mid[gi]), lo_g, hi_g)
        t = np.bincount(gi, weights=s, minlength=n_groups)
        too_much = t > target
        low = np.where(off & too_much, mid, low)
        high = np.where(off & ~too_much, mid, high)
    own = np.where(off, (low + high) / 2.0, log_level)
    level[grouped] = np.exp(own[gi])
    spend[grouped] = _unit_spend(sub, level[grouped], lo_g, hi_g)
    return spend, level


def water_fill(
    curves: Curves,
    lo: np.ndarray,
    hi: np.ndarray,
    total: float,
    *,
    group: np.ndarray | None = None,
    group_lo: np.ndarray | None = None,
    group_hi: np.ndarray | None = None,
) -> Solution:
    """Maximise ``sum v_i(s_i)`` subject to ``sum s_i <= total`` (``== total`` when ``curves.cost == 0``),
    ``lo <= s <= hi`` and, for units with ``group[i] = g >= 0``, ``group_lo[g] <= sum_g s <= group_hi[g]``.

    Group limits are first made consistent with their units' bounds. If even the lowest allowed spend
    exceeds ``total`` every unit is at its lowest ("total_below_minimum"); if a spend-all objective cannot
    reach the total every unit is at its highest ("total_above_maximum").
    """
    lo = np.asarray(lo, dtype=float)
    hi = np.maximum(np.asarray(hi, dtype=float), lo)
    if group is None:
        group = np.full(curves.size, -1)
    n_groups = int(group.max(initial=-1)) + 1
    if n_groups:
        assert group_lo is not None and group_hi is not None
        gi = np.where(group >= 0, group, 0)
        member = (group >= 0).astype(float)
        sum_lo = np.bincount(gi, weights=lo * member, minlength=n_groups)
        with np.errstate(invalid="ignore"):
            sum_hi = np.bincount(gi, weights=np.where(member > 0, hi, 0.0), minlength=n_groups)
        g_lo = np.clip(np.asarray(group_lo, dtype=float), sum_lo, sum_hi)
        g_hi = np.clip(np.asarray(group_hi, dtype=float), g_lo, sum_hi)
    else:
        g_lo = g_hi = np.zeros(0)

    def spend_at(log_level: float) -> np.ndarray:
        return _group_spend(curves, log_level, lo, hi, group, n_groups, g_lo, g_hi)[0]

    grouped = group >= 0
    g_index = group[grouped]

    def total_at(log_level: float) -> float:
        """Total spend at a multiplier: a limited group's total is its own clipped sum, so the
        groups' inner multipliers are only needed once, for the final answer."""
        spend = _unit_spend(curves, np.full(curves.size, np.exp(log_level)), lo, hi)
        if n_groups == 0:
            return float(spend.sum())
        sums = np.bincount(g_index, weights=spend[grouped], minlength=n_groups)
        return float(spend[~grouped].sum() + np.clip(sums, g_lo, g_hi).sum())

    floor_spend = spend_at(80.0)  # every unit (and group) at its lowest allowed spend
    if floor_spend.sum() >= total:
        status = "optimal" if _same(floor_spend.sum(), total) else "total_below_minimum"
        return Solution(floor_spend, float("inf"), status)
    if curves.cost > 0:
        free = spend_at(float(np.log(curves.cost)))
        if free.sum() <= total:
            return Solution(free, float(curves.cost), "below_total_by_choice")
        low_bound = float(np.log(curves.cost))
    else:
        ceiling = spend_at(-80.0)
        if ceiling.sum() <= total:
            status = "optimal" if _same(ceiling.sum(), total) else "total_above_maximum"
            return Solution(ceiling, 0.0, status)
        low_bound = -80.0
    low, high = low_bound, 80.0
    for _ in range(_ITERATIONS):
        mid = (low + high) / 2.0
        if total_at(mid) > total:
            low = mid
        else:
            high = mid
        if high - low < 1e-13:
            break
    spend = spend_at(high)  # the feasible side: total spend <= total
    return Solution(spend, float(np.exp(high)), "optimal")
