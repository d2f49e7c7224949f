"""Pushing a planned change set through the SDK to the sandbox: once, in batches, under faults, resumable."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from optimizer.apply import Change, plan, push, recent_budget_changes
from optimizer.meta.client import NodeUpdate
from optimizer.store import AuditStatus
from tests.optimizer.apply.conftest import Account

RUN = "test-run-1"


def statuses(account: Account, run_id: str = RUN) -> dict[str, str]:
    return {e.object_id: e.status for e in account.store.audit_entries(run_id=run_id)}


def test_push_applies_every_change_once_and_records_the_answer(
    account_factory: Callable[..., Account],
) -> None:
    account = account_factory()
    changes = account.raises(1.1)
    assert len(changes) >= 8
    entries = plan(account.store, RUN, account.account_id, changes, actor="test")
    assert {e.status for e in entries} == {"planned"}  # written ahead, before anything is sent
    assert account.updates == []

    report = push(account.client, account.store, RUN, account.account_id, batch_size=3)

    assert report.ok and report.applied == len(changes) and report.batches == -(-len(changes) // 3)
    for change in changes:
        assert account.budget(change.object_id) == change.after
        assert account.budget_updates(change.object_id) == 1
    # the store's copy shows the applied budget at once, not only after the next sync
    stored = {o.id: o.daily_budget for o in account.store.adsets(account.account_id)}
    stored |= {o.id: o.daily_budget for o in account.store.campaigns(account.account_id)}
    assert all(stored[c.object_id] == c.after for c in changes)
    logged = account.store.audit_entries(run_id=RUN)
    assert all(e.status == "applied" and e.applied_at is not None for e in logged)
    assert all("success" in (e.api_response or "") for e in logged)
    assert [(e.before, e.after) for e in logged] == [(str(c.before), str(c.after)) for c in changes]

    again = push(account.client, account.store, RUN, account.account_id)
    assert again.applied == 0 and again.already == len(changes) and again.batches == 0
    assert account.budget_updates() == len(changes)  # nothing sent twice
    # planning the same run again keeps the plan it has (the UNIQUE key), it does not stack
    replanned = plan(account.store, RUN, account.account_id, account.raises(1.1), actor="test")
    assert {e.status for e in replanned} == {"applied"}
    assert [int(e.after or 0) for e in replanned] == [c.after for c in changes]
    assert recent_budget_changes(account.store, account.account_id) == dict.fromkeys(
        (c.object_id for c in changes), 1
    )


@pytest.mark.parametrize(
    "faults",
    [
        "throttle=every2",
        # after an ambiguous failure the applier reads the values in force (two calls), so a fixed
        # everyN would always hit the next write too: these fire at random (seeded) instead
        "transient=0.5",
        "server_error=0.5",
        "drop=0.5",
        "drop_reply=0.5",
        "batch_null=every3",
    ],
)
def test_faults_leave_every_budget_old_or_new_and_a_rerun_converges(
    account_factory: Callable[..., Account], faults: str
) -> None:
    account = account_factory(faults=faults)
    changes = account.raises(0.85)
    old = {c.object_id: c.before for c in changes}
    plan(account.store, RUN, account.account_id, changes, actor="test")

    report = push(account.client, account.store, RUN, account.account_id, batch_size=2)
    rerun = push(account.client, account.store, RUN, account.account_id, batch_size=2)

    fired = account.sandbox.app.faults.fired
    assert sum(fired.values()) > 0, "the fault never fired: the test would prove nothing"
    for change in changes:
        assert account.budget(change.object_id) in (old[change.object_id], change.after)
        assert account.budget_updates(change.object_id) <= 1  # never applied twice
    assert report.applied + rerun.applied == len(changes)
    assert set(statuses(account).values()) == {"applied"}
    assert all(account.budget(c.object_id) == c.after for c in changes)


def test_a_run_killed_between_batches_resumes_without_applying_twice(
    account_factory: Callable[..., Account],
) -> None:
    account = account_factory()
    changes = account.raises(1.15)
    plan(account.store, RUN, account.account_id, changes, actor="test")

    class Killed(Exception):
        pass

    def kill(done: int, total: int) -> None:
        if done == 2:
            raise Killed

    with pytest.raises(Killed):
        push(
            account.client,
            account.store,
            RUN,
            account.account_id,
            batch_size=3,
            between_batches=kill,
        )

    first, rest = changes[:6], changes[6:]
    assert all(account.budget(c.object_id) == c.after for c in first)
    assert all(account.budget(c.object_id) == c.before for c in rest)
    now = statuses(account)
    assert {now[c.object_id] for c in first} == {"applied"}
    assert {now[c.object_id] for c in rest} == {"planned"}

    resumed = push(account.client, account.store, RUN, account.account_id, batch_size=3)
    assert resumed.applied == len(rest) and resumed.already == len(first)
    assert all(account.budget(c.object_id) == c.after for c in changes)
    assert account.budget_updates() == len(changes)


def test_a_change_that_landed_unrecorded_is_marked_applied_not_resent(
    account_factory: Callable[..., Account],
) -> None:
    account = account_factory()
    changes = account.raises(1.1, count=4)
    plan(account.store, RUN, account.account_id, changes, actor="test")
    # the process died after Meta applied the first change and before the audit log heard of it
    account.set_budget_behind_our_back(changes[0].object_id, int(changes[0].after or 0))
    # and someone edited the second one by hand in the meantime
    hand = int(changes[1].before or 0) + 123
    account.set_budget_behind_our_back(changes[1].object_id, hand)

    report = push(account.client, account.store, RUN, account.account_id)

    assert report.found_in_force == 1 and report.skipped == 1 and report.applied == 3
    assert account.budget_updates(changes[0].object_id) == 0
    assert account.budget(changes[1].object_id) == hand  # their edit is kept
    now = statuses(account)
    assert now[changes[0].object_id] == "applied" and now[changes[1].object_id] == "skipped"
    entry = next(
        e for e in account.store.audit_entries(run_id=RUN) if e.object_id == changes[1].object_id
    )
    assert "changed outside this run" in (entry.api_response or "")


def test_metas_four_changes_an_hour_fail_the_fifth_and_a_later_rerun_applies_it(
    account_factory: Callable[..., Account],
) -> None:
    account = account_factory()
    change = account.raises(1.1, count=1)[0]
    for step in range(4):  # four edits made through the API within the hour, outside this run
        value = int(change.before or 0) + 100 * (step + 1)
        results = account.client.update_nodes(
            [NodeUpdate(change.object_id, {"daily_budget": value})]
        )
        assert results[0].ok
    in_force = account.budget(change.object_id)
    assert in_force is not None
    late = Change(
        change.object_id, change.object_type, "daily_budget", in_force, in_force + 50, "test"
    )
    plan(account.store, RUN, account.account_id, [late], actor="test")

    report = push(account.client, account.store, RUN, account.account_id)
    assert not report.ok and report.failed == 1
    assert account.budget(change.object_id) == in_force
    entry = account.store.audit_entries(run_id=RUN)[0]
    assert entry.status == AuditStatus.FAILED.value and '"code":17' in (entry.api_response or "")

    account.sandbox.clock.advance(3601)
    retried = push(account.client, account.store, RUN, account.account_id)
    assert retried.ok and retried.applied == 1
    assert account.budget(change.object_id) == in_force + 50
