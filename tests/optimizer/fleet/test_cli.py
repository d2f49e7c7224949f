"""`adpilot nightly --accounts FILE | --all-accounts`: the table and JSON, exit codes, SQLite refused."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.sandbox.market import MarketConfig
from optimizer.store import Store
from tests.conftest import RunningSandbox

CONFIG = MarketConfig(seed=4, accounts=3, campaigns=2, adsets=4, ads_per_adset=1, history_days=30)


def test_a_file_of_accounts_runs_each_and_one_bad_account_fails_alone(
    sandbox_factory: type[RunningSandbox], tmp_path: Path
) -> None:
    sandbox = sandbox_factory(CONFIG)
    first, second, _ = sandbox.market.accounts
    listing = tmp_path / "accounts.txt"
    listing.write_text(
        f"{first}\n# gone\nact_404\n{second.removeprefix('act_')}\n", encoding="utf-8"
    )
    db = tmp_path / "fleet.db"
    base = ["nightly", "--accounts", str(listing), "--sandbox", sandbox.url, "--db", str(db)]
    result = CliRunner().invoke(app, [*base, "--workers", "1", "--json"])
    assert result.exit_code == 2, result.output
    report = json.loads(result.stdout)
    rows = {row["account_id"]: row for row in report["accounts"]}
    assert list(rows) == [first, "act_404", second]
    assert rows["act_404"]["status"] == "failed" and "code 100" in rows["act_404"]["reason"]
    for account in (first, second):
        assert rows[account]["status"] == "ok" and rows[account]["adsets"] == 4
        assert rows[account]["changes_applied"] == 0  # a dry run
        assert rows[account]["changes_planned"] > 0
    with Store(f"sqlite:///{db}") as store:
        planned = store.audit_entries()
    assert {e.account_id for e in planned} == {first, second}
    assert all(e.status == "planned" for e in planned)
    assert report["totals"]["failed"] == 1 and report["workers"] == 1


def test_all_accounts_prints_the_table_and_applies(
    sandbox_factory: type[RunningSandbox], tmp_path: Path
) -> None:
    sandbox = sandbox_factory(CONFIG)
    args = ["nightly", "--all-accounts", "--sandbox", sandbox.url, "--db", str(tmp_path / "f.db")]
    result = CliRunner().invoke(app, [*args, "--workers", "1", "--apply"])
    assert result.exit_code == 0, result.output
    for account in sandbox.market.accounts:
        assert account in result.stdout
    assert "3 accounts, 0 failed" in result.stdout


def test_sqlite_is_refused_for_a_cluster_run(tmp_path: Path) -> None:
    listing = tmp_path / "a.txt"
    listing.write_text("act_1\n", encoding="utf-8")
    args = ["nightly", "--accounts", str(listing), "--db", str(tmp_path / "f.db")]
    result = CliRunner().invoke(app, [*args, "--sandbox", "http://127.0.0.1:9"])
    assert result.exit_code == 1
    assert "needs PostgreSQL" in result.output and "--workers 1" in result.output
    both = CliRunner().invoke(app, [*args, "--account", "act_1", "--workers", "1"])
    assert both.exit_code == 1 and "give one of --account" in both.output
