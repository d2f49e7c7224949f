"""Opening a database made by an older adpilot fails with one clear message, not a later SQL error."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from optimizer.errors import InputError
from optimizer.store import Store


def test_tables_are_created_on_open_and_reopen_is_fine(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    with Store(url):
        pass
    with Store(url) as store:
        assert store.accounts() == []
    names = {
        row[0]
        for row in sqlite3.connect(tmp_path / "a.db").execute("SELECT name FROM sqlite_master")
    }
    assert {"accounts", "daily_insights", "audit_log", "sync_runs", "lifetime_insights"} <= names


def test_a_stale_table_is_named_with_its_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE accounts (id VARCHAR(64) PRIMARY KEY, name VARCHAR, currency VARCHAR(3))"
        )
    with pytest.raises(
        InputError,
        match=r"old\.db was created by an older adpilot \(accounts lacks timezone_name, "
        r"account_status, purchase_action_type, updated_at\)",
    ):
        Store(f"sqlite:///{path}")
