"""Rolling a run back restores what it changed, audits itself, leaves later edits alone, and runs once."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from optimizer.apply import plan, push, rollback, rollback_run_id
from optimizer.errors import InputError
from tests.optimizer.apply.conftest import Account

RUN = "test-run-rb"


def test_rollback_restores_the_runs_budgets_and_is_itself_audited(
    account_factory: Callable[..., Account],
) -> None:
    account = account_factory()
    changes = account.raises(
        0.8
    )  # a -20% day: undoing it is a +25% step, which must not be clipped
    plan(account.store, RUN, account.account_id, changes, actor="test")
    assert push(account.client, account.store, RUN, account.account_id).ok
    edited = changes[-1]
    account.set_budget_behind_our_back(edited.object_id, int(edited.after or 0) + 7)

    report = rollback(account.client, account.store, RUN)

    assert report.ok and report.applied == len(changes) - 1 and report.skipped == 0
    for change in changes[:-1]:
        assert account.budget(change.object_id) == change.before
        assert account.budget_updates(change.object_id) == 2  # the run's change and its undo
    assert account.budget(edited.object_id) == int(edited.after or 0) + 7  # a later edit is kept
    original = {e.object_id: e.status for e in account.store.audit_entries(run_id=RUN)}
    assert original[edited.object_id] == "applied"
    assert {original[c.object_id] for c in changes[:-1]} == {"rolled_back"}
    undo = {e.object_id: e for e in account.store.audit_entries(run_id=rollback_run_id(RUN))}
    assert undo[edited.object_id].status == "skipped"
    assert "changed since" in (undo[edited.object_id].reason or "")
    for change in changes[:-1]:
        entry = undo[change.object_id]
        assert entry.status == "applied" and entry.actor == "adpilot rollback"
        assert (entry.before, entry.after) == (str(change.after), str(change.before))

    again = rollback(account.client, account.store, RUN)
    assert again.applied == 0 and again.already == len(changes) - 1
    assert account.budget_updates() == 2 * (len(changes) - 1) + 1  # nothing restored twice


def test_rolling_back_a_half_applied_run_cancels_what_it_had_not_sent(
    account_factory: Callable[..., Account],
) -> None:
    account = account_factory()
    changes = account.raises(1.2)
    plan(account.store, RUN, account.account_id, changes, actor="test")

    def kill(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        push(
            account.client,
            account.store,
            RUN,
            account.account_id,
            batch_size=4,
            between_batches=kill,
        )
    rollback(account.client, account.store, RUN)

    assert all(account.budget(c.object_id) == c.before for c in changes)
    statuses = [e.status for e in account.store.audit_entries(run_id=RUN)]
    assert statuses == ["rolled_back"] * 4 + ["skipped"] * (len(changes) - 4)
    later = push(account.client, account.store, RUN, account.account_id)  # a re-run of the night
    assert later.applied == 0 and later.batches == 0
    assert all(account.budget(c.object_id) == c.before for c in changes)


def test_rollback_of_an_unknown_run_names_it(account_factory: Callable[..., Account]) -> None:
    account = account_factory()
    with pytest.raises(InputError, match="no-such-run"):
        rollback(account.client, account.store, "no-such-run")
