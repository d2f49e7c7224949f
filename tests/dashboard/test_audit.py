"""History tables: budgets shown as money in the account's currency, one row per run."""

from __future__ import annotations

from datetime import UTC, datetime

from dashboard.audit import changes_frame, display_value, runs_frame
from dashboard.freshness import freshness
from optimizer.store import AuditEntry, SyncRun


def entry(i: int, run: str, status: str, field: str = "daily_budget", **kw: object) -> AuditEntry:
    values: dict[str, object] = {
        "id": i,
        "run_id": run,
        "account_id": "act_1",
        "object_type": "adset",
        "object_id": f"a{i}",
        "field": field,
        "before": "5000",
        "after": "6000",
        "actor": "adpilot nightly",
        "status": status,
        "created_at": datetime(2026, 3, 1, 2, i, tzinfo=UTC),
    }
    values.update(kw)
    return AuditEntry(**values)  # type: ignore[arg-type]


def test_budget_values_read_as_money_in_the_accounts_currency() -> None:
    assert display_value("daily_budget", "5000", "USD") == "$50.00"
    assert display_value("bid_amount", "1250", "JPY") == "¥1,250"
    assert display_value("status", "PAUSED", "USD") == "PAUSED"
    assert display_value("daily_budget", None, "USD") is None
    assert (
        display_value("daily_budget", "12.5", "USD") == "12.5"
    )  # not whole minor units: as stored


def test_changes_newest_first_with_names() -> None:
    entries = [entry(1, "r1", "applied"), entry(2, "r2", "planned")]
    frame = changes_frame(entries, "USD", {"a1": "Broad US"})
    assert frame["id"].tolist() == [2, 1]
    assert frame.loc[1, "name"] == "Broad US" and frame.loc[0, "name"] == "a2"
    assert (frame.loc[1, "before"], frame.loc[1, "after"]) == ("$50.00", "$60.00")


def test_runs_summarise_statuses_and_rollback_availability() -> None:
    entries = [
        entry(1, "nightly-1", "applied"),
        entry(2, "nightly-1", "failed"),
        entry(3, "nightly-1", "skipped"),
        entry(4, "nightly-2", "rolled_back", actor="dashboard"),
        entry(5, "rollback-nightly-2", "applied", actor="adpilot rollback"),
    ]
    runs = runs_frame(entries).set_index("run_id")
    assert runs.index.tolist() == ["rollback-nightly-2", "nightly-2", "nightly-1"]
    assert runs.loc["nightly-1", ["changes", "applied", "failed", "rolled_back"]].tolist() == [
        3,
        1,
        1,
        0,
    ]
    assert bool(runs.loc["nightly-1", "can_roll_back"]) is True
    assert bool(runs.loc["nightly-2", "can_roll_back"]) is False
    assert runs.loc["nightly-2", "actors"] == "dashboard"


def test_freshness_takes_the_newest_sync_and_the_latest_change() -> None:
    runs = [
        SyncRun(id=2, account_id="act_1", status="failed", error="boom",
                started_at=datetime(2026, 3, 2, tzinfo=UTC)),
        SyncRun(id=1, account_id="act_1", status="succeeded",
                started_at=datetime(2026, 3, 1, tzinfo=UTC), finished_at=datetime(2026, 3, 1, 0, 5, tzinfo=UTC)),
    ]  # fmt: skip
    fresh = freshness(
        datetime(2026, 2, 28).date(), runs, [entry(1, "r1", "applied"), entry(7, "r2", "planned")]
    )
    assert (fresh.last_sync_status, fresh.last_sync_error) == ("failed", "boom")
    assert fresh.last_sync_at == datetime(2026, 3, 2, tzinfo=UTC)
    assert (fresh.last_run_id, fresh.last_run_actor) == ("r2", "adpilot nightly")
    assert fresh.days_behind(datetime(2026, 3, 2).date()) == 2
    empty = freshness(None, [], [])
    assert empty.last_sync_at is None and empty.days_behind(datetime(2026, 3, 2).date()) is None
