"""The dashboard reads the same on SQLite and PostgreSQL (the store's two backends)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd

from dashboard.format import money
from optimizer.sandbox.market import MarketConfig
from optimizer.store import Store
from tests.dashboard.apptest import frame_with, no_exception, open_app
from tests.dashboard.conftest import SMALL, sync_into


def test_pages_on_each_backend(
    monkeypatch, sandbox_factory, db_url: str, policy_file: Path
) -> None:
    sandbox = sandbox_factory(MarketConfig(**SMALL))
    sync_into(sandbox, db_url)
    app = open_app(monkeypatch, db_url, policy=policy_file)
    no_exception(app)
    with Store(db_url) as store:
        frame = store.insights_frame(store.accounts()[0].id)
    last = frame["date"].max()
    window = frame[frame["date"] > last - pd.Timedelta(days=28)]
    assert {m.label: m.value for m in app.metric}["Spend"] == money(
        sum(window["spend"], Decimal(0)), "USD"
    )
    for page in ("views/budgets.py", "views/curves.py", "views/experiments.py", "views/history.py"):
        app.switch_page(page).run()
        no_exception(app)
    app.switch_page("views/budgets.py").run()
    assert len(frame_with(app, "budget_id", "verdict")) > 0
