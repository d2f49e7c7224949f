"""One worker per account: the advisory lock excludes a second holder and dies with its process."""

from __future__ import annotations

import subprocess
import sys
import time

import psycopg
import pytest

from optimizer.errors import InputError
from optimizer.fleet import account_lock, lock_key, require_postgres
from optimizer.fleet.lock import conninfo


def test_keys_are_stable_signed_64_bit_and_distinct() -> None:
    keys = {lock_key(f"act_{n}") for n in range(2000)}
    assert len(keys) == 2000
    assert all(-(2**63) <= k < 2**63 for k in keys)
    assert lock_key("act_1") == lock_key("act_1")


def test_sqlite_is_refused_for_several_workers_naming_postgresql() -> None:
    with pytest.raises(InputError, match=r"--db: .*needs PostgreSQL.*--workers 1"):
        require_postgres("sqlite:///x.db", workers=None, scheduler=None)
    with pytest.raises(InputError, match="needs PostgreSQL"):
        require_postgres("sqlite:///x.db", workers=1, scheduler="tcp://10.0.0.1:8786")
    require_postgres("sqlite:///x.db", workers=1, scheduler=None)
    require_postgres("postgresql+psycopg://u@h/db", workers=8, scheduler=None)


@pytest.mark.postgres
def test_a_second_holder_is_refused_until_the_first_lets_go(pg_session_url: str) -> None:
    with account_lock(pg_session_url, "act_7") as first:
        assert first
        with (
            account_lock(pg_session_url, "act_7") as second,
            account_lock(pg_session_url, "act_8") as other,
        ):
            assert not second
            assert other
        names = psycopg.connect(conninfo(pg_session_url), autocommit=True).execute(
            "SELECT application_name FROM pg_stat_activity WHERE application_name LIKE %s",
            ("adpilot fleet act_7 pid %",),
        )
        assert len(names.fetchall()) == 1
    with account_lock(pg_session_url, "act_7") as again:
        assert again


@pytest.mark.postgres
def test_a_killed_holder_releases_the_account(pg_session_url: str) -> None:
    code = (
        "import sys, time\n"
        "from optimizer.fleet import account_lock\n"
        "with account_lock(sys.argv[1], 'act_9') as held:\n"
        "    print(held, flush=True)\n"
        "    time.sleep(60)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, pg_session_url], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "True"
        with account_lock(pg_session_url, "act_9") as held:
            assert not held
        holder.kill()
        holder.wait()
        for _ in range(50):  # the server notices the dropped connection within moments
            with account_lock(pg_session_url, "act_9") as held:
                if held:
                    break
            time.sleep(0.1)
        assert held
    finally:
        holder.kill()
        holder.wait()
