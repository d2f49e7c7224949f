"""Starting the dashboard under AppTest with a database, a policy and (optionally) a sandbox."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.dashboard.conftest import APP


def open_app(
    monkeypatch: pytest.MonkeyPatch,
    db_url: str,
    *,
    policy: Path | None = None,
    sandbox_url: str | None = None,
    password: str | None = None,
) -> AppTest:
    """The app's entry point, run once (pages are reached with ``switch_page``)."""
    monkeypatch.setenv("ADPILOT_DB", db_url)
    if policy is not None:
        monkeypatch.setenv("ADPILOT_POLICY", str(policy))
    if sandbox_url is not None:
        monkeypatch.setenv("ADPILOT_SANDBOX_URL", sandbox_url)
    if password is not None:
        monkeypatch.setenv("ADPILOT_DASHBOARD_PASSWORD", password)
    app = AppTest.from_file(str(APP), default_timeout=60)
    return app.run()


def no_exception(app: AppTest) -> None:
    assert not app.exception, "\n".join(
        f"{e.value}\n" + "\n".join(e.stack_trace) for e in app.exception
    )


def frame_with(app: AppTest, *columns: str) -> pd.DataFrame:
    """The first table shown that has all of ``columns`` (AppTest exposes no key for dataframes)."""
    for element in app.dataframe:
        frame = element.value
        if all(c in frame.columns for c in columns):
            return frame
    raise AssertionError(f"no table with columns {columns}")
