"""``make run``: the whole product on one machine with no Meta account.

Starts the Graph API sandbox (a seeded market with 90 days of history) on 127.0.0.1, syncs it into a SQLite
file, runs the nightly job for a few simulated nights (recommend, guard, apply through the API, audit) so the
dashboard has something to show, then serves the dashboard until interrupted. Orchestration only: every step
is the same library function the CLI calls.
"""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path

import requests

from optimizer.config import Settings
from optimizer.meta.connect import connect, sandbox_today
from optimizer.nightly import run_nightly
from optimizer.sandbox.cli import build_app
from optimizer.sandbox.graph import SandboxServer
from optimizer.store import Store
from optimizer.sync.run import sync_account

log = logging.getLogger(__name__)


@dataclass
class DemoResult:
    sandbox_url: str
    db_url: str
    account_id: str
    nights: int


def prepare(
    data_dir: Path,
    *,
    port: int,
    seed: int,
    adsets: int = 24,
    nights: int = 7,
    say: Callable[[str], None] = print,
) -> tuple[SandboxServer, DemoResult]:
    """Serve the sandbox and fill the store: sync, then ``nights`` nightly runs applied to the sandbox."""
    data_dir.mkdir(parents=True, exist_ok=True)
    db_url = f"sqlite:///{data_dir / 'adpilot.db'}"
    graph = build_app(seed=seed, adsets=adsets, days=90, campaigns=4)
    server = SandboxServer(graph, port=port)
    url = server.start()
    say(f"sandbox: serving a seeded account with 90 days of history on {url}")
    settings = Settings(db=db_url, sandbox_url=url)
    client = connect(settings)
    account = next(iter(graph.market.accounts))
    with Store(db_url) as store:
        report = sync_account(client, store, account, today=sandbox_today(url))
        say(
            f"sync: {sum(report.insight_rows.values()):,} insight rows, {report.http_calls} API calls "
            f"-> {db_url}"
        )
    done = _nightly_runs(settings, account, url, nights, say)
    return server, DemoResult(url, db_url, account, done)


def _nightly_runs(
    settings: Settings, account: str, url: str, nights: int, say: Callable[[str], None]
) -> int:
    """``nights`` nightly runs with ``--apply``, each followed by one simulated day in the sandbox."""
    client = connect(settings)
    with Store(settings.db) as store:
        for night in range(nights):
            as_of = sandbox_today(url)
            # the sandbox's nights are simulated days: Meta's hourly change limit runs on its clock
            at = datetime.combine(as_of, time(3, 0), UTC)
            report = run_nightly(client, store, account, as_of=as_of, apply=True, now=at)
            counts = ", ".join(f"{n} {k}" for k, n in sorted(report.counts().items()) if n)
            say(f"nightly {night + 1}/{nights} ({as_of}): {counts or 'no changes'}")
            if night < nights - 1:
                requests.post(f"{url}/_sandbox/advance", params={"days": 1}, timeout=600)
    return nights


def serve_dashboard(
    db_url: str, port: int, sandbox_url: str, say: Callable[[str], None] = print
) -> int:
    """Run the Streamlit dashboard in the foreground (until Ctrl-C); returns its exit code."""
    from dashboard.launch import streamlit_command

    say(f"dashboard: http://127.0.0.1:{port}  (Ctrl-C stops everything)")
    command = streamlit_command(port=port, address="127.0.0.1", db=db_url, sandbox=sandbox_url)
    return subprocess.call(command)
