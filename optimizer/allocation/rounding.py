"""Largest-remainder rounding to whole minor units that keeps every sum and bound exact.

Rounding each budget to the nearest cent can break the total by a few cents and push a budget past its
bound. Here each value is floored (within its integer bounds) and the missing units go one at a time to the
largest fractional remainders (or are taken from the smallest), so the total is met to the unit. With
groups (a campaign's limit over its ad sets) the group totals are rounded first, then the members within
each group, so group limits hold exactly too.
"""

from __future__ import annotations

import numpy as np

__all__ = ["round_grouped", "round_to_total"]


def round_to_total(values: np.ndarray, lo: np.ndarray, hi: np.ndarray, target: int) -> np.ndarray:
    """Integers in [lo, hi] summing to ``target``, each as close to its value as the sum allows."""
    values = np.asarray(values, dtype=float)
    lo = np.asarray(lo, dtype=np.int64)
    hi = np.asarray(hi, dtype=np.int64)
    if lo.sum() > target or hi.sum() < target:
        raise ValueError(f"rounding: target {target} outside [{lo.sum()}, {hi.sum()}]")
    out = np.clip(np.floor(values + 1e-9).astype(np.int64), lo, hi)
    deficit = int(target - out.sum())
    while abs(deficit) > 0:
        # a deficit larger than the units with room is first spread evenly, in bulk
        room = (hi - out) if deficit > 0 else (out - lo)
        open_ = room > 0
        n_open = int(open_.sum())
        if abs(deficit) < n_open:
            break
        step = min(abs(deficit) // n_open, int(room[open_].min()))
        out[open_] += step if deficit > 0 else -step
        deficit = int(target - out.sum())
    while deficit != 0:
        if deficit > 0:
            room = out < hi
            priority = np.where(room, values - out, -np.inf)
        else:
            room = out > lo
            priority = np.where(room, out - values, -np.inf)
        count = min(abs(deficit), int(room.sum()))
        chosen = np.argsort(-priority, kind="stable")[:count]
        out[chosen] += 1 if deficit > 0 else -1
        deficit = int(target - out.sum())
    return out


def round_grouped(
    values: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    target: int,
    group: np.ndarray,
    group_lo: np.ndarray,
    group_hi: np.ndarray,
) -> np.ndarray:
    """:func:`round_to_total` where units with ``group[i] = g >= 0`` also sum within [group_lo, group_hi].

    A ``target`` outside what the group limits allow is moved to the nearest total they allow.
    """
    values = np.asarray(values, dtype=float)
    lo = np.asarray(lo, dtype=np.int64)
    hi = np.asarray(hi, dtype=np.int64)
    n_groups = len(group_lo)
    if n_groups == 0 or not np.any(group >= 0):
        return round_to_total(values, lo, hi, target)
    singles = np.flatnonzero(group < 0)
    gi = np.where(group >= 0, group, 0)
    member = group >= 0
    g_val = np.bincount(gi, weights=np.where(member, values, 0.0), minlength=n_groups)
    g_sum_lo = np.bincount(gi, weights=np.where(member, lo, 0), minlength=n_groups).astype(np.int64)
    g_sum_hi = np.bincount(gi, weights=np.where(member, hi, 0), minlength=n_groups).astype(np.int64)
    g_lo = np.clip(np.ceil(np.asarray(group_lo, dtype=float) - 1e-9), g_sum_lo, g_sum_hi)
    g_hi = np.clip(np.floor(np.asarray(group_hi, dtype=float) + 1e-9), g_lo, g_sum_hi)
    block_val = np.concatenate([values[singles], g_val])
    block_lo = np.concatenate([lo[singles], g_lo.astype(np.int64)])
    block_hi = np.concatenate([hi[singles], g_hi.astype(np.int64)])
    target = int(
        np.clip(target, block_lo.sum(), block_hi.sum())
    )  # group limits may narrow the range
    blocks = round_to_total(block_val, block_lo, block_hi, target)
    out = np.empty(values.shape[0], dtype=np.int64)
    out[singles] = blocks[: singles.size]
    order = np.argsort(group, kind="stable")
    starts = np.searchsorted(group[order], np.arange(n_groups + 1))
    for g in range(n_groups):
        members = order[starts[g] : starts[g + 1]]
        if members.size:
            out[members] = round_to_total(
                values[members], lo[members], hi[members], int(blocks[singles.size + g])
            )
    return out
