"""How current the numbers are: the last day with data, the last sync and the last change run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from optimizer.store import AuditEntry, SyncRun

__all__ = ["Freshness", "freshness"]


@dataclass(frozen=True)
class Freshness:
    """What the Overview says about data age; None where nothing happened yet."""

    last_day: date | None
    last_sync_at: datetime | None
    last_sync_status: str | None
    last_sync_error: str | None
    last_run_id: str | None
    last_run_at: datetime | None
    last_run_actor: str | None

    def days_behind(self, today: date) -> int | None:
        """Whole days between the last day with data and ``today`` (1 = yesterday's data is in)."""
        return None if self.last_day is None else (today - self.last_day).days


def freshness(
    last_day: date | None, runs: Sequence[SyncRun], audit: Sequence[AuditEntry]
) -> Freshness:
    """From the sync runs (newest first, as the store lists them) and the audit log (oldest first)."""
    sync = runs[0] if runs else None
    latest = max(audit, key=lambda e: (e.created_at, e.id or 0)) if audit else None
    return Freshness(
        last_day=last_day,
        last_sync_at=(sync.finished_at or sync.started_at) if sync else None,
        last_sync_status=sync.status if sync else None,
        last_sync_error=sync.error if sync else None,
        last_run_id=latest.run_id if latest else None,
        last_run_at=latest.created_at if latest else None,
        last_run_actor=latest.actor if latest else None,
    )
