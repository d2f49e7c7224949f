"""The fan-out on a LocalCluster of 2 worker processes against PostgreSQL and the sandbox (issue #8).

- 20 accounts give, account by account, the budgets and audit rows of running them one at a time;
- a worker killed while an account's changes are being applied: Dask re-runs the task elsewhere, the run
  completes, no change is sent twice, every account is audited;
- a low app-level limit: the shared budget keeps the workers together under it, every account finishes.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from optimizer.fleet import AccountJob, FleetReport, OnDask, dask_client, run_fleet
from optimizer.fleet.lock import conninfo
from optimizer.meta.api import make_api
from optimizer.meta.client import MetaClient
from optimizer.meta.retry import RetryPolicy
from optimizer.nightly import run_nightly
from optimizer.sandbox.graph import GraphError, Quotas
from optimizer.sandbox.market import MarketConfig
from optimizer.store import Store
from tests.conftest import RunningSandbox, fresh_pg_database

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

MIX = ("USD", "EUR", "JPY", "GBP")
TWENTY = MarketConfig(
    seed=21, accounts=20, campaigns=2, adsets=4, ads_per_adset=1, history_days=30, currencies=MIX
)


class ScaledClock:
    """Wall time run ``scale`` times faster, on the same origin as the fleet's budget clock."""

    def __init__(self, scale: float) -> None:
        self.scale = scale

    def now(self) -> float:
        return time.time() * self.scale


@pytest.fixture(scope="module")
def dask() -> Iterator[Any]:
    with dask_client(None, 2) as (client, link):
        assert link is not None and link.startswith("http://127.0.0.1:")
        yield client


@pytest.fixture
def pg_url() -> Iterator[str]:
    with fresh_pg_database() as url:
        yield url


def fan_out(dask: Any, sandbox: RunningSandbox, url: str, **kwargs: Any) -> FleetReport:
    jobs = [
        AccountJob(a, sandbox.market.today, url, sandbox.url, apply=True, **kwargs)
        for a in sandbox.market.accounts
    ]
    return run_fleet(OnDask(dask), jobs)


def budgets(sandbox: RunningSandbox) -> dict[str, tuple[int | None, int | None]]:
    market = sandbox.market
    out = {a.id: (a.daily_budget, a.bid_amount) for a in market.adsets.values()}
    return out | {c.id: (c.daily_budget, None) for c in market.campaigns.values()}


def audit_rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    with Store(url) as store:
        entries = store.audit_entries()
    out: dict[str, list[tuple[Any, ...]]] = {}
    for e in entries:
        row = (e.run_id, e.object_type, e.object_id, e.field, e.before, e.after, e.status, e.reason)
        out.setdefault(e.account_id, []).append(row)
    return {account: sorted(rows) for account, rows in out.items()}


def test_twenty_accounts_on_two_workers_match_running_them_one_at_a_time(
    dask: Any, sandbox_factory: type[RunningSandbox], pg_url: str
) -> None:
    fleet_sandbox, alone_sandbox = sandbox_factory(TWENTY), sandbox_factory(TWENTY)
    assert budgets(fleet_sandbox) == budgets(alone_sandbox)
    before = budgets(fleet_sandbox)

    report = fan_out(dask, fleet_sandbox, pg_url)
    assert report.ok, [(r.account_id, r.reason) for r in report.failed()]
    assert report.workers == 2
    assert len({r.worker for r in report.results}) == 2  # both processes took accounts

    with fresh_pg_database() as alone_url, Store(alone_url) as store:
        api = make_api("sandbox-token", base_url=alone_sandbox.url)
        client = MetaClient(api, retry=RetryPolicy(sleep=alone_sandbox.clock.advance))
        for account in alone_sandbox.market.accounts:
            night = run_nightly(
                client, store, account, as_of=alone_sandbox.market.today, apply=True
            )
            assert night.ok
        alone_audit = audit_rows(alone_url)

    after = budgets(fleet_sandbox)
    assert after == budgets(alone_sandbox)
    assert sum(after[k] != before[k] for k in after) >= 20  # the nights did change budgets
    fleet_audit = audit_rows(pg_url)
    assert fleet_audit == alone_audit
    assert set(fleet_audit) == set(fleet_sandbox.market.accounts)
    for row in report.results:
        applied = [a for a in fleet_audit[row.account_id] if a[6] == "applied"]
        assert row.changes_applied == len(applied) > 0
        assert row.adsets == 4 and row.api_calls > 0


