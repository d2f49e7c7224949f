"""Largest-remainder rounding: exact totals, bounds and group limits, at most one unit from the value."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer.allocation import round_grouped, round_to_total


def test_largest_remainders_get_the_missing_units() -> None:
    out = round_to_total(np.array([1.6, 2.3, 3.1]), np.zeros(3), np.full(3, 10), 7)
    assert list(out) == [2, 2, 3]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 1000), min_size=1, max_size=30), st.integers(0, 10_000))
def test_rounding_is_exact_and_within_bounds(values: list[float], seed: int) -> None:
    rng = np.random.default_rng(seed)
    v = np.asarray(values)
    lo = np.floor(v * rng.uniform(0.5, 1.0, v.size)).astype(np.int64)
    hi = np.ceil(v * rng.uniform(1.0, 1.5, v.size)).astype(np.int64)
    target = int(np.clip(round(v.sum()), lo.sum(), hi.sum()))
    out = round_to_total(v, lo, hi, target)
    assert out.sum() == target
    assert np.all(out >= lo) and np.all(out <= hi)
    if target == round(v.sum()):
        assert np.all(np.abs(out - v) < 1 + 1e-9)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(1, 500), min_size=2, max_size=20), st.integers(0, 10_000))
def test_grouped_rounding_keeps_group_limits(values: list[float], seed: int) -> None:
    rng = np.random.default_rng(seed)
    v = np.asarray(values)
    group = rng.integers(-1, 2, v.size)
    lo, hi = np.floor(v * 0.8).astype(np.int64), np.ceil(v * 1.2).astype(np.int64)
    sums = np.array([v[group == g].sum() for g in range(2)])
    g_lo, g_hi = np.floor(sums * 0.99), np.ceil(sums * 1.01) + 0.5
    target = int(round(v.sum()))
    target = int(np.clip(target, lo.sum(), hi.sum()))
    out = round_grouped(v, lo, hi, target, group, g_lo, g_hi)
    singles = group < 0
    low, high = lo[singles].sum(), hi[singles].sum()
    for g in range(2):
        m = group == g
        low += max(np.ceil(g_lo[g]), lo[m].sum())
        high += max(max(np.ceil(g_lo[g]), lo[m].sum()), min(np.floor(g_hi[g]), hi[m].sum()))
    assert out.sum() == np.clip(target, low, high)
    assert np.all(out >= lo) and np.all(out <= hi)
    for g in range(2):
        members = group == g
        if members.any():
            total = out[members].sum()
            assert max(np.ceil(g_lo[g]), lo[members].sum()) <= total
            assert total <= min(np.floor(g_hi[g]), hi[members].sum())
