"""Push a run's open audit entries to Meta in batches, recording each answer; safe to re-run.

Each open entry (``planned``, or ``failed`` earlier) is first compared with the value in force:

- in force == ``after``: the change already landed (a run killed after sending, before recording): it is
  marked ``applied`` without sending anything again;
- in force == ``before``: it is sent;
- anything else: someone changed the object since the plan was made, so it is ``skipped`` rather than
  overwriting their edit.

Updates set absolute values (``daily_budget=6000``), so a batch the transport re-sends after a dropped
connection cannot stack a change; and a batch whose answer was lost is checked against the values in
force before anything is sent again (:mod:`.send`). Entries are committed after every batch, and ``between_batches``
(a hook for progress, or for tests that kill the process between batches) runs after each commit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from optimizer.apply.in_force import InForce, read_in_force
from optimizer.apply.send import send_batch
from optimizer.meta.client import MetaClient
from optimizer.store import AdSet, AuditEntry, AuditStatus, Campaign, Store

#: Meta's batch limit.
BATCH_SIZE = 50
OPEN = (AuditStatus.PLANNED.value, AuditStatus.FAILED.value)

BetweenBatches = Callable[[int, int], None]  # (batches done, batches in all)


@dataclass
class ApplyReport:
    """What one push did to a run's entries (``already`` counts entries applied by an earlier push)."""

    run_id: str
    applied: int = 0
    failed: int = 0
    skipped: int = 0
    already: int = 0
    found_in_force: int = 0
    batches: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.failed == 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "applied": self.applied,
            "failed": self.failed,
            "skipped": self.skipped,
            "already_applied": self.already,
            "found_in_force": self.found_in_force,
            "batches": self.batches,
            "failures": list(self.failures),
        }


def _int(text: str | None) -> int | None:
    return None if text is None else int(text)


#: Entity columns an applied change writes through to the store's copy, by audit ``object_type``.
_MIRRORED: dict[str, type[AdSet] | type[Campaign]] = {"adset": AdSet, "campaign": Campaign}


def _move(
    store: Store,
    moves: Sequence[tuple[int, AuditStatus, str]],
    entries: dict[int, AuditEntry],
    applied_at: datetime | None,
) -> None:
    """Record each entry's new status; an applied one also updates the store's copy of the object.

    Without the write-through the store would show the old budget as "current" until the next sync.
    """
    if not moves:
        return
    with store.transaction() as session:
        for entry_id, status, response in moves:
            store.update_audit_status(
                session, entry_id, status, api_response=response, applied_at=applied_at
            )
            entry = entries[entry_id]
            model = _MIRRORED.get(entry.object_type)
            if status is not AuditStatus.APPLIED or model is None or entry.after is None:
                continue
            obj = session.get(model, entry.object_id)
            if obj is not None and hasattr(obj, entry.field):
                value = int(entry.after) if entry.field != "status" else entry.after
                setattr(obj, entry.field, value)


def push(
    client: MetaClient,
    store: Store,
    run_id: str,
    account_id: str,
    *,
    in_force: InForce | None = None,
    batch_size: int = BATCH_SIZE,
    between_batches: BetweenBatches | None = None,
    applied_at: datetime | None = None,
) -> ApplyReport:
    """Apply the run's open entries; returns what happened (``report.ok`` is False if any failed).

    ``applied_at`` stamps the applied entries (default: the wall clock; a simulation passes its own time,
    the clock Meta's hourly budget-change limit is counted on).
    """
    entries = store.audit_entries(run_id=run_id)
    report = ApplyReport(run_id)
    report.already = sum(e.status == AuditStatus.APPLIED.value for e in entries)
    pending = [e for e in entries if e.status in OPEN]
    if not pending:
        return report
    by_id = {e.id: e for e in pending if e.id is not None}
    found = in_force if in_force is not None else read_in_force(client, account_id)
    to_send: list[AuditEntry] = []
    moves: list[tuple[int, AuditStatus, str]] = []
    for entry in pending:
        assert entry.id is not None
        now = found.value(entry.object_id, entry.field)
        after, before = _int(entry.after), _int(entry.before)
        if not found.known(entry.object_id):
            moves.append(
                (entry.id, AuditStatus.SKIPPED, "not found at Meta: deleted since planned")
            )
        elif now == after:
            moves.append(
                (entry.id, AuditStatus.APPLIED, f"already in force ({now}); not sent again")
            )
            report.found_in_force += 1
        elif now == before:
            to_send.append(entry)
        else:
            moves.append(
                (
                    entry.id,
                    AuditStatus.SKIPPED,
                    f"in force is {now}, neither {before} (planned from) nor {after}: changed "
                    "outside this run since it was planned; left as it is",
                )
            )
    _move(store, moves, by_id, applied_at)
    report.applied += report.found_in_force
    report.skipped += sum(1 for _, status, _ in moves if status is AuditStatus.SKIPPED)
    chunks = [to_send[i : i + batch_size] for i in range(0, len(to_send), batch_size)]
    for number, chunk in enumerate(chunks, start=1):
        batch_moves: list[tuple[int, AuditStatus, str]] = []
        for outcome in send_batch(client, account_id, chunk):
            batch_moves.append((outcome.entry_id, outcome.status, outcome.response))
            if outcome.status is AuditStatus.APPLIED:
                report.applied += 1
            else:
                entry = by_id[outcome.entry_id]
                report.failed += 1
                report.failures.append(f"{entry.field} of {entry.object_id}: {outcome.response}")
        _move(store, batch_moves, by_id, applied_at)
        report.batches += 1
        if between_batches is not None:
            between_batches(number, len(chunks))
    return report
