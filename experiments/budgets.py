"""Turning traffic shares into the arms' daily budgets: exact integer minor units, gentle steps.

* :func:`split_budget`: shares to integer minor units that add up to the total exactly (largest
  remainder), so the experiment never spends more or less than the client approved.
* :func:`limit_changes`: each arm's budget moves at most ``max_change`` (relative) per step. On Meta a
  budget edit beyond about 20% is a "significant edit" that sends the ad set back into the learning phase,
  where it converts worse; an experiment that reweights every night would otherwise keep its arms there
  and measure learning instead of the creative.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from optimizer.errors import InputError

__all__ = ["limit_changes", "protect_control", "split_budget"]


def split_budget(total_minor: int, shares: Mapping[str, float]) -> dict[str, int]:
    """Integer minor units per arm summing exactly to ``total_minor`` (largest remainder)."""
    if total_minor < 0:
        raise InputError(f"daily_budget must not be negative, got {total_minor}")
    weights = np.array([max(float(s), 0.0) for s in shares.values()])
    if not len(weights) or weights.sum() <= 0:
        raise InputError("shares: need at least one arm with a positive share")
    exact = total_minor * weights / weights.sum()
    floor = np.floor(exact).astype(np.int64)
    left = int(total_minor - floor.sum())
    order = np.argsort(-(exact - floor), kind="stable")
    floor[order[:left]] += 1
    return {arm: int(v) for arm, v in zip(shares, floor, strict=True)}


def limit_changes(
    previous: Mapping[str, int], target: Mapping[str, int], max_change: float
) -> dict[str, int]:
    """``target`` budgets moved toward from ``previous`` by at most ``max_change`` each, same total.

    Arms without a previous budget (new arms) are unconstrained. Each arm is clipped to its band, then the
    surplus or shortfall goes to the arms with room, in proportion to it. If the bands cannot hold the
    total (arms were removed), ``target`` is returned unchanged: the total budget comes first.
    """
    if not 0 < max_change:
        raise InputError(f"max_change must be positive, got {max_change}")
    total = sum(target.values())
    low, high = {}, {}
    for arm in target:
        before = previous.get(arm, 0)
        if before <= 0:
            low[arm], high[arm] = 0, total
        else:
            low[arm] = math.ceil(before * (1 - max_change))
            high[arm] = math.floor(before * (1 + max_change))
    if sum(low.values()) > total or sum(high.values()) < total:
        return dict(target)
    budget = {a: min(max(target[a], low[a]), high[a]) for a in target}
    for _ in range(len(target) + 1):
        gap = total - sum(budget.values())
        if gap == 0:
            break
        room = {
            a: (high[a] - budget[a]) if gap > 0 else (budget[a] - low[a])
            for a in budget
            if (budget[a] < high[a] if gap > 0 else budget[a] > low[a])
        }
        space = sum(room.values())
        step = {a: int(abs(gap) * r // space) for a, r in room.items()}
        left = abs(gap) - sum(step.values())
        for a in sorted(room, key=lambda a: -(room[a] - step[a])):
            if left == 0:
                break
            if step[a] < room[a]:
                step[a] += 1
                left -= 1
        sign = 1 if gap > 0 else -1
        for a, s in step.items():
            budget[a] += sign * s
    return budget


def protect_control(shares: Mapping[str, float], control: str, minimum: float) -> dict[str, float]:
    """Shares with the control raised to at least ``minimum``, the other arms scaled down to make room.

    Why: the stopping rule compares every variant with the *control*, so the control's precision bounds
    how soon a winner can be called; best-arm samplers (top-two Thompson) starve a poor control down to
    the floor and the call waits on it.
    """
    if not 0.0 <= minimum < 1.0:
        raise InputError(f"control_share must be in [0, 1), got {minimum}")
    if control not in shares:
        raise InputError(f"control: {control!r} has no traffic share")
    total = sum(shares.values())
    current = shares[control] / total
    if current >= minimum:
        return {a: s / total for a, s in shares.items()}
    rest = total - shares[control]
    scale = (1.0 - minimum) / rest if rest > 0 else 0.0
    return {a: (minimum if a == control else s * scale) for a, s in shares.items()}
