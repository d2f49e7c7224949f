"""Fleet: accounts per minute for the nightly run over many accounts, one process vs a LocalCluster.

Issue #8's benchmark: 200 accounts x 50 ad sets x 90 days served by ``adpilot sandbox --accounts 200`` in its
own process over HTTP, the full nightly (sync -> fit -> allocate -> guardrails -> apply -> audit) for every
account into PostgreSQL, run (a) sequentially in this process, (b) on a LocalCluster of 1 worker and (c) of 2
workers. Each mode gets a fresh sandbox (same seed, so the same accounts) and a fresh database, so every mode
does the same work: the same API calls, the same changes applied. LocalCluster start-up is timed apart.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests

from benchmarks.report import Section
from benchmarks.services import pg_database, sandbox_process
from optimizer.fleet import AccountJob, FleetReport, InProcess, OnDask, dask_client, run_fleet
from optimizer.meta.connect import sandbox_today
from optimizer.sandbox.cli import account_sizes


@contextmanager
def sandbox(accounts: int, adsets: int, days: int) -> Iterator[str]:
    """``adpilot sandbox --accounts N`` in a child process; yields its URL once it answers."""
    args = [
        "--seed",
        "7",
        "--accounts",
        str(accounts),
        "--adsets",
        str(adsets),
        "--days",
        str(days),
    ]
    with sandbox_process(*args, "--campaigns", "4") as url:
        yield url


def _mode(name: str, workers: int | None, accounts: int, adsets: int, days: int) -> dict[str, Any]:
    with (
        sandbox(accounts, adsets, days) as url,
        pg_database(f"adpilot_bench_fleet_{os.getpid()}") as db,
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
        f"{accounts} sandbox accounts x {adsets} ad sets on average (sizes {account_sizes(adsets)} in turn) x {days} days (4 campaigns, 3 ads per ad set, "
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
