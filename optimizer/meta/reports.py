"""Asynchronous insights report runs (``AdReportRun``): create, poll until done, read pages.

Large insight ranges go through report runs instead of synchronous GETs, which Meta answers with "Please
reduce the amount of data you're asking for". Polling finishes only on the exact status "Job Completed":
the API can report 100% while still "Job Running" (fetching then fails with 2601/1815107), and the SDK's
own example (``if job:``) is broken on Python 3. A job that fails is re-created once; a second failure
splits the date range in halves, the way Airbyte's connector splits failing jobs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from optimizer.errors import MetaApiError

COMPLETED = "Job Completed"
FAILED = frozenset({"Job Failed", "Job Skipped"})


class ReportFailed(MetaApiError):
    """A report run ended in "Job Failed" or "Job Skipped", or never finished in time."""


@dataclass(frozen=True)
class DateRange:
    """An inclusive range of days."""

    since: date
    until: date

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1

    def halves(self) -> tuple[DateRange, DateRange]:
        middle = self.since + timedelta(days=self.days // 2 - 1)
        return DateRange(self.since, middle), DateRange(middle + timedelta(days=1), self.until)

    def chunks(self, size: int) -> list[DateRange]:
        """Consecutive sub-ranges of at most ``size`` days."""
        out = []
        start = self.since
        while start <= self.until:
            end = min(self.until, start + timedelta(days=size - 1))
            out.append(DateRange(start, end))
            start = end + timedelta(days=1)
        return out

    def as_param(self) -> dict[str, str]:
        return {"since": self.since.isoformat(), "until": self.until.isoformat()}
