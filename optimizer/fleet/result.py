"""What a fleet run did to each account, as one row per account and as JSON."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    """How one attempt at one account ended."""

    OK = "ok"  # the nightly ran; every change it tried went through
    FAILED = "failed"  # it could not finish, or a change failed: ``reason`` says why
    THROTTLED = "throttled"  # rate-limited: the worker was given back; retry after ``retry_after``
    BUSY = "busy"  # another worker holds the account's lock


@dataclass
class AccountResult:
    """One account's row: the last attempt's outcome, with calls and waits summed over every attempt."""

    account_id: str
    status: Outcome
    run_id: str = ""
    reason: str | None = None
    adsets: int = 0
    changes_planned: int = 0
    changes_applied: int = 0
    api_calls: int = 0
    throttles: int = 0
    throttle_wait: float = (
        0.0  # seconds of API time spent waiting (in place, for the budget, deferred)
    )
    seconds: float = 0.0  # wall time on workers
    retry_after: float = 0.0  # API seconds to wait before the next attempt (THROTTLED, BUSY)
    attempts: int = 1
    worker: str = ""

    @property
    def ok(self) -> bool:
        return self.status is Outcome.OK

    def merged(self, earlier: AccountResult) -> AccountResult:
        """This attempt's row with the costs of an earlier attempt at the same account added."""
        self.api_calls += earlier.api_calls
        self.throttles += earlier.throttles
        self.throttle_wait += earlier.throttle_wait
        self.seconds += earlier.seconds
        self.attempts += earlier.attempts
        return self

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["status"] = self.status.value
        out["throttle_wait"] = round(self.throttle_wait, 3)
        out["seconds"] = round(self.seconds, 3)
        out.pop("retry_after")
        return out


@dataclass
class FleetReport:
    """Every account's row, in the order the accounts were given, and the run's wall time."""

    results: list[AccountResult] = field(default_factory=list)
    seconds: float = 0.0
    workers: int = 1

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    def failed(self) -> list[AccountResult]:
        return [r for r in self.results if not r.ok]

    def totals(self) -> dict[str, float]:
        rows: Iterable[AccountResult] = self.results
        return {
            "accounts": len(self.results),
            "failed": len(self.failed()),
            "adsets": sum(r.adsets for r in rows),
            "changes_applied": sum(r.changes_applied for r in self.results),
            "api_calls": sum(r.api_calls for r in self.results),
            "throttles": sum(r.throttles for r in self.results),
            "throttle_wait": round(sum(r.throttle_wait for r in self.results), 3),
            "accounts_per_minute": round(60 * len(self.results) / self.seconds, 2)
            if self.seconds > 0
            else 0.0,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "workers": self.workers,
            "seconds": round(self.seconds, 3),
            "totals": self.totals(),
            "accounts": [r.as_dict() for r in self.results],
        }
