"""Approve-and-apply and rollback from the dashboard change the sandbox's budgets and write the audit log."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from optimizer.money import major_to_minor
from optimizer.sandbox.market import MarketConfig
from optimizer.store import AuditStatus, Store
from tests.dashboard.apptest import frame_with, no_exception, open_app
from tests.dashboard.conftest import SMALL, sync_into


def test_approve_apply_then_roll_back(monkeypatch, sandbox_factory, tmp_path: Path, policy_file):
    sandbox = sandbox_factory(MarketConfig(**SMALL))
    url = f"sqlite:///{tmp_path / 'live.db'}"
    sync_into(sandbox, url)
    app = open_app(monkeypatch, url, policy=policy_file, sandbox_url=sandbox.url)
    app.switch_page("views/budgets.py").run()
    no_exception(app)

    table = frame_with(app, "budget_id", "verdict")
    movable = table[(table["level"] == "adset") & table["verdict"].isin(["ok", "clipped"])]
    assert len(movable) > 0
    row = movable.iloc[0]
    adset_id = row["budget_id"]
    before = sandbox.market.adsets[adset_id].daily_budget
    untouched = {a: s.daily_budget for a, s in sandbox.market.adsets.items() if a != adset_id}

    app.multiselect(key="approved").set_value([adset_id]).run()
    app.button(key="review").click().run()
    no_exception(app)
    confirm = frame_with(app, "from", "to")
    assert confirm["budget_id"].tolist() == [adset_id]
    target = Decimal(confirm["to"].iloc[0].replace("$", "").replace(",", ""))
    app.button(key="confirm").click().run()
    no_exception(app)

    # the sandbox holds the approved budget; nothing else moved
    assert sandbox.market.adsets[adset_id].daily_budget == major_to_minor(target, "USD")
    assert sandbox.market.adsets[adset_id].daily_budget != before
    assert {
        a: s.daily_budget for a, s in sandbox.market.adsets.items() if a != adset_id
    } == untouched
    with Store(url) as store:
        entries = store.audit_entries()
    assert len(entries) == 1
    entry = entries[0]
    assert (entry.object_id, entry.field, entry.status) == (
        adset_id,
        "daily_budget",
        AuditStatus.APPLIED.value,
    )
    assert entry.run_id.startswith(f"dashboard-{sandbox.account_id}-")
    assert entry.actor == "adpilot dashboard"
    assert (int(entry.before or 0), int(entry.after or 0)) == (
        before,
        major_to_minor(target, "USD"),
    )
    assert app.success[0].value.startswith(f"Run {entry.run_id}: 1 applied")
    # the page's recommendation now starts from the applied budget (not a cached one from before)
    after_apply = frame_with(app, "budget_id", "verdict").set_index("budget_id")
    shown = str(after_apply.loc[adset_id, "current_budget"]).replace("$", "").replace(",", "")
    assert Decimal(shown) == target

    # History lists the run and rolls it back through the shared rollback
    app.switch_page("views/history.py").run()
    no_exception(app)
    runs = frame_with(app, "run_id", "can_roll_back")
    assert runs["run_id"].tolist() == [entry.run_id] and runs["applied"].tolist() == [1]
    changes = frame_with(app, "object_id", "before", "after")
    assert changes.loc[0, "before"] == f"${Decimal(before) / 100:,.2f}"
    app.checkbox(key="rollback_confirm").check().run()
    app.button(key="rollback").click().run()
    no_exception(app)
    assert sandbox.market.adsets[adset_id].daily_budget == before
    with Store(url) as store:
        statuses = {e.run_id: e.status for e in store.audit_entries()}
    assert statuses[entry.run_id] == AuditStatus.ROLLED_BACK.value
    assert statuses[f"rollback-{entry.run_id}"] == AuditStatus.APPLIED.value
    assert "Rolled back" in app.success[0].value
