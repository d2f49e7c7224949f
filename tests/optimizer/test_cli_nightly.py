"""``adpilot nightly``, ``recommend``, ``apply`` and ``rollback`` against a running sandbox, as a user calls them."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.meta.api import make_api
from optimizer.meta.client import MetaClient, NodeUpdate
from optimizer.sandbox.market import MarketConfig
from optimizer.store import Store
from tests.conftest import RunningSandbox

CONFIG = MarketConfig(seed=5, campaigns=3, adsets=8, ads_per_adset=1, history_days=40)


def budgets(sandbox: RunningSandbox) -> dict[str, int | None]:
    market = sandbox.market
    out = {a.id: a.daily_budget for a in market.adsets.values()}
    return out | {c.id: c.daily_budget for c in market.campaigns.values()}


def test_nightly_dry_run_apply_and_rollback(
    sandbox_factory: type[RunningSandbox], tmp_path: Path
) -> None:
    sandbox = sandbox_factory(CONFIG)
    db = str(tmp_path / "n.db")
    runner = CliRunner()
    start = budgets(sandbox)
    base = ["--sandbox", sandbox.url, "--db", db]

    dry = runner.invoke(app, ["nightly", *base, "--json"])
    assert dry.exit_code == 0, dry.output
    plan = json.loads(dry.stdout)
    assert plan["mode"] == "dry-run" and plan["counts"].get("planned", 0) >= 3
    assert budgets(sandbox) == start  # a dry run sends nothing

    table = runner.invoke(app, ["nightly", *base, "--apply"])
    assert table.exit_code == 0, table.output
    assert plan["run_id"] in table.stdout and "applied" in table.stdout
    moved = {row["object_id"]: row for row in plan["changes"] if row["field"] == "daily_budget"}
    moved = {k: v for k, v in moved.items() if v["status"] == "planned"}
    now = budgets(sandbox)
    for object_id, row in moved.items():
        assert now[object_id] == round(float(row["approved"]) * 100)

    back = runner.invoke(app, ["rollback", plan["run_id"], *base, "--json"])
    assert back.exit_code == 0, back.output
    assert json.loads(back.stdout)["applied"] >= len(moved)
    assert budgets(sandbox) == start


def test_recommend_then_apply_the_approved_file_once(
    sandbox_factory: type[RunningSandbox], tmp_path: Path
) -> None:
    sandbox = sandbox_factory(CONFIG)
    db = str(tmp_path / "r.db")
    runner = CliRunner()
    assert runner.invoke(app, ["sync", "--sandbox", sandbox.url, "--db", db]).exit_code == 0

    shown = runner.invoke(app, ["recommend", "--db", db])
    assert shown.exit_code == 0 and "Recommended daily budgets" in shown.stdout
    as_json = runner.invoke(app, ["recommend", "--db", db, "--json"])
    body = json.loads(as_json.stdout)
    assert body["account_id"] == sandbox.account_id and body["currency"] == "USD"
    as_csv = runner.invoke(app, ["recommend", "--db", db, "--csv"])
    assert as_csv.stdout.splitlines()[0].startswith("account_id,budget_id,level")
    approved = tmp_path / "approved.csv"
    approved.write_text(as_csv.stdout)

    first = runner.invoke(
        app, ["apply", str(approved), "--sandbox", sandbox.url, "--db", db, "--json"]
    )
    assert first.exit_code == 0, first.output
    report = json.loads(first.stdout)
    expected = {
        r["budget_id"]: r["recommended_budget"]
        for r in body["recommendations"]
        if r["recommended_budget"] != r["current_budget"]
    }
    assert report["applied"] >= len(expected) > 0
    now = budgets(sandbox)
    for object_id, value in expected.items():
        assert now[object_id] == round(float(value) * 100)

    again = runner.invoke(
        app, ["apply", str(approved), "--sandbox", sandbox.url, "--db", db, "--json"]
    )
    assert json.loads(again.stdout)["applied"] == 0  # the same file applies once
    with Store(f"sqlite:///{db}") as store:
        runs = {e.run_id for e in store.audit_entries()}
    assert len(runs) == 1 and next(iter(runs)).startswith(f"apply-{sandbox.account_id}-")

    # the set was approved against budgets that no longer hold: refused whole, nothing sent
    stale = runner.invoke(
        app, ["apply", str(tmp_path / "approved.json"), "--sandbox", sandbox.url, "--db", db]
    )
    assert stale.exit_code == 1 and "cannot read" in stale.output
    (tmp_path / "approved.json").write_text(as_json.stdout)
    refused = runner.invoke(
        app, ["apply", str(tmp_path / "approved.json"), "--sandbox", sandbox.url, "--db", db]
    )
    assert refused.exit_code == 1 and "refused by the guardrails" in refused.output
    assert budgets(sandbox) == now


def test_nightly_exits_2_when_meta_refuses_a_change(
    sandbox_factory: type[RunningSandbox], tmp_path: Path
) -> None:
    sandbox = sandbox_factory(CONFIG)
    db = str(tmp_path / "f.db")
    runner = CliRunner()
    dry = json.loads(
        runner.invoke(app, ["nightly", "--sandbox", sandbox.url, "--db", db, "--json"]).stdout
    )
    target = next(
        r for r in dry["changes"] if r["status"] == "planned" and r["field"] == "daily_budget"
    )
    # someone spent the object's four budget changes of the hour in Ads Manager, ending where it was
    client = MetaClient(make_api("t", base_url=sandbox.url))
    cents = round(float(target["current"]) * 100)
    for value in (cents + 1, cents + 2, cents + 3, cents):
        assert client.update_nodes([NodeUpdate(target["object_id"], {"daily_budget": value})])[0].ok

    result = runner.invoke(app, ["nightly", "--sandbox", sandbox.url, "--db", db, "--apply"])

    assert result.exit_code == 2, result.output
    assert "failed" in result.output and target["object_id"] in result.output
