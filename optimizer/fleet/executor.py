"""Where account tasks run: on a Dask cluster, or in this process one at a time (same code path).

The driver in :mod:`.run` needs three things of an executor: submit a task, wait until the first of some
tasks is done (with a timeout, to wake for deferred accounts), and read a task's result.
"""

from __future__ import annotations

import concurrent.futures
import uuid
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from optimizer.fleet.job import AccountJob, run_account
from optimizer.fleet.result import AccountResult

Task = Callable[[AccountJob], AccountResult]


class Executor(Protocol):
    """Runs account tasks somewhere."""

    workers: int

    def submit(self, job: AccountJob, attempt: int) -> Any:
        """Start ``job``; a handle to wait on."""
        ...

    def wait_first(self, handles: Sequence[Any], timeout: float | None) -> list[Any]:
        """The handles done within ``timeout`` seconds (possibly none)."""
        ...

    def result(self, handle: Any) -> AccountResult:
        """A done task's row; raises what the task (or its worker) raised."""
        ...


class InProcess:
    """One account at a time in this process: the sequential baseline and the SQLite path."""

    workers = 1

    def __init__(self, task: Task = run_account) -> None:
        self.task = task
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)

    def submit(self, job: AccountJob, attempt: int) -> Any:
        return self.pool.submit(self.task, job)

    def wait_first(self, handles: Sequence[Any], timeout: float | None) -> list[Any]:
        done, _ = concurrent.futures.wait(
            handles, timeout=timeout, return_when=concurrent.futures.FIRST_COMPLETED
        )
        return list(done)

    def result(self, handle: Any) -> AccountResult:
        out: AccountResult = handle.result()
        return out

    def close(self) -> None:
        self.pool.shutdown(wait=True)


class OnDask:
    """Tasks on a Dask cluster; a task whose worker died is re-run by Dask on another worker."""

    def __init__(self, client: Any, task: Task = run_account) -> None:
        self.client = client
        self.task = task
        self.tag = uuid.uuid4().hex[
            :8
        ]  # two runs of the same night on one cluster never share a key
        self.workers = max(1, len(client.scheduler_info(n_workers=-1).get("workers", {})))

    def submit(self, job: AccountJob, attempt: int) -> Any:
        key = f"{job.run_id}-{self.tag}-attempt-{attempt}"
        return self.client.submit(self.task, job, key=key, pure=False, retries=1)

    def wait_first(self, handles: Sequence[Any], timeout: float | None) -> list[Any]:
        from distributed import wait

        try:
            done, _ = wait(  # type: ignore[no-untyped-call]
                list(handles), timeout=timeout, return_when="FIRST_COMPLETED"
            )
        except TimeoutError:
            return []
        return list(done)

    def result(self, handle: Any) -> AccountResult:
        out: AccountResult = handle.result()
        return out
