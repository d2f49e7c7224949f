"""What benchmarks start around the code they measure: a sandbox in its own process, a scratch database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager

import psycopg
import requests
from sqlalchemy.engine import make_url

PG_URL = os.environ.get("ADPILOT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def sandbox_process(*args: str, timeout: float = 1800) -> Iterator[str]:
    """``adpilot sandbox ARGS`` in a child process on a free port; yields its URL once it answers.

    A separate process keeps the sandbox's memory and CPU out of the client's figures.
    """
    port = free_port()
    cmd = [sys.executable, "-m", "optimizer.cli", "sandbox", "--port", str(port), *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"sandbox exited: {proc.stderr.read().decode() if proc.stderr else ''}"
                )
            try:
                requests.get(f"{url}/_sandbox/status", timeout=2)
                break
            except requests.RequestException:
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=60)


@contextmanager
def pg_database(name: str) -> Iterator[str]:
    """A fresh PostgreSQL database on the test server (``$ADPILOT_TEST_PG_URL``), dropped afterwards."""
    admin = make_url(PG_URL).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
