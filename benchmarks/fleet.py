"""Fleet: accounts per minute for the nightly run over many accounts, one process vs a LocalCluster.

Issue #8's benchmark: 200 accounts x 50 ad sets x 90 days served by ``adpilot sandbox --accounts 200`` in its
own process over HTTP, the full nightly (sync -> fit -> allocate -> guardrails -> apply -> audit) for every
account into PostgreSQL, run (a) sequentially in this process, (b) on a LocalCluster of 1 worker and (c) of 2
workers. Each mode gets a fresh sandbox (same seed, so the same accounts) and a fresh database, so every mode
does the same work: the same API calls, the same changes applied. LocalCluster start-up is timed apart.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from typing import Any

import psycopg
import requests
from sqlalchemy.engine import make_url

from benchmarks.report import Section
from optimizer.fleet import AccountJob, FleetReport, InProcess, OnDask, dask_client, run_fleet
from optimizer.meta.connect import sandbox_today

PG_URL = os.environ.get("ADPILOT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def sandbox(accounts: int, adsets: int, days: int) -> Iterator[str]:
    """``adpilot sandbox --accounts N`` in a child process; yields its URL once it answers."""
    port = _free_port()
    cmd = [
        sys.executable, "-m", "optimizer.cli", "sandbox", "--port", str(port), "--seed", "7",
        "--accounts", str(accounts), "--adsets", str(adsets), "--days", str(days),
        "--campaigns", "4",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 1800
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
        proc.wait()


@contextmanager
def database(name: str) -> Iterator[str]:
    """A fresh PostgreSQL database on the test server, dropped afterwards."""
    admin = make_url(PG_URL).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _mode(name: str, workers: int | None, accounts: int, adsets: int, days: int) -> dict[str, Any]:
    with (
        sandbox(accounts, adsets, days) as url,
        database(f"adpilot_bench_fleet_{os.getpid()}") as db,
    ):
        night = sandbox_today(url)
        ids = requests.get(f"{url}/_sandbox/status", timeout=30).json()["accounts"]
        jobs = [AccountJob(a, night, db, url, apply=True, budget_name=name) for a in ids]
        startup = 0.0
        report: FleetReport
        if workers is None:
            executor = InProcess()
            try:
                report = run_fleet(executor, jobs)
            finally:
                executor.close()
        else:
            began = time.perf_counter()
            with dask_client(None, workers) as (client, _):
                startup = time.perf_counter() - began
                report = run_fleet(OnDask(client), jobs)
    totals = report.totals()
    return {
        "mode": name,
        "workers": report.workers,
        "seconds": report.seconds,
        "startup": startup,
        "totals": totals,
    }


def run(quick: bool = False) -> Section:
    accounts, adsets, days = (20, 10, 30) if quick else (200, 50, 90)
    section = Section(
        "Fleet: nightly for many accounts on Dask",
        "python -m benchmarks fleet" + (" --quick" if quick else ""),
    )
    section.lines.append(
        f"{accounts} sandbox accounts x {adsets} ad sets x {days} days (4 campaigns, 3 ads per ad set, "
        "currencies and time zones mixed), full nightly with --apply into PostgreSQL; the sandbox is "
        "one process that serves one call at a time, on the same 2 shared cores as the workers."
    )
    section.lines.append("")
    rows = []
    for name, workers in (
        ("sequential, one process", None),
        ("LocalCluster", 1),
        ("LocalCluster", 2),
    ):
        print(f"  fleet: {name} {workers or ''}", flush=True)
        result = _mode(name, workers, accounts, adsets, days)
        t = result["totals"]
        rows.append(
            [
                name, result["workers"], f"{result['seconds']:.1f}", f"{t['accounts_per_minute']:.1f}",
                f"{result['startup']:.1f}" if workers else "-", t["api_calls"],
                f"{t['api_calls'] / max(1, t['accounts']):.1f}", t["throttles"],
                f"{t['throttle_wait']:.0f}", t["changes_applied"], t["failed"],
            ]
        )  # fmt: skip
    section.table(
        [
            "mode", "workers", "run s", "accounts/min", "cluster start s", "API calls",
            "calls/account", "throttles", "throttle wait s", "changes applied", "failed",
        ],
        rows,
    )  # fmt: skip
    section.lines.append(
        "Run time excludes the LocalCluster start-up (shown apart) and the sandbox's generation. "
        "Throttle waits are API seconds (in place, for the shared budget, and deferrals)."
    )
    return section
