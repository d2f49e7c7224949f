"""One account's nightly run as a fleet task: lock, connect, run, and turn any failure into a row.

:func:`run_account` is what a Dask worker executes. It takes the account's advisory lock (another holder:
``busy``), builds a client whose every call draws from the shared app budget, and runs
:func:`optimizer.nightly.run_nightly`, which is idempotent per account and night through the audit log: a task
Dask re-runs after its worker died plans nothing twice and applies nothing twice. Throttle waits up to
``yield_after`` seconds are sat out in place; a longer one gives the worker back (``throttled`` with the regain
time) so other accounts use it meanwhile. Nothing raised inside stops the other accounts.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import TYPE_CHECKING

from optimizer.config import Settings
from optimizer.errors import AdpilotError, ThrottledError
from optimizer.fleet.bucket import BucketShape
from optimizer.fleet.budget import LocalBudget, PostgresBudget, RateBudget
from optimizer.fleet.lock import account_lock, is_postgres
from optimizer.fleet.metered import MeteredApi, metered_api
from optimizer.fleet.result import AccountResult, Outcome
from optimizer.meta.client import MetaClient
from optimizer.meta.retry import RetryPolicy
from optimizer.nightly import run_id_for, run_nightly
from optimizer.store import Store
from optimizer.sync.window import account_today

if TYPE_CHECKING:
    from budgets import BudgetPolicy

#: API seconds a busy account waits before it is tried again.
BUSY_RETRY = 30.0


@dataclass(frozen=True)
class AccountJob:
    """Everything a worker needs for one account (picklable; the token comes from the worker's env)."""

    account_id: str
    as_of: date | None  # None: today where the account lives
    db_url: str
    sandbox_url: str | None = None
    policy: BudgetPolicy | None = None
    apply: bool = False
    batch_size: int = 50
    yield_after: float = 300.0
    time_scale: float = 1.0
    app_calls_per_hour: int | None = None
    budget_name: str = "app"

    @property
    def run_id(self) -> str:
        return (
            f"nightly-{self.account_id}-today"
            if self.as_of is None
            else run_id_for(self.account_id, self.as_of)
        )

    def shape(self) -> BucketShape | None:
        if self.app_calls_per_hour is None:
            return None
        return BucketShape.for_limit(self.app_calls_per_hour)


_budgets: dict[tuple[str, str, BucketShape | None, float], RateBudget] = {}


def shared_budget(job: AccountJob) -> RateBudget:
    """This process's handle on the run's app budget (one per process, reused across tasks)."""
    key = (job.db_url, job.budget_name, job.shape(), job.time_scale)
    if key not in _budgets:
        if is_postgres(job.db_url):
            _budgets[key] = PostgresBudget(
                job.db_url, job.budget_name, job.shape(), time_scale=job.time_scale
            )
        else:
            _budgets[key] = LocalBudget(job.shape(), time_scale=job.time_scale)
    return _budgets[key]


def prepare(job: AccountJob) -> None:
    """Make the store's tables and the budget row once, before workers race to make them."""
    Store(job.db_url).close()
    shared_budget(job)


def _scaled_sleep(time_scale: float, seconds: float) -> None:
    time.sleep(seconds / time_scale)


def _throttle_in(exc: BaseException) -> bool:
    """Whether ``exc`` is, or was caused by, a throttle past the wait budget."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ThrottledError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def run_account(job: AccountJob) -> AccountResult:
    """Run the night for ``job.account_id``; every outcome, failures included, comes back as a row."""
    started = time.perf_counter()
    result = AccountResult(job.account_id, Outcome.OK, run_id=job.run_id)
    result.worker = f"{socket.gethostname()}:{os.getpid()}"
    api: MeteredApi | None = None
    retry = RetryPolicy(wait_budget=job.yield_after, sleep=partial(_scaled_sleep, job.time_scale))
    try:
        with account_lock(job.db_url, job.account_id) as held:
            if not held:
                result.status, result.retry_after = Outcome.BUSY, BUSY_RETRY
                result.reason = "another worker is running this account"
                return result
            settings = Settings(db=job.db_url, sandbox_url=job.sandbox_url)
            api = metered_api(settings, shared_budget(job))
            client = MetaClient(api, retry=retry)
            night = job.as_of or account_today(
                str(client.account(job.account_id).get("timezone_name") or "UTC")
            )
            result.run_id = run_id_for(job.account_id, night)
            with Store(job.db_url) as store:
                report = run_nightly(
                    client, store, job.account_id, as_of=night, policy=job.policy,
                    apply=job.apply, batch_size=job.batch_size,
                )  # fmt: skip
                result.adsets = len(store.adsets(job.account_id))
            counts = report.counts()
            result.changes_planned = sum(counts.get(s, 0) for s in ("planned", "applied", "failed"))
            # in force from tonight's run, including what an attempt killed earlier already applied
            result.changes_applied = report.push.applied + report.push.already if report.push else 0
            if not report.ok:
                result.status = Outcome.FAILED
                failures = report.push.failures if report.push else []
                result.reason = f"{len(failures)} change(s) failed: " + "; ".join(failures[:3])
    except AdpilotError as exc:
        result.status, result.reason = Outcome.FAILED, str(exc)
        if _throttle_in(exc):  # also when the sync wrapped it: its store was left untouched
            result.status = Outcome.THROTTLED
            regain = api.usage.regain_seconds if api is not None else 0.0
            result.retry_after = regain or retry.throttle_wait
    except Exception as exc:  # isolate the account: one bug or outage must not stop the others
        result.status, result.reason = Outcome.FAILED, f"{type(exc).__name__}: {exc}"
    finally:
        if api is not None:
            result.api_calls = api.http_calls
            result.throttles = retry.throttles + api.app_throttles
            result.throttle_wait = retry.waited + api.budget_waited
        result.seconds = time.perf_counter() - started
    return result
