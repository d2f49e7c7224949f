"""One account as a fleet task against the sandbox: a row for success, failure, throttle and a held lock."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.fleet import AccountJob, Outcome, account_lock, run_account
from optimizer.fleet.job import prepare
from optimizer.sandbox.graph import Quotas
from optimizer.sandbox.market import MarketConfig
from optimizer.store import Store
from tests.conftest import RunningSandbox

CONFIG = MarketConfig(seed=3, accounts=2, campaigns=2, adsets=4, ads_per_adset=1, history_days=30)


def job(sandbox: RunningSandbox, db_url: str, account_id: str, **kwargs: object) -> AccountJob:
    return AccountJob(account_id, sandbox.market.today, db_url, sandbox.url, **kwargs)  # type: ignore[arg-type]


def test_an_account_runs_applies_and_reports_its_costs(
    sandbox_factory: type[RunningSandbox], tmp_path: Path
) -> None:
    sandbox = sandbox_factory(CONFIG)
    url = f"sqlite:///{tmp_path / 'fleet.db'}"
    account = list(sandbox.market.accounts)[1]
    row = run_account(job(sandbox, url, account, apply=True))
    assert row.status is Outcome.OK, row.reason
    assert row.adsets == 4
    with Store(url) as store:
        entries = store.audit_entries(run_id=row.run_id)
    assert row.changes_applied == sum(e.status == "applied" for e in entries) > 0
    assert row.changes_planned == len(entries)
    assert all(e.account_id == account for e in entries)
    assert row.api_calls > 10 and row.throttles == 0
    for entry in entries:  # the sandbox holds what the audit says was applied
        target = (
            sandbox.market.adsets.get(entry.object_id) or sandbox.market.campaigns[entry.object_id]
        )
        assert str(getattr(target, entry.field)) == entry.after


def test_an_unknown_account_fails_alone_with_metas_reason(
    sandbox_factory: type[RunningSandbox], tmp_path: Path
) -> None:
    sandbox = sandbox_factory(CONFIG)
    row = run_account(job(sandbox, f"sqlite:///{tmp_path / 'f.db'}", "act_404"))
    assert row.status is Outcome.FAILED
    assert row.reason is not None and "act_404" in row.reason and "code 100" in row.reason


def test_a_throttle_longer_than_yield_after_gives_the_worker_back(
    sandbox_factory: type[RunningSandbox], tmp_path: Path
) -> None:
    sandbox = sandbox_factory(CONFIG, quotas=Quotas(app_calls_per_hour=3))
    account = next(iter(sandbox.market.accounts))
    row = run_account(job(sandbox, f"sqlite:///{tmp_path / 'f.db'}", account, yield_after=30.0))
    assert row.status is Outcome.THROTTLED
    assert "code 4" in (row.reason or "")
    assert row.retry_after == 3600.0  # the regain time the sandbox announced (a rolling hour)
    assert row.api_calls == 4 and row.throttles >= 1


@pytest.mark.postgres
def test_an_account_held_by_another_worker_is_busy(
    sandbox_factory: type[RunningSandbox], pg_session_url: str
) -> None:
    from tests.conftest import reset_pg_database

    reset_pg_database(pg_session_url)
    sandbox = sandbox_factory(CONFIG)
    account = next(iter(sandbox.market.accounts))
    work = job(sandbox, pg_session_url, account, budget_name="busy-test")
    prepare(work)
    with account_lock(pg_session_url, account) as held:
        assert held
        row = run_account(work)
    assert row.status is Outcome.BUSY and row.api_calls == 0
    assert run_account(work).status is Outcome.OK
