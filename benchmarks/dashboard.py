"""Dashboard page loads on 1,000 ad sets x 90 days: cold (empty caches) and warm, per page.

A store is synced from an in-process sandbox (ad-set level), then each page is run through Streamlit's
AppTest, which executes the page script exactly as a server would (every query, fit, allocation and
chart spec) but without a browser drawing it. "Cold" is the first visit after the caches are cleared;
"warm" a second visit in the same session (``st.cache_data`` keyed by database URL + data version);
"interaction" a widget change on a warm page. Imports are warmed first so they are not counted.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.report import Section

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
PAGES = [
    ("Overview", "views/overview.py"),
    ("Budget recommendations", "views/budgets.py"),
    ("Response curves", "views/curves.py"),
    ("Experiments", "views/experiments.py"),
    ("History", "views/history.py"),
]


def build_store(url: str, adsets: int, days: int) -> tuple[float, int]:
    """Sync a sandbox account of ``adsets`` ad sets and ``days`` days into ``url``; (seconds, rows)."""
    from optimizer.meta.api import make_api
    from optimizer.meta.client import MetaClient
    from optimizer.meta.retry import RetryPolicy
    from optimizer.sandbox.graph import GraphApp, ManualClock, SandboxConfig, SandboxServer
    from optimizer.sandbox.market import Market, MarketConfig
    from optimizer.store import Store
    from optimizer.sync.run import sync_account

    market = Market(
        MarketConfig(
            seed=7,
            adsets=adsets,
            campaigns=max(3, adsets // 25),
            ads_per_adset=1,
            history_days=days,
        )
    )
    clock = ManualClock()
    server = SandboxServer(GraphApp(market, SandboxConfig(), clock=clock))
    base = server.start()
    try:
        client = MetaClient(
            make_api("bench", base_url=base),
            retry=RetryPolicy(sleep=clock.advance),
            poll_interval=5,
        )
        started = time.perf_counter()
        with Store(url) as store:
            report = sync_account(
                client, store, next(iter(market.accounts)), today=market.today, levels=("adset",)
            )
        return time.perf_counter() - started, sum(report.insight_rows.values())
    finally:
        server.stop()


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def page_times(url: str) -> list[list[object]]:
    """(page, cold s, warm s) per page, plus one interaction on the Overview."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    os.environ["ADPILOT_DB"] = url
    rows: list[list[object]] = []
    st.cache_data.clear()
    st.cache_resource.clear()
    app = AppTest.from_file(str(APP), default_timeout=600)
    timings: dict[str, list[float]] = {}
    for visit in ("cold", "warm"):
        for name, path in PAGES:
            if visit == "cold" and name == "Overview":
                seconds = _timed(app.run)  # the entry point opens the default page
            else:
                seconds = _timed(lambda p=path: app.switch_page(p).run())  # type: ignore[misc]
            if app.exception:
                raise RuntimeError(f"{name}: {app.exception[0].value}")
            timings.setdefault(name, []).append(seconds)
    for name, (cold, warm) in timings.items():
        rows.append([name, f"{cold:.2f}", f"{warm:.2f}"])
    app.switch_page("views/overview.py").run()
    picked = app.date_input(key="range").value
    assert isinstance(picked, tuple) and len(picked) == 2
    last = picked[1]
    seconds = _timed(lambda: app.date_input(key="range").set_value((last, last)).run())
    rows.append(["Overview: change the date range", "", f"{seconds:.2f}"])
    return rows


def _warm_imports(folder: Path) -> None:
    """Import what the pages use and run the app once on an empty database: imports are not timed."""
    import importlib

    from streamlit.testing.v1 import AppTest

    for module in (
        "altair",
        "babel.numbers",
        "dashboard.charts",
        "dashboard.experiment_tables",
        "experiments.summary",
        "optimizer.nightly",
        "optimizer.models",
    ):
        importlib.import_module(module)

    os.environ["ADPILOT_DB"] = f"sqlite:///{folder / 'empty.db'}"
    AppTest.from_file(str(APP), default_timeout=600).run()


def run(quick: bool = False) -> Section:
    adsets, days = (200, 30) if quick else (1000, 90)
    section = Section(
        f"Dashboard: page loads on {adsets:,} ad sets x {days} days",
        "python -m benchmarks dashboard",
    )
    os.environ.setdefault("ADPILOT_CONFIG", "/nonexistent/adpilot-config.toml")
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'adpilot.db'}"
        sync_seconds, rows = build_store(url, adsets, days)
        _warm_imports(Path(folder))
        times = page_times(url)
    section.lines.append(
        f"Store: SQLite, {rows:,} ad-set daily rows (synced from the sandbox in {sync_seconds:.0f} s, "
        "not part of the page times). Seconds to run each page script server-side (AppTest), default "
        "policy, no browser:\n"
    )
    section.table(["page", "cold s (empty caches)", "warm s (cached)"], times)
    section.lines.append(
        "Cold includes reading the insights (Overview), and on Budget recommendations the nightly "
        "job's fit and allocation plus the posteriors for the expected effects, which Response curves "
        "then reuses. Warm visits reuse `st.cache_data` entries keyed by database URL and the part of "
        "the data version they depend on: a sync invalidates them, an apply or a rollback does not "
        "(History reads the audit log directly)."
    )
    return section
