"""Shared test configuration."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from optimizer.store import Store

# The SDK's requests session honours proxies; the sandbox lives on loopback.
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
os.environ.setdefault("no_proxy", "127.0.0.1,localhost")


def on_ci() -> bool:
    """CI sets CI=true: there a missing service is a failure, never a skip."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


# --- databases: every store test runs on SQLite and on PostgreSQL ------------------------------------

PG_DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
_pg_counter = itertools.count()


def pg_admin_url() -> str:
    """The PostgreSQL database tests connect to in order to create their own (``$ADPILOT_TEST_PG_URL``)."""
    return os.environ.get("ADPILOT_TEST_PG_URL", PG_DEFAULT_URL)


def _pg_conninfo(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _pg_unreachable(url: str, exc: Exception) -> None:
    from sqlalchemy.engine import make_url

    where = make_url(url).render_as_string(hide_password=True)
    message = f"PostgreSQL not reachable at {where}: start it or set ADPILOT_TEST_PG_URL ({exc})"
    if on_ci():
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def fresh_pg_database() -> Iterator[str]:
    """A new, empty PostgreSQL database named for this process, dropped afterwards; yields its URL.

    Several engineers (and pytest processes) share one server, so each test gets its own database rather
    than a shared schema to reset.
    """
    import psycopg
    from sqlalchemy.engine import make_url

    admin_url = pg_admin_url()
    name = f"adpilot_t_{os.getpid()}_{next(_pg_counter)}"
    try:
        admin = psycopg.connect(_pg_conninfo(admin_url), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        _pg_unreachable(admin_url, exc)
        raise  # unreachable: skip/fail raise
    try:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        url = make_url(admin_url).set(drivername="postgresql+psycopg", database=name)
        yield url.render_as_string(hide_password=False)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def reset_pg_database(url: str) -> None:
    """Empty every table of the public schema and restart its sequences (a fresh database, ~20 ms).

    Deleting rows is much faster than dropping or truncating (which fsync new files) on a shared server.
    """
    import psycopg

    with psycopg.connect(_pg_conninfo(url), connect_timeout=5) as conn, conn.transaction():
        conn.execute("SET LOCAL lock_timeout = '10s'")  # a leaked open transaction fails loudly
        conn.execute("SET LOCAL session_replication_role = replica")  # skip FK triggers
        tables = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        for (table,) in tables.fetchall():
            conn.execute(f'DELETE FROM public."{table}"')
        sequences = conn.execute(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"
        )
        for (sequence,) in sequences.fetchall():
            conn.execute(f'ALTER SEQUENCE public."{sequence}" RESTART')


@pytest.fixture(scope="session")
def pg_session_url() -> Iterator[str]:
    """This pytest process's own PostgreSQL database (created on first use, dropped at the end)."""
    with fresh_pg_database() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database: a temporary SQLite file, or this process's PostgreSQL database
    emptied for the test (each pytest process has its own, so parallel runs never meet)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'adpilot.db'}"
        return
    url = request.getfixturevalue("pg_session_url")
    reset_pg_database(url)
    yield url


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """An open :class:`optimizer.store.Store` on ``db_url``, closed (connections released) afterwards."""
    from optimizer.store import Store

    opened = Store(db_url)
    try:
        yield opened
    finally:
        opened.close()


# --- the Graph API sandbox as a real HTTP server ----------------------------------------------------


class RunningSandbox:
    """A sandbox served over HTTP on 127.0.0.1 with a manual clock (throttle waits advance it)."""

    def __init__(
        self, market_config: object = None, faults: str | None = None, **config: object
    ) -> None:
        from optimizer.sandbox.graph import GraphApp, ManualClock, SandboxConfig, SandboxServer
        from optimizer.sandbox.graph.faults import FaultSpec
        from optimizer.sandbox.market import Market, MarketConfig

        self.market = Market(market_config or MarketConfig(seed=7))  # type: ignore[arg-type]
        self.clock = ManualClock()
        sandbox_config = SandboxConfig(faults=FaultSpec.parse(faults), **config)  # type: ignore[arg-type]
        self.app = GraphApp(self.market, sandbox_config, clock=self.clock)
        self.server = SandboxServer(self.app)
        self.url = self.server.start()

    @property
    def account_id(self) -> str:
        return next(iter(self.market.accounts))

    def close(self) -> None:
        self.server.stop()


@pytest.fixture
def sandbox_factory() -> Iterator[type[RunningSandbox]]:
    """Start sandboxes with ``sandbox_factory(MarketConfig(...), faults="...")``; all stopped afterwards."""
    started: list[RunningSandbox] = []

    class Factory(RunningSandbox):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            started.append(self)

    yield Factory
    for sandbox in started:
        sandbox.close()


@pytest.fixture
def sandbox(sandbox_factory: type[RunningSandbox]) -> RunningSandbox:
    """The default seeded sandbox: 1 account, 3 campaigns, 20 ad sets, 60 ads, 90 days."""
    return sandbox_factory()
