"""Roll a run back: restore the values its applied changes replaced, as a run of its own in the audit log.

The restoring changes are planned under ``rollback-<run id>`` and pushed like any other run (so a rollback
killed half-way resumes, and never restores twice); each original entry whose restore landed (or whose
object already holds its old value again) becomes ``rolled_back``. An object someone changed since the run
is left alone and its restore is audited as ``skipped``. Restores pass the guardrail check with the daily
step and bounds opened (undoing a +20% day is a -16.7% step, undoing a -20% day is +25%) but Meta's limit of
four budget changes an hour still applies.
"""

from __future__ import annotations

from decimal import Decimal

from budgets import BudgetPolicy, ProposedChange, check_changes
from budgets.policy import BidPolicy
from optimizer.apply.changes import Change, ChangeField, ObjectType, from_checked
from optimizer.apply.in_force import InForce, read_in_force
from optimizer.apply.ledger import plan, recent_budget_changes
from optimizer.apply.push import ApplyReport, BetweenBatches, push
from optimizer.errors import InputError
from optimizer.meta.client import MetaClient
from optimizer.money import minor_to_major
from optimizer.store import AuditEntry, AuditStatus, Store

ACTOR = "adpilot rollback"


def rollback_run_id(run_id: str) -> str:
    """The run id a rollback of ``run_id`` is audited under (64 characters at most)."""
    return f"rollback-{run_id}"[:64]


def _restores(
    applied: list[AuditEntry], found: InForce, currency: str
) -> tuple[list[ProposedChange], list[Change], list[AuditEntry]]:
    """Proposals to restore, refusals to audit, and entries already back at their old value."""
    proposals: list[ProposedChange] = []
    refusals: list[Change] = []
    restored: list[AuditEntry] = []
    for entry in applied:
        now = found.value(entry.object_id, entry.field)
        before = None if entry.before is None else int(entry.before)
        after = None if entry.after is None else int(entry.after)
        kind: ObjectType = "campaign" if entry.object_type == "campaign" else "adset"
        field: ChangeField = "bid_amount" if entry.field == "bid_amount" else "daily_budget"
        why = None
        if before is None:
            why = "refused: the object had no value before the run, so there is nothing to restore"
        elif now == before:
            restored.append(entry)
            continue
        elif now != after:
            why = f"refused: in force is {now}, not {after} as the run left it: changed since; left alone"
        if why is not None:
            refusals.append(Change(entry.object_id, kind, field, now, before, "", why))
            continue
        assert now is not None and before is not None
        proposals.append(
            ProposedChange(
                object_id=entry.object_id,
                object_type=kind,
                field=field,
                current=minor_to_major(now, currency),
                proposed=minor_to_major(before, currency),
                reason=f"rollback of {entry.run_id}: restore {entry.field}",
            )
        )
    return proposals, refusals, restored


def rollback(
    client: MetaClient,
    store: Store,
    run_id: str,
    *,
    between_batches: BetweenBatches | None = None,
) -> ApplyReport:
    """Restore what ``run_id`` applied; returns the rollback run's push report."""
    entries = store.audit_entries(run_id=run_id)
    if not entries:
        raise InputError(f"run_id: no audit entries for run {run_id!r}")
    account_id = entries[0].account_id
    account = store.account(account_id)
    if account is None:
        raise InputError(f"run_id: account {account_id} of run {run_id!r} is not in the store")
    applied = [e for e in entries if e.status == AuditStatus.APPLIED.value]
    target = rollback_run_id(run_id)
    found = read_in_force(client, account_id)
    proposals, refusals, restored = _restores(applied, found, account.currency)
    opened = BudgetPolicy(
        currency=account.currency,
        min_budget=Decimal(0),
        max_daily_change=1.0,
        bids=BidPolicy(max_change=1.0),
    )
    current: dict[str, Decimal] = {}
    restored_total = Decimal(0)
    for p in proposals:
        if p.field == "daily_budget":
            assert isinstance(p.current, Decimal) and isinstance(p.proposed, Decimal)
            current[p.object_id] = p.current
            restored_total += p.proposed
    checked = check_changes(
        proposals,
        opened,
        current_budgets=current,
        recent_changes=recent_budget_changes(store, account_id),
        # restoring moves the total back to what it was: never clip a restore to today's total
        daily_total=max(restored_total, sum(current.values(), Decimal(0))),
    )
    changes = [c for c in (from_checked(v, account.currency) for v in checked) if c is not None]
    plan(store, target, account_id, [*changes, *refusals], actor=ACTOR)
    report = push(
        client, store, target, account_id, in_force=found, between_batches=between_batches
    )
    done = {
        (e.object_id, e.field)
        for e in store.audit_entries(run_id=target)
        if e.status == AuditStatus.APPLIED.value
    }
    back = {e.id for e in restored}
    with store.transaction() as session:
        for entry in applied:
            assert entry.id is not None
            if (entry.object_id, entry.field) in done or entry.id in back:
                store.update_audit_status(session, entry.id, AuditStatus.ROLLED_BACK)
        for entry in entries:  # what the run had not applied yet must never be applied after this
            assert entry.id is not None
            if entry.status in (AuditStatus.PLANNED.value, AuditStatus.FAILED.value):
                store.update_audit_status(
                    session,
                    entry.id,
                    AuditStatus.SKIPPED,
                    api_response=f"run rolled back ({target})",
                )
    return report
