"""Budgets from shares: exact totals in minor units; capped steps that keep the total."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from experiments.budgets import limit_changes, protect_control, split_budget
from optimizer.errors import InputError


def test_split_budget_sums_exactly() -> None:
    assert split_budget(40_000, {"a": 1, "b": 1, "c": 1}) == {"a": 13_334, "b": 13_333, "c": 13_333}
    budgets = split_budget(10_001, {"a": 0.61, "b": 0.2, "c": 0.19})
    assert sum(budgets.values()) == 10_001 and budgets == {"a": 6101, "b": 2000, "c": 1900}
    with pytest.raises(InputError, match="daily_budget"):
        split_budget(-1, {"a": 1.0})
    with pytest.raises(InputError, match="shares"):
        split_budget(100, {"a": 0.0})


def test_limit_changes_moves_at_most_the_cap_and_keeps_the_total() -> None:
    previous = {"a": 10_000, "b": 10_000, "c": 10_000, "d": 10_000}
    target = split_budget(40_000, {"a": 0.05, "b": 0.45, "c": 0.05, "d": 0.45})
    capped = limit_changes(previous, target, 0.2)
    assert capped == {"a": 8_000, "b": 12_000, "c": 8_000, "d": 12_000}
    # a second night moves further along the same way
    again = limit_changes(capped, target, 0.2)
    assert again == {"a": 6_400, "b": 13_600, "c": 6_400, "d": 13_600}


def test_new_arms_are_free_and_removed_arms_fall_back_to_the_target() -> None:
    capped = limit_changes({"a": 10_000, "b": 10_000}, {"a": 9_000, "b": 9_000, "new": 2_000}, 0.2)
    assert capped == {"a": 9_000, "b": 9_000, "new": 2_000}
    # an arm was retired: the others cannot absorb its budget within 20%, so the total wins
    target = {"a": 20_000, "b": 20_000}
    assert limit_changes({"a": 10_000, "b": 10_000}, target, 0.2) == target
    with pytest.raises(InputError, match="max_change"):
        limit_changes({}, target, 0.0)


@given(
    st.lists(st.integers(1_000, 100_000), min_size=2, max_size=12),
    st.integers(0, 2**32 - 1),
    st.floats(0.05, 0.5),
)
def test_limit_changes_properties(previous: list[int], seed: int, cap: float) -> None:
    names = [f"arm{i}" for i in range(len(previous))]
    before = dict(zip(names, previous, strict=True))
    shares = np.random.default_rng(seed).dirichlet(np.ones(len(names)))
    target = split_budget(sum(previous), dict(zip(names, shares, strict=True)))
    after = limit_changes(before, target, cap)
    assert sum(after.values()) == sum(previous)
    for name in names:
        assert before[name] * (1 - cap) - 1 <= after[name] <= before[name] * (1 + cap) + 1e-9
    # the step brings the split closer to the target, never further
    distance = sum(abs(after[n] - target[n]) for n in names)
    assert distance <= sum(abs(before[n] - target[n]) for n in names)


def test_protect_control_raises_the_control_and_keeps_the_others_proportions() -> None:
    shares = {"control": 0.05, "a": 0.45, "b": 0.45, "c": 0.05}
    protected = protect_control(shares, "control", 0.25)
    assert protected["control"] == 0.25
    assert sum(protected.values()) == pytest.approx(1.0)
    assert protected["a"] / protected["c"] == pytest.approx(9.0)
    assert protect_control(shares, "a", 0.25) == pytest.approx(shares)  # already above
    with pytest.raises(InputError, match="control"):
        protect_control(shares, "zz", 0.25)
    with pytest.raises(InputError, match="control_share"):
        protect_control(shares, "control", 1.0)
