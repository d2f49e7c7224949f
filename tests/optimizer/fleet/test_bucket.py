"""The token bucket: no rolling window ever holds more calls than the headroom allows."""

from __future__ import annotations

from collections import deque

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer.errors import InputError
from optimizer.fleet.bucket import BucketShape, BucketState, take


def test_the_shape_spends_exactly_the_headroom_in_a_window() -> None:
    shape = BucketShape.for_limit(1000, window=3600.0, headroom=0.9, burst=0.05)
    assert shape.capacity == pytest.approx(45.0)
    assert shape.rate == pytest.approx(855.0 / 3600.0)
    assert shape.most_in(3600.0) == pytest.approx(900.0)


def test_a_tiny_limit_keeps_a_whole_call_of_burst_and_a_positive_rate() -> None:
    shape = BucketShape.for_limit(2)
    assert shape.capacity == 1.0
    assert shape.rate == pytest.approx(0.8 / 3600.0)
    state, wait = take(shape, BucketState(shape.capacity, 0.0), 0.0)
    assert wait == 0.0 and state.tokens == 0.0
    _, wait = take(shape, state, 0.0)
    assert wait == pytest.approx(3600.0 / 0.8)


def test_bad_limits_are_refused() -> None:
    with pytest.raises(InputError, match="app_calls_per_hour"):
        BucketShape.for_limit(1)
    with pytest.raises(InputError, match="leaves no room"):
        BucketShape.for_limit(3, headroom=0.3)


def test_a_pause_holds_every_call_until_it_ends() -> None:
    shape = BucketShape.for_limit(100)
    state = BucketState(shape.capacity, 0.0, paused_until=50.0)
    same, wait = take(shape, state, 20.0)
    assert (same, wait) == (state, 30.0)
    after, wait = take(shape, state, 50.0)
    assert wait == 0.0 and after.tokens == pytest.approx(shape.capacity - 1)


def test_an_empty_bucket_says_how_long_until_the_next_token() -> None:
    shape = BucketShape(capacity=2.0, rate=0.5)
    state = BucketState(0.25, 10.0)
    _, wait = take(shape, state, 10.0)
    assert wait == pytest.approx(0.75 / 0.5)


@settings(max_examples=60, deadline=None)
@given(
    limit=st.integers(min_value=5, max_value=400),
    gaps=st.lists(st.floats(min_value=0.0, max_value=120.0), min_size=1, max_size=400),
)
def test_greedy_callers_never_exceed_the_limit_in_any_rolling_hour(
    limit: int, gaps: list[float]
) -> None:
    """Callers who take a token whenever one is free, with arbitrary pauses between them."""
    shape = BucketShape.for_limit(limit)
    state, now = BucketState(shape.capacity, 0.0), 0.0
    window: deque[float] = deque()
    for gap in gaps:
        now += gap
        state, wait = take(shape, state, now)
        if wait > 0:
            now += wait
            state, wait = take(shape, state, now)
        assert wait == 0.0
        window.append(now)
        while window[0] <= now - 3600.0:
            window.popleft()
        assert len(window) <= 0.9 * limit + 1e-9


def test_a_batch_takes_a_token_per_request_and_a_huge_one_leaves_a_debt() -> None:
    shape = BucketShape(capacity=10.0, rate=1.0)
    state, wait = take(shape, BucketState(10.0, 0.0), 0.0, calls=4)
    assert wait == 0.0 and state.tokens == 6.0
    _, wait = take(shape, state, 0.0, calls=8)
    assert wait == pytest.approx(2.0)
    state, wait = take(shape, BucketState(10.0, 0.0), 0.0, calls=50)
    assert wait == 0.0 and state.tokens == -40.0
    _, wait = take(shape, state, 0.0)
    assert wait == pytest.approx(41.0)
