"""The audit log as the applier's write-ahead log: plan a change set, count recent budget changes.

Planning commits every entry before anything is sent, so a crash at any later point leaves a record of
what was about to happen. An entry already recorded for (run, object, field) is returned as it stands: a
run's plan, once written, is what that run applies; a re-run never re-plans an object on top of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from optimizer.apply.changes import Change
from optimizer.store import AuditEntry, AuditStatus, Store
from optimizer.store.types import utcnow

#: Meta counts budget changes per object in a rolling hour.
BUDGET_WINDOW = timedelta(hours=1)


def plan(
    store: Store, run_id: str, account_id: str, changes: Sequence[Change], *, actor: str
) -> list[AuditEntry]:
    """Write ``changes`` as ``planned`` (refusals as ``skipped``) in one transaction; entries in input order.

    Returns each change's entry, which is the earlier one when this run already recorded that object and
    field (compare ``entry.after`` with the change to see whether the plan stood).
    """
    entries: list[AuditEntry] = []
    with store.transaction() as session:
        for change in changes:
            entries.append(
                store.record_audit(
                    session,
                    run_id=run_id,
                    account_id=account_id,
                    object_type=change.object_type,
                    object_id=change.object_id,
                    field=change.field,
                    before=change.before,
                    after=change.after,
                    actor=actor,
                    reason=change.refusal or change.reason,
                    status=AuditStatus.SKIPPED if change.refusal else AuditStatus.PLANNED,
                )
            )
    return entries


def recent_budget_changes(
    store: Store, account_id: str, now: datetime | None = None
) -> dict[str, int]:
    """Budget changes adpilot applied per object in the hour before ``now`` (Meta allows 4, then blocks).

    ``now`` defaults to the wall clock; a simulation passes its own time (and stamps its changes with it).
    """
    until = now or utcnow()
    since = until - BUDGET_WINDOW
    counts: dict[str, int] = {}
    for entry in store.audit_entries(account_id=account_id):
        if entry.field != "daily_budget" or entry.applied_at is None:
            continue
        if not since <= entry.applied_at <= until:
            continue
        if entry.status in (AuditStatus.APPLIED.value, AuditStatus.ROLLED_BACK.value):
            counts[entry.object_id] = counts.get(entry.object_id, 0) + 1
    return counts