def test_a_worker_killed_while_applying_leaves_nothing_applied_twice(
    dask: Any, sandbox_factory: type[RunningSandbox], pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = MarketConfig(
        seed=8, accounts=6, campaigns=2, adsets=4, ads_per_adset=1, history_days=30, currencies=MIX
    )
    sandbox = sandbox_factory(config)
    market = sandbox.market
    target = list(market.accounts)[2]
    sent: Counter[tuple[str, str]] = Counter()
    killed: list[int] = []
    original = market.update

    def owner(object_id: str) -> str:
        found = market.adsets.get(object_id) or market.campaigns[object_id]
        return found.account_id

    def spy(object_id: str, changes: Any) -> None:
        for name in changes:
            sent[(object_id, name)] += 1
        original(object_id, changes)
        mine = sum(n for (oid, _), n in sent.items() if owner(oid) == target)
        if owner(object_id) == target and mine == 2 and not killed:
            # the second of the account's batches has landed; its answer will never be recorded
            with psycopg.connect(conninfo(pg_url), autocommit=True) as conn:
                name = conn.execute(
                    "SELECT application_name FROM pg_stat_activity WHERE application_name LIKE %s",
                    (f"adpilot fleet {target} pid %",),
                ).fetchone()
            assert name is not None, "the worker on the account holds its lock"
            killed.append(int(name[0].rsplit(" ", 1)[1]))
            os.kill(killed[0], signal.SIGKILL)

    monkeypatch.setattr(market, "update", spy)
    report = fan_out(dask, sandbox, pg_url, batch_size=1)

    assert killed, "the target account's changes were applied"
    assert report.ok, [(r.account_id, r.reason) for r in report.failed()]
    again = next(r for r in report.results if r.account_id == target)
    assert not again.worker.endswith(f":{killed[0]}")  # Dask re-ran it on a live worker
    assert again.changes_applied == sum(1 for (oid, _) in sent if owner(oid) == target)
    assert max(sent.values()) == 1  # nothing was sent twice
    rows = audit_rows(pg_url)
    assert set(rows) == set(market.accounts)  # every account audited
    with Store(pg_url) as store:
        entries = store.audit_entries()
    assert all(e.status == "applied" for e in entries)
    assert {(e.object_id, e.field) for e in entries} == set(sent)
    for e in entries:  # every budget at the value the audit says
        found = market.adsets.get(e.object_id) or market.campaigns[e.object_id]
        assert str(getattr(found, e.field)) == e.after
    landed_unrecorded = [
        e for e in entries if e.account_id == target and "not sent again" in (e.api_response or "")
    ]
    assert len(landed_unrecorded) == 1  # the batch in flight at the kill, found in force on re-run


def test_workers_together_stay_under_the_app_limit_and_every_account_finishes(
    dask: Any, sandbox_factory: type[RunningSandbox], pg_url: str
) -> None:
    scale, limit = (
        3600.0,
        60,
    )  # a sandbox hour passes in a real second; 60 calls an hour for the app
    config = MarketConfig(
        seed=9, accounts=6, campaigns=2, adsets=4, ads_per_adset=1, history_days=30, currencies=MIX
    )
    sandbox = sandbox_factory(config, quotas=Quotas(app_calls_per_hour=limit))
    clock = ScaledClock(scale)
    sandbox.app.clock = sandbox.app.usage.clock = clock
    accepted: list[float] = []
    refused: Counter[int] = Counter()
    lock = threading.Lock()
    record = sandbox.app.usage.record

    def counting(account: str | None, use_case: str, *, write: bool) -> None:
        try:
            record(account, use_case, write=write)
        except GraphError as error:
            with lock:
                refused[error.code] += 1
            raise
        with lock:
            accepted.append(clock.now())

    sandbox.app.usage.record = counting  # type: ignore[method-assign]
    report = fan_out(dask, sandbox, pg_url, time_scale=scale, app_calls_per_hour=limit)

    assert report.ok, [(r.account_id, r.reason) for r in report.failed()]
    assert refused == Counter()  # the app limit was never hit
    stamps = sorted(accepted)
    assert len(stamps) > limit  # more work than one hour allows (batch items count one each)
    busiest = max(
        sum(1 for t in stamps[i:] if t < start + 3600.0) for i, start in enumerate(stamps)
    )
    assert busiest <= limit
    assert sum(r.throttle_wait for r in report.results) > 3600.0  # they waited for the budget
    assert set(audit_rows(pg_url)) == set(sandbox.market.accounts)


def test_a_throttled_account_gives_its_worker_back_and_comes_back_after_the_regain_time(
    dask: Any, sandbox_factory: type[RunningSandbox], pg_url: str
) -> None:
    scale = 600.0  # the sandbox's announced waits (1 to 5 minutes) pass in 0.1 to 0.5 real seconds
    config = MarketConfig(
        seed=10, accounts=4, campaigns=2, adsets=4, ads_per_adset=1, history_days=30, currencies=MIX
    )
    sandbox = sandbox_factory(config, faults="throttle=every40")
    sandbox.app.clock = sandbox.app.usage.clock = ScaledClock(scale)
    report = fan_out(dask, sandbox, pg_url, time_scale=scale, yield_after=30.0)

    assert report.ok, [(r.account_id, r.reason) for r in report.failed()]
    deferred = [r for r in report.results if r.attempts > 1]
    assert deferred, "a throttle longer than yield_after gave a worker back"
    assert sum(r.throttles for r in report.results) >= len(deferred)
    for row in deferred:  # each deferral waited at least the shortest announced regain (a minute)
        assert row.throttle_wait >= 60.0 * (row.attempts - 1)
    assert set(audit_rows(pg_url)) == set(sandbox.market.accounts)
