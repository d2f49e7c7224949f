"""The proportional split behind campaign limits and the total: exact integers, deterministic ties."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from budgets.guardrails.sums import share


def test_split_is_proportional_to_slack() -> None:
    assert share({1: 800, 2: 600, 3: 200}, 600, {1: "a", 2: "b", 3: "c"}) == {1: 300, 2: 225, 3: 75}


def test_leftover_units_go_to_the_largest_remainders_then_the_smallest_id() -> None:
    # 7 over slacks 8 and 4: exact shares 4.67 and 2.33, the leftover unit goes to the larger remainder
    assert share({1: 8, 2: 4}, 7, {1: "a", 2: "b"}) == {1: 5, 2: 2}
    # equal claims: ties by id, whatever the insertion order
    assert share({3: 100, 2: 100, 1: 100}, 1, {3: "c", 2: "b", 1: "a"}) == {3: 0, 2: 0, 1: 1}


def test_asking_for_more_than_the_slack_takes_all_of_it() -> None:
    assert share({1: 5, 2: 7}, 100, {1: "a", 2: "b"}) == {1: 5, 2: 7}


@given(
    st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=20),
    st.integers(0, 10**10),
)
def test_parts_sum_exactly_and_never_exceed_a_slack(slacks: list[int], amount: int) -> None:
    slack = dict(enumerate(slacks))
    parts = share(slack, amount, {i: f"id{i:02d}" for i in slack})
    assert sum(parts.values()) == min(amount, sum(slacks))
    assert all(0 <= parts[i] <= slack[i] for i in slack)
