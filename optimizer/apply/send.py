"""Sending one batch of writes so that a lost answer never turns into a second change.

The client's own retry re-sends a whole call after any transient failure, which is right for reads and
wrong for writes whose answer was lost: the change may have landed (Meta applied it, then the connection
dropped), and re-sending it counts against Meta's four budget changes an hour and stacks on top of any edit
made in between. So writes go out with single attempts, and after an ambiguous failure (dropped connection,
5xx, transient code) the values in force are read back: what landed is recorded as applied, only the rest is
sent again. Throttles are answered before anything is processed, so those are waited out and re-sent as is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from optimizer.apply.in_force import read_in_force
from optimizer.errors import MetaApiError
from optimizer.meta.client import MetaClient, NodeUpdate
from optimizer.meta.failures import Failure, classify, regain_seconds
from optimizer.meta.retry import RetryPolicy
from optimizer.store import AuditEntry, AuditStatus

#: Attempts per batch before its remaining entries are recorded as failed.
ROUNDS = 6


@dataclass(frozen=True)
class Outcome:
    """What became of one entry: its new status and the API's answer (or what was found)."""

    entry_id: int
    status: AuditStatus
    response: str


def _update(entry: AuditEntry) -> NodeUpdate:
    return NodeUpdate(entry.object_id, {entry.field: int(entry.after or 0)})


def send_batch(
    client: MetaClient, account_id: str, entries: Sequence[AuditEntry], *, rounds: int = ROUNDS
) -> list[Outcome]:
    """Apply ``entries`` (at most 50) and say what became of each; never raises for API failures."""
    policy = client.retry
    writer = replace(client, retry=RetryPolicy(max_attempts=1, sleep=policy.sleep))
    pending = list(entries)
    outcomes: list[Outcome] = []
    last = "not sent"
    for attempt in range(1, rounds + 1):
        try:
            results = writer.update_nodes([_update(e) for e in pending])
        except MetaApiError as exc:
            cause = exc.__cause__
            kind = classify(cause) if cause is not None else Failure.PERMANENT
            last = str(exc)
            if kind is Failure.PERMANENT:
                break
            if kind is Failure.TRANSIENT:  # it may have landed: look before sending again
                found = read_in_force(client, account_id)
                still: list[AuditEntry] = []
                for entry in pending:
                    assert entry.id is not None
                    if found.value(entry.object_id, entry.field) == int(entry.after or 0):
                        note = f"in force after a lost answer ({last}); not sent again"
                        outcomes.append(Outcome(entry.id, AuditStatus.APPLIED, note))
                    else:
                        still.append(entry)
                pending = still
                if not pending:
                    return outcomes
            wait = regain_seconds(cause) if cause is not None else 0.0
            if kind is Failure.THROTTLED:
                wait = wait or policy.throttle_wait
            else:
                wait = min(policy.initial_wait * 2 ** (attempt - 1), policy.max_wait)
            if policy.waited + wait > policy.wait_budget:
                break
            policy.sleep(wait)
            policy.waited += wait
            policy.retries += 1
            continue
        for entry, result in zip(pending, results, strict=True):
            assert entry.id is not None
            status = AuditStatus.APPLIED if result.ok else AuditStatus.FAILED
            outcomes.append(Outcome(entry.id, status, result.response))
        return outcomes
    for entry in pending:
        assert entry.id is not None
        outcomes.append(Outcome(entry.id, AuditStatus.FAILED, last))
    return outcomes
