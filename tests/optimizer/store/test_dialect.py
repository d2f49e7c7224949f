"""Engine construction from URLs, SQLite's pragmas, and how the test databases report a missing server."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from optimizer.errors import InputError
from optimizer.store import Store
from optimizer.store.dialect import make_engine, normalize_url
from tests.conftest import fresh_pg_database


def test_postgresql_urls_are_mapped_to_psycopg() -> None:
    assert normalize_url("postgresql://u:p@db:5432/x") == "postgresql+psycopg://u:p@db:5432/x"
    assert normalize_url("postgres://u@db/x") == "postgresql+psycopg://u@db/x"
    assert normalize_url("postgresql+psycopg://u@db/x") == "postgresql+psycopg://u@db/x"
    assert normalize_url("sqlite:////tmp/a.db") == "sqlite:////tmp/a.db"


@pytest.mark.parametrize("url", ["mysql://u@h/db", "not a url"])
def test_other_backends_are_refused(url: str) -> None:
    with pytest.raises(InputError, match="database URL"):
        normalize_url(url)


def test_sqlite_gets_wal_foreign_keys_and_busy_timeout(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'deep' / 'er' / 'a.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar_one() == 30_000
    assert (tmp_path / "deep" / "er" / "a.db").exists()
    engine.dispose()


def test_default_store_is_a_sqlite_file_under_adpilot_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADPILOT_HOME", str(tmp_path / "home"))
    with Store() as store:
        assert store.url == f"sqlite:///{tmp_path / 'home' / 'adpilot.db'}"
        assert store.accounts() == []
    assert (tmp_path / "home" / "adpilot.db").exists()


def test_unreachable_postgres_skips_off_ci_and_fails_on_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADPILOT_TEST_PG_URL", "postgresql://postgres@127.0.0.1:1/test")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="PostgreSQL not reachable at .*127.0.0.1:1"):
        with fresh_pg_database():
            pass
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="start it or set ADPILOT_TEST_PG_URL"):
        with fresh_pg_database():
            pass
