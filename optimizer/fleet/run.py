"""The fan-out: every account's nightly as a task, throttled accounts deferred, one row per account.

A throttled account gives its worker back and is submitted again once the regain time Meta announced has
passed, so the workers spend the wait on other accounts; an account deferred for longer than ``wait_budget``
(API seconds) in all fails alone with the throttle as its reason. A task that raised (its worker died more
often than Dask allows, say) fails its account alone too. The report lists accounts in the order given.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable, Sequence
from typing import Any

from optimizer.fleet.executor import Executor
from optimizer.fleet.job import AccountJob, prepare
from optimizer.fleet.result import AccountResult, FleetReport, Outcome

Progress = Callable[[AccountResult, bool], None]  # (row, final?)


def run_fleet(
    executor: Executor,
    jobs: Sequence[AccountJob],
    *,
    wait_budget: float = 3600.0,
    progress: Progress | None = None,
) -> FleetReport:
    """Run every job on ``executor``; returns when each account has a final row."""
    started = time.perf_counter()
    scale = jobs[0].time_scale if jobs else 1.0
    tell = progress or (lambda row, final: None)
    running: dict[Any, tuple[AccountJob, int]] = {}
    deferred: list[tuple[float, int, AccountJob, int]] = []  # (due, order, job, attempt)
    earlier: dict[str, AccountResult] = {}
    deferred_for: dict[str, float] = {}
    final: dict[str, AccountResult] = {}
    order = 0

    if jobs:
        prepare(jobs[0])
    for job in jobs:
        running[executor.submit(job, 1)] = (job, 1)
    while running or deferred:
        now = time.monotonic()
        while deferred and deferred[0][0] <= now:
            _, _, job, attempt = heapq.heappop(deferred)
            running[executor.submit(job, attempt)] = (job, attempt)
        if not running:
            time.sleep(max(0.0, deferred[0][0] - time.monotonic()))
            continue
        timeout = max(0.0, deferred[0][0] - now) if deferred else None
        for handle in executor.wait_first(list(running), timeout):
            job, attempt = running.pop(handle)
            try:
                row = executor.result(handle)
            except Exception as exc:  # the task itself failed: its worker died too often, say
                row = AccountResult(
                    job.account_id, Outcome.FAILED, run_id=job.run_id,
                    reason=f"task failed: {type(exc).__name__}: {exc}",
                )  # fmt: skip
            if job.account_id in earlier:
                row = row.merged(earlier.pop(job.account_id))
            if row.status in (Outcome.THROTTLED, Outcome.BUSY):
                spent = deferred_for.get(job.account_id, 0.0) + row.retry_after
                if spent <= wait_budget:
                    deferred_for[job.account_id] = spent
                    row.throttle_wait += row.retry_after if row.status is Outcome.THROTTLED else 0.0
                    earlier[job.account_id] = row
                    order += 1
                    due = time.monotonic() + row.retry_after / scale
                    heapq.heappush(deferred, (due, order, job, attempt + 1))
                    tell(row, False)
                    continue
                row.reason = (
                    f"gave up after {spent - row.retry_after:.0f}s of deferrals "
                    f"(wait budget {wait_budget:.0f}s): {row.reason}"
                )
                row.status = Outcome.FAILED
            final[job.account_id] = row
            tell(row, True)
    report = FleetReport(workers=executor.workers)
    report.results = [final[job.account_id] for job in jobs]
    report.seconds = time.perf_counter() - started
    return report
