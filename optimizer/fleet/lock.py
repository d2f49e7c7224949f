"""One worker per account at a time: a PostgreSQL session advisory lock on a hash of the account id.

A session lock (not a lease row) because it dies with its connection: a worker killed in the middle of an
account loses its connection, the server releases the lock, and Dask's retry of the task can take it at once,
with no expiry to wait out. The lock's connection carries ``application_name = adpilot fleet <account> pid
<pid>`` so an operator (or a test) sees in ``pg_stat_activity`` which process holds which account.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy.engine import make_url

from optimizer.errors import InputError

APPLICATION_PREFIX = "adpilot fleet"


def lock_key(account_id: str) -> int:
    """A signed 64-bit key for ``pg_try_advisory_lock``, stable across processes and machines."""
    digest = hashlib.sha256(f"adpilot-nightly:{account_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def is_postgres(url: str) -> bool:
    """Whether ``url`` names a PostgreSQL database."""
    return make_url(url).get_backend_name() == "postgresql"


def require_postgres(url: str, workers: int | None, scheduler: str | None) -> None:
    """Refuse SQLite for a run on several workers or on a cluster: they cannot share one SQLite file."""
    if is_postgres(url):
        return
    if scheduler is not None or workers is None or workers > 1:
        raise InputError(
            "--db: a run on several workers needs PostgreSQL (SQLite allows one writer on one machine); "
            "pass --db postgresql://USER@HOST/DB, or --workers 1 to stay on SQLite"
        )


def conninfo(url: str) -> str:
    """A libpq connection string for a SQLAlchemy PostgreSQL URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def holder_name(account_id: str) -> str:
    """The ``application_name`` of the connection holding ``account_id``'s lock."""
    return f"{APPLICATION_PREFIX} {account_id} pid {os.getpid()}"


@contextmanager
def account_lock(url: str, account_id: str) -> Iterator[bool]:
    """Hold ``account_id``'s advisory lock for the block; yields False if another process holds it.

    SQLite (one process by :func:`require_postgres`) has nobody to exclude: it always yields True.
    """
    if not is_postgres(url):
        yield True
        return
    with psycopg.connect(
        conninfo(url), autocommit=True, application_name=holder_name(account_id)[:63]
    ) as conn:
        row = conn.execute("SELECT pg_try_advisory_lock(%s)", (lock_key(account_id),)).fetchone()
        held = bool(row and row[0])
        try:
            yield held
        finally:
            if held and not conn.closed:
                conn.execute("SELECT pg_advisory_unlock(%s)", (lock_key(account_id),))
