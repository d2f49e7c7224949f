"""The app budget in PostgreSQL: two workers draw from one bucket and see each other's pauses."""

from __future__ import annotations

import pytest

from optimizer.fleet import BucketShape
from optimizer.fleet.bucket import take
from optimizer.fleet.budget import LocalBudget, PostgresBudget


@pytest.mark.postgres
def test_two_workers_share_one_bucket(pg_session_url: str) -> None:
    shape = BucketShape(capacity=3.0, rate=1e-6)  # three calls, then hardly any refill
    naps: list[float] = []
    one = PostgresBudget(pg_session_url, "shared-test", shape, sleep=naps.append)
    two = PostgresBudget(pg_session_url, "shared-test", shape, sleep=naps.append)
    try:
        assert [one.acquire(), two.acquire(), one.acquire()] == [0.0, 0.0, 0.0]
        assert naps == []
        wait = two._update(lambda state, now: take(shape, state, now))
        assert wait > 1e5  # the fourth call waits for a token that the others took
    finally:
        one.close()
        two.close()


@pytest.mark.postgres
def test_a_pause_by_one_worker_holds_the_other(pg_session_url: str) -> None:
    one = PostgresBudget(pg_session_url, "pause-test", None)
    two = PostgresBudget(pg_session_url, "pause-test", None)
    try:
        assert two._update(lambda state, now: take(None, state, now)) == 0.0
        one.pause(120.0)
        wait = two._update(lambda state, now: take(None, state, now))
        assert 119.0 < wait <= 120.0
    finally:
        one.close()
        two.close()


def test_a_local_budget_waits_out_a_pause_in_api_seconds() -> None:
    budget = LocalBudget(None, time_scale=100.0)  # a sandbox clock 100 times faster than the wall
    budget.pause(50.0)
    assert budget.acquire() == pytest.approx(50.0, abs=1.0)
    assert budget.acquire() == 0.0
