"""Asynchronous insights report runs (``AdReportRun``): created by POST, advanced by polls, paged results.

A run's rows are computed when it is created; its status advances one step per poll of ``GET /<run_id>/``
along a plan chosen at creation (normal, slow with a spell at 100 % "Job Running", stuck there for ever,
failed with the v25+ error fields, or skipped), so clients see every state real jobs go through, the same way
on every run with the same fault seed. Fetching results before "Job Completed" answers 2601/1815107.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from optimizer.sandbox.graph.insights import InsightsQuery
from optimizer.sandbox.graph.params import FieldSel
from optimizer.sandbox.graph.wire import GraphError

NOT_STARTED, STARTED, RUNNING = "Job Not Started", "Job Started", "Job Running"
COMPLETED, FAILED, SKIPPED = "Job Completed", "Job Failed", "Job Skipped"

PLANS: dict[str, tuple[tuple[str, int], ...]] = {
    "normal": ((NOT_STARTED, 0), (RUNNING, 50), (COMPLETED, 100)),
    "slow": (
        (NOT_STARTED, 0), (STARTED, 0), (RUNNING, 10), (RUNNING, 25), (RUNNING, 45), (RUNNING, 70),
        (RUNNING, 90), (RUNNING, 100), (RUNNING, 100), (RUNNING, 100), (COMPLETED, 100),
    ),
    "stuck": ((NOT_STARTED, 0), (RUNNING, 40), (RUNNING, 100)),
    "fail": ((NOT_STARTED, 0), (RUNNING, 30), (FAILED, 30)),
    "skip": ((NOT_STARTED, 0), (SKIPPED, 0)),
}  # fmt: skip

DEFAULT_FIELDS = (
    "id", "account_id", "async_status", "async_percent_completion", "date_start", "date_stop",
    "time_ref", "time_completed", "is_running", "emails", "friendly_name",
    "error_code", "error_message", "error_subcode", "error_user_title", "error_user_msg",
)  # fmt: skip


@dataclass
class ReportRun:
    """One async job: its query, its rows and where it is along its plan."""

    id: str
    account_id: str
    query: InsightsQuery
    rows: Sequence[dict[str, Any]]
    plan: str
    time_ref: int
    polls: int = 0
    time_completed: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def state(self) -> tuple[str, int]:
        """The status and percent the last poll reported (the first state before any poll)."""
        steps = PLANS[self.plan]
        return steps[min(max(self.polls - 1, 0), len(steps) - 1)]

    def poll(self, now: int) -> tuple[str, int]:
        """Advance one step and report it."""
        self.polls += 1
        status, percent = self.state()
        if status in (COMPLETED, FAILED, SKIPPED) and not self.time_completed:
            self.time_completed = now
        return status, percent

    def fields(self) -> dict[str, Any]:
        """Every field Graph reports for a run, given its state."""
        status, percent = self.state()
        since = min(r[0] for r in self.query.ranges)
        until = max(r[1] for r in self.query.ranges)
        out: dict[str, Any] = {
            "id": self.id,
            "account_id": self.account_id.removeprefix("act_"),
            "async_status": status,
            "async_percent_completion": percent,
            "date_start": since.isoformat(),
            "date_stop": until.isoformat(),
            "time_ref": self.time_ref,
            "time_completed": self.time_completed,
            "is_running": status in (NOT_STARTED, STARTED, RUNNING),
            "emails": [],
            "friendly_name": f"Report run {self.id}",
        }
        if status == FAILED:
            out.update(
                error_code=-2,
                error_subcode=2490547,
                error_message="Report Failed",
                error_user_title="Report Failed",
                error_user_msg="The report run failed to complete. Please try again later or reduce the "
                "date range or number of fields.",
            )
        return out

    def render(self, selection: tuple[FieldSel, ...] | None) -> dict[str, Any]:
        """The run as a node with the requested (or default) fields."""
        values = self.fields()
        names = [s.name for s in selection] if selection else list(DEFAULT_FIELDS)
        out = {name: values[name] for name in names if name in values}
        out.setdefault("id", self.id)
        return out

    def results(self) -> Sequence[dict[str, Any]]:
        """Its rows, or 2601/1815107 while it is not (or never will be) complete."""
        status, _ = self.state()
        if status != COMPLETED:
            raise GraphError(
                2601,
                "Error accessing adreport job.",
                subcode=1815107,
                transient=status not in (FAILED, SKIPPED),
                user_title="Report Not Ready"
                if status not in (FAILED, SKIPPED)
                else "Report Unavailable",
                user_msg=f"The report run {self.id} is not complete (async_status: {status}).",
            )
        return self.rows


class ReportRuns:
    """The runs created so far (the oldest expire beyond ``keep``); ids look like Graph's (16 digits)."""

    def __init__(self, keep: int = 500) -> None:
        self.keep = keep
        self._runs: dict[str, ReportRun] = {}
        self._ids = itertools.count(6_000_000_000_001)
        self._lock = threading.Lock()

    def create(
        self,
        account_id: str,
        query: InsightsQuery,
        rows: Sequence[dict[str, Any]],
        plan: str,
        now: int,
    ) -> ReportRun:
        """Register a run and return it."""
        with self._lock:
            run_id = str(next(self._ids))
            run = self._runs[run_id] = ReportRun(run_id, account_id, query, rows, plan, now)
            while len(self._runs) > self.keep:
                del self._runs[next(iter(self._runs))]
            return run

    def get(self, run_id: str) -> ReportRun | None:
        """The run with ``run_id``, if any."""
        return self._runs.get(run_id)
