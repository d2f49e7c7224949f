"""The fan-out driver: throttled accounts come back later, failures stay alone, costs add up."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from optimizer.fleet import AccountJob, AccountResult, InProcess, Outcome, run_fleet

NIGHT = date(2026, 3, 1)


def jobs(*accounts: str) -> list[AccountJob]:
    # 1e6 API seconds per real second: a 3600 s regain time is 3.6 ms here
    return [AccountJob(a, NIGHT, "sqlite:///unused.db", time_scale=1e6) for a in accounts]


def run(task, accounts: list[AccountJob], **kwargs):
    executor = InProcess(task)
    try:
        return run_fleet(executor, accounts, **kwargs)
    finally:
        executor.close()


@pytest.fixture(autouse=True)
def _no_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("optimizer.fleet.run.prepare", lambda job: None)


def test_a_throttled_account_is_deferred_and_its_costs_add_up() -> None:
    calls: Counter[str] = Counter()
    order: list[str] = []

    def task(job: AccountJob) -> AccountResult:
        calls[job.account_id] += 1
        order.append(job.account_id)
        if job.account_id == "act_1" and calls["act_1"] < 3:
            return AccountResult(
                "act_1", Outcome.THROTTLED, api_calls=5, throttles=1, retry_after=600.0,
                reason="throttled (code 80000)",
            )  # fmt: skip
        return AccountResult(job.account_id, Outcome.OK, api_calls=18, changes_applied=3)

    report = run(task, jobs("act_1", "act_2", "act_3"))
    assert report.ok
    assert [r.account_id for r in report.results] == ["act_1", "act_2", "act_3"]
    first = report.results[0]
    assert (first.attempts, first.api_calls, first.throttles) == (3, 5 + 5 + 18, 2)
    assert first.throttle_wait == pytest.approx(1200.0)
    assert order.index("act_2") < order.index("act_1", 1)  # the worker went to others meanwhile
    assert report.totals()["api_calls"] == 28 + 18 + 18


def test_an_account_throttled_past_its_wait_budget_fails_alone_saying_so() -> None:
    def task(job: AccountJob) -> AccountResult:
        if job.account_id == "act_1":
            return AccountResult("act_1", Outcome.THROTTLED, retry_after=1500.0, reason="code 4")
        return AccountResult(job.account_id, Outcome.OK)

    report = run(task, jobs("act_1", "act_2"), wait_budget=3600.0)
    assert not report.ok
    failed = report.failed()
    assert [r.account_id for r in failed] == ["act_1"]
    assert failed[0].status is Outcome.FAILED and failed[0].attempts == 3
    assert failed[0].reason == "gave up after 3000s of deferrals (wait budget 3600s): code 4"
    assert report.results[1].ok


def test_a_task_that_raises_fails_its_account_only() -> None:
    def task(job: AccountJob) -> AccountResult:
        if job.account_id == "act_2":
            raise RuntimeError("worker lost")
        return AccountResult(job.account_id, Outcome.OK)

    report = run(task, jobs("act_1", "act_2", "act_3"))
    assert [r.status for r in report.results] == [Outcome.OK, Outcome.FAILED, Outcome.OK]
    assert report.results[1].reason == "task failed: RuntimeError: worker lost"
    assert report.as_dict()["totals"]["failed"] == 1


def test_a_busy_account_is_tried_again_without_counting_a_throttle_wait() -> None:
    seen: Counter[str] = Counter()

    def task(job: AccountJob) -> AccountResult:
        seen[job.account_id] += 1
        if seen[job.account_id] == 1:
            return AccountResult(job.account_id, Outcome.BUSY, retry_after=30.0)
        return AccountResult(job.account_id, Outcome.OK)

    report = run(task, jobs("act_5"))
    assert report.ok and report.results[0].attempts == 2
    assert report.results[0].throttle_wait == 0.0
