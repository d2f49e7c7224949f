"""``adpilot sync`` against a running sandbox, as a user would call it."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.sandbox.market import MarketConfig
from optimizer.store import DailyInsight, Store
from tests.conftest import RunningSandbox


def test_sync_command_with_json_output(
    sandbox_factory: type[RunningSandbox], tmp_path: Path
) -> None:
    sandbox = sandbox_factory(
        MarketConfig(seed=5, campaigns=3, adsets=6, ads_per_adset=2, history_days=30)
    )
    db = tmp_path / "cli.db"
    result = CliRunner().invoke(app, ["sync", "--sandbox", sandbox.url, "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["account_id"] == sandbox.account_id  # the token's only account, found by itself
    assert report["until"] == str(
        sandbox.market.today.fromordinal(sandbox.market.today.toordinal() - 1)
    )
    with Store(f"sqlite:///{db}") as store:
        assert store.count(DailyInsight) == sum(report["insight_rows"].values()) > 0


def test_sync_command_reports_bad_input_without_a_traceback(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    result = CliRunner().invoke(
        app,
        ["sync", "--sandbox", sandbox.url, "--db", str(tmp_path / "x.db"), "--since", "2024-13-01"],
    )
    assert result.exit_code == 1
    assert "--since" in result.output and "Traceback" not in result.output
