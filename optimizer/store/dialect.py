"""Everything that differs between SQLite and PostgreSQL, in one place.

The engine is built from a URL (``sqlite:///path``, ``postgresql+psycopg://...``; a bare ``postgresql://``
is mapped to psycopg 3, the driver adpilot ships). SQLite gets WAL (readers never block the nightly writer),
enforced foreign keys and a busy timeout. Upserts are ``INSERT ... ON CONFLICT DO UPDATE`` built with each
dialect's own ``insert`` and sent as chunked executemany: one round trip per chunk, not per row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Table, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session
from sqlmodel import create_engine

from optimizer.errors import InputError

#: Rows per executemany call: large enough to amortise the round trip, small enough to bound memory.
CHUNK_ROWS = 5_000
SQLITE_BUSY_TIMEOUT_MS = 30_000


def normalize_url(url: str) -> str:
    """The SQLAlchemy URL adpilot connects with; refuses backends other than SQLite and PostgreSQL."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InputError(f"database URL {url!r} is not a valid SQLAlchemy URL") from None
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        return parsed.render_as_string(hide_password=False)
    if backend == "sqlite":
        return parsed.render_as_string(hide_password=False)
    raise InputError(f"database URL {url!r}: only sqlite:/// and postgresql:// are supported")


def make_engine(url: str) -> Engine:
    """An engine for ``url``, with the SQLite pragmas set and the SQLite file's folder created."""
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _insert(session: Session, table: Table) -> Any:
    name = session.get_bind().dialect.name
    if name == "sqlite":
        return sqlite.insert(table)
    if name == "postgresql":
        return postgresql.insert(table)
    raise InputError(f"unsupported database dialect {name!r}")  # pragma: no cover


def _chunks(rows: Sequence[Mapping[str, Any]], size: int) -> Iterable[Sequence[Mapping[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def upsert(
    session: Session,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    keys: Sequence[str],
    *,
    chunk_rows: int = CHUNK_ROWS,
) -> int:
    """Insert ``rows`` or overwrite the existing rows with the same ``keys``; every row has every column."""
    if not rows:
        return 0
    stmt = _insert(session, table)
    columns = list(rows[0].keys())
    updates = {name: stmt.excluded[name] for name in columns if name not in keys}
    stmt = (
        stmt.on_conflict_do_update(index_elements=list(keys), set_=updates)
        if updates
        else stmt.on_conflict_do_nothing(index_elements=list(keys))
    )
    for chunk in _chunks(rows, chunk_rows):
        session.execute(stmt, list(chunk))
    return len(rows)


def insert_missing(
    session: Session, table: Table, rows: Sequence[Mapping[str, Any]], keys: Sequence[str]
) -> None:
    """Insert each of ``rows`` unless a row with the same ``keys`` exists; existing rows are left as they are."""
    if not rows:
        return
    stmt = _insert(session, table).on_conflict_do_nothing(index_elements=list(keys))
    for chunk in _chunks(rows, CHUNK_ROWS):
        session.execute(stmt, [dict(row) for row in chunk])


def table_columns(engine: Engine) -> dict[str, set[str]]:
    """Every table of the store's schema with its column names, in one query."""
    if engine.dialect.name == "sqlite":
        query = (
            "SELECT m.name, p.name FROM sqlite_master AS m "
            "JOIN pragma_table_info(m.name) AS p WHERE m.type = 'table'"
        )
    else:
        query = (
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema()"
        )
    found: dict[str, set[str]] = {}
    with engine.connect() as conn:
        for table, column in conn.execute(text(query)):
            found.setdefault(table, set()).add(column)
    return found
