"""The History page's tables: every audited change with before and after readable, and one row per run.

The audit log keeps budgets and bids as integer minor units in text ("5000"); this is where they become
money in the account's currency for display (through :mod:`optimizer.money`), statuses stay as Meta
spells them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from dashboard.format import money
from optimizer.errors import AdpilotError
from optimizer.money import minor_to_major
from optimizer.store import AuditEntry, AuditStatus

__all__ = ["CHANGE_COLUMNS", "RUN_COLUMNS", "changes_frame", "display_value", "runs_frame"]

MONEY_FIELDS = frozenset({"daily_budget", "lifetime_budget", "bid_amount"})
CHANGE_COLUMNS = [
    "id",
    "created_at",
    "name",
    "field",
    "before",
    "after",
    "status",
    "actor",
    "run_id",
    "applied_at",
    "reason",
    "object_type",
    "object_id",
    "api_response",
]
RUN_COLUMNS = [
    "run_id",
    "started_at",
    "actors",
    "changes",
    "applied",
    "rolled_back",
    "failed",
    "can_roll_back",
]


def display_value(field: str, value: str | None, currency: str) -> str | None:
    """A stored before/after value as a reader sees it: money for budget and bid fields."""
    if value is None or field not in MONEY_FIELDS:
        return value
    try:
        return money(minor_to_major(value, currency), currency)
    except AdpilotError:
        return value  # not a whole number of minor units: show it as stored rather than hide it


def changes_frame(
    entries: Sequence[AuditEntry], currency: str, names: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Every entry, newest first, with readable before/after and the object's name."""
    rows = [
        {
            "id": e.id,
            "run_id": e.run_id,
            "created_at": e.created_at,
            "applied_at": e.applied_at,
            "actor": e.actor,
            "object_type": e.object_type,
            "object_id": e.object_id,
            "name": (names or {}).get(e.object_id, e.object_id),
            "field": e.field,
            "before": display_value(e.field, e.before, currency),
            "after": display_value(e.field, e.after, currency),
            "status": e.status,
            "reason": e.reason,
            "api_response": e.api_response,
        }
        for e in sorted(entries, key=lambda e: (e.created_at, e.id or 0), reverse=True)
    ]
    return pd.DataFrame(rows, columns=CHANGE_COLUMNS)


def runs_frame(entries: Sequence[AuditEntry]) -> pd.DataFrame:
    """One row per run, newest first; a run can be rolled back while any of its changes stands applied."""
    by_run: dict[str, list[AuditEntry]] = {}
    for entry in entries:
        by_run.setdefault(entry.run_id, []).append(entry)
    rows = []
    for run_id, items in by_run.items():
        statuses = [e.status for e in items]
        applied = statuses.count(AuditStatus.APPLIED.value)
        rows.append(
            {
                "run_id": run_id,
                "started_at": min(e.created_at for e in items),
                "actors": ", ".join(sorted({e.actor for e in items})),
                "changes": len(items),
                "applied": applied,
                "rolled_back": statuses.count(AuditStatus.ROLLED_BACK.value),
                "failed": statuses.count(AuditStatus.FAILED.value),
                "can_roll_back": applied > 0,
            }
        )
    frame = pd.DataFrame(rows, columns=RUN_COLUMNS)
    return frame.sort_values("started_at", ascending=False, kind="stable").reset_index(drop=True)
