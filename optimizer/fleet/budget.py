"""The app-level call budget every worker of a fleet run draws from before each Graph API call.

Meta's app limit is shared by every account the app works on, so it cannot be kept per process. The budget
is a token bucket (:mod:`.bucket`) kept in one PostgreSQL row and taken under ``SELECT ... FOR UPDATE`` with
the server's clock, so workers on any machine agree on time; a worker that meets the app limit anyway (code
4) pauses the whole fleet until the announced regain time instead of each worker finding out alone. A
process-local budget does the same for a one-process run. ``time_scale`` is how many seconds pass for the
API per real second (1 for Meta; a sandbox on a fast clock runs faster), so waits shrink with it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

import psycopg

from optimizer.fleet.bucket import BucketShape, BucketState, take
from optimizer.fleet.lock import conninfo

TABLE = "adpilot_fleet_budget"
#: Advisory lock key serialising the table's creation.
SCHEMA_LOCK = 0x61647069  # "adpi"
#: Longest single sleep, so a pause announced by another worker is seen soon.
MAX_NAP = 1.0


class RateBudget(Protocol):
    """What a worker asks before each call, and tells after an app-level throttle."""

    def acquire(self, calls: int = 1) -> float:
        """Block until ``calls`` calls may go out; the seconds (API time) waited."""
        ...

    def pause(self, seconds: float) -> None:
        """No call from anyone for ``seconds`` (API time) from now."""
        ...


Change = Callable[[BucketState, float], tuple[BucketState, float]]


class _Budget:
    """The wait loop and the pause, on top of one atomic read-change-write of the bucket (``_update``)."""

    time_scale: float
    sleep: Callable[[float], None]
    shape: BucketShape | None

    def _update(self, change: Change) -> float:
        raise NotImplementedError

    def acquire(self, calls: int = 1) -> float:
        waited = 0.0
        while True:
            wait = self._update(lambda state, now: take(self.shape, state, now, calls))
            if wait <= 0:
                return waited
            nap = min(wait / self.time_scale, MAX_NAP)
            self.sleep(nap)
            waited += nap * self.time_scale

    def pause(self, seconds: float) -> None:
        def later(state: BucketState, now: float) -> tuple[BucketState, float]:
            until = max(state.paused_until, now + seconds)
            return BucketState(state.tokens, state.stamp, until), 0.0

        self._update(later)


class LocalBudget(_Budget):
    """The budget of one process (threads share it): for a sequential run."""

    def __init__(
        self,
        shape: BucketShape | None,
        time_scale: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.shape, self.time_scale, self.sleep = shape, time_scale, sleep
        self._lock = threading.Lock()
        start = self._now()
        self._state = BucketState(shape.capacity if shape else 0.0, start)

    def _now(self) -> float:
        return time.time() * self.time_scale

    def _update(self, change: Change) -> float:
        with self._lock:
            self._state, wait = change(self._state, self._now())
            return wait


class PostgresBudget(_Budget):
    """The budget shared by every worker through one row of ``adpilot_fleet_budget``."""

    def __init__(
        self,
        url: str,
        name: str,
        shape: BucketShape | None,
        time_scale: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.name, self.shape, self.time_scale, self.sleep = name, shape, time_scale, sleep
        self._conn = psycopg.connect(conninfo(url), application_name="adpilot fleet budget")
        self._lock = threading.Lock()
        with self._conn.transaction():
            # concurrent CREATE TABLE IF NOT EXISTS can still collide in PostgreSQL: serialise it
            self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            self._conn.execute(
                f"CREATE TABLE IF NOT EXISTS {TABLE} (name TEXT PRIMARY KEY, tokens DOUBLE PRECISION "
                "NOT NULL, stamp DOUBLE PRECISION NOT NULL, paused_until DOUBLE PRECISION NOT NULL)"
            )
            self._conn.execute(
                f"INSERT INTO {TABLE} VALUES (%s, %s, extract(epoch FROM clock_timestamp()) * %s, 0) "
                "ON CONFLICT (name) DO NOTHING",
                (name, shape.capacity if shape else 0.0, time_scale),
            )

    def close(self) -> None:
        self._conn.close()

    def _update(self, change: Change) -> float:
        with self._lock, self._conn.transaction():
            row = self._conn.execute(
                f"SELECT tokens, stamp, paused_until, extract(epoch FROM clock_timestamp()) * %s "
                f"FROM {TABLE} WHERE name = %s FOR UPDATE",
                (self.time_scale, self.name),
            ).fetchone()
            assert row is not None, "the budget row is made in __init__"
            state, now = BucketState(float(row[0]), float(row[1]), float(row[2])), float(row[3])
            new, wait = change(state, now)
            if new != state:
                self._conn.execute(
                    f"UPDATE {TABLE} SET tokens = %s, stamp = %s, paused_until = %s WHERE name = %s",
                    (new.tokens, new.stamp, new.paused_until, self.name),
                )
            return wait
