"""How the dashboard is started: the ``streamlit run`` command line, in one place.

``adpilot dashboard``, the browser test and ``make run`` all start the same command, bound to 127.0.0.1
unless an address is given (a shared deployment should also set ``ADPILOT_DASHBOARD_PASSWORD``).
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["APP", "streamlit_command"]

APP = Path(__file__).resolve().parent / "app.py"


def streamlit_command(
    *,
    port: int = 8501,
    address: str = "127.0.0.1",
    db: str | None = None,
    sandbox: str | None = None,
    policy: str | None = None,
) -> list[str]:
    """The argument vector that serves the dashboard headless, without telemetry or a file watcher."""
    command = [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.address", address,
        "--server.port", str(port),
        "--server.headless", "true",
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
        "--global.developmentMode", "false",
        "--client.toolbarMode", "viewer",
        "--",
    ]  # fmt: skip
    for flag, value in (("--db", db), ("--sandbox", sandbox), ("--policy", policy)):
        if value:
            command += [flag, value]
    return command
