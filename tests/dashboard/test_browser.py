"""The dashboard in a real browser: ``streamlit run`` against a synced SQLite store, driven by Playwright.

Debian's chromium is used (``/usr/bin/chromium``); Playwright never downloads a browser. Off CI a missing
chromium or playwright skips with the reason; on CI (``CI=true``) it fails. Screenshots land in
``artifacts/dashboard/`` (gitignored).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from dashboard.launch import streamlit_command
from optimizer.money import major_to_minor
from optimizer.sandbox.market import MarketConfig
from optimizer.store import AuditStatus, Store
from tests.conftest import RunningSandbox, on_ci
from tests.dashboard.conftest import SMALL, run_experiment, sync_into

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "dashboard"
#: Each page and an element that shows it has rendered past its first widgets.
PAGES = {
    "Overview": "stMetricValue",
    "Budget recommendations": "stDataFrame",
    "Response curves": "stMetricValue",
    "Experiments": "stDownloadButton",
    "History": "stAlert",
}

pytestmark = pytest.mark.slow


def _missing(reason: str) -> None:
    if on_ci():
        pytest.fail(f"browser test cannot run on CI: {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(
    sandbox_factory: type[RunningSandbox], tmp_path: Path, policy_file: Path
) -> Iterator[tuple[str, RunningSandbox, str]]:
    """(dashboard URL, sandbox, database URL): streamlit serving a store synced from the sandbox."""
    if not Path(CHROMIUM).exists():
        _missing(f"{CHROMIUM} not found: apt-get install -y chromium")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _missing("the playwright package is not installed (pip install -e '.[dev]')")
    sandbox = sandbox_factory(MarketConfig(**SMALL))  # type: ignore[arg-type]
    db_url = f"sqlite:///{tmp_path / 'browser.db'}"
    sync_into(sandbox, db_url)
    run_experiment(sandbox, db_url)
    port = _free_port()
    command = streamlit_command(port=port, db=db_url, sandbox=sandbox.url, policy=str(policy_file))
    env = {k: v for k, v in os.environ.items() if k != "ADPILOT_DASHBOARD_PASSWORD"}
    log = (tmp_path / "streamlit.log").open("w")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{url}/_stcore/health", timeout=2).text == "ok":
                    break
            except requests.RequestException:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log.flush()
                raise AssertionError(
                    "streamlit did not come up:\n" + (tmp_path / "streamlit.log").read_text()
                )
            time.sleep(0.3)
        yield url, sandbox, db_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _settled(page) -> None:  # type: ignore[no-untyped-def]
    """Streamlit's own e2e idiom: connected, and the script has finished running."""
    page.wait_for_selector(
        "[data-testid='stApp'][data-test-connection-state='CONNECTED']", timeout=60_000
    )
    page.wait_for_selector(
        "[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000
    )


def test_every_page_in_chromium_and_one_recommendation_applied_by_clicks(served) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, sandbox, db_url = served
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    ARTIFACTS.mkdir(parents=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            _settled(page)
            expect(page.get_by_test_id("stMetricValue").first).to_be_visible(timeout=30_000)
            for number, (name, shown) in enumerate(PAGES.items(), start=1):
                page.get_by_test_id("stSidebarNav").get_by_text(name, exact=True).click()
                _settled(page)
                expect(page.get_by_role("heading", name=name).first).to_be_visible(timeout=30_000)
                expect(page.get_by_test_id(shown).first).to_be_visible(timeout=30_000)
                if name == "Response curves":
                    expect(page.locator("canvas, svg.marks").first).to_be_visible(timeout=30_000)
                expect(page.get_by_test_id("stException")).to_have_count(0)
                slug = name.lower().replace(" ", "_")
                page.screenshot(path=str(ARTIFACTS / f"{number}_{slug}.png"), full_page=True)

            # apply one recommendation: pick it, review, confirm
            page.get_by_test_id("stSidebarNav").get_by_text("Budget recommendations").click()
            _settled(page)
            chooser = page.get_by_test_id("stMultiSelect")
            chooser.click()
            # the first ad set or campaign (the list also offers "Select all")
            page.get_by_role("option").filter(has_text="(").first.click()
            page.keyboard.press("Escape")
            _settled(page)
            page.screenshot(path=str(ARTIFACTS / "6_approved.png"), full_page=True)
            expect(chooser.get_by_role("button", name="Remove", exact=False)).to_have_count(1)
            page.get_by_role("button", name="Review approved changes").click()
            _settled(page)
            expect(page.get_by_text("Apply 1 change(s)")).to_be_visible(timeout=30_000)
            page.screenshot(path=str(ARTIFACTS / "6_confirm.png"), full_page=True)
            page.get_by_role("button", name="Confirm and apply").click()
            _settled(page)
            expect(page.get_by_text("1 applied")).to_be_visible(timeout=30_000)
            page.screenshot(path=str(ARTIFACTS / "7_applied.png"), full_page=True)
        finally:
            browser.close()

    with Store(db_url) as store:
        (entry,) = store.audit_entries()
    assert entry.status == AuditStatus.APPLIED.value and entry.run_id.startswith("dashboard-")
    assert sandbox.market.adsets[entry.object_id].daily_budget == int(entry.after or 0)
    assert int(entry.after or 0) != int(entry.before or 0)
    assert major_to_minor  # amounts are minor units end to end
