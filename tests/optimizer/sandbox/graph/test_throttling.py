"""Rolling-window rate limits on a manual clock."""

from __future__ import annotations

import json
import time

import pytest

from optimizer.sandbox.graph.throttling import (
    ADS_INSIGHTS,
    ADS_MANAGEMENT,
    ManualClock,
    Quotas,
    SystemClock,
    UsageTracker,
)
from optimizer.sandbox.graph.wire import GraphError

ACCOUNT = "act_42"


def test_buc_usage_percent_and_recovery_after_the_hour() -> None:
    clock = ManualClock()
    tracker = UsageTracker(Quotas(ads_management_per_hour=4), clock)
    for _ in range(3):
        tracker.record(ACCOUNT, ADS_MANAGEMENT, write=False)
        clock.advance(600)
    usage = json.loads(tracker.headers(ACCOUNT, insights=False)["X-Business-Use-Case-Usage"])["42"]
    assert next(e for e in usage if e["type"] == "ads_management")["call_count"] == 75
    assert next(e for e in usage if e["type"] == "ads_insights")["call_count"] == 0
    tracker.record(ACCOUNT, ADS_MANAGEMENT, write=False)
    with pytest.raises(GraphError) as caught:
        tracker.record(ACCOUNT, ADS_MANAGEMENT, write=False)
    assert caught.value.code == 80004 and caught.value.transient
    # The first call (t=0) leaves the window at t=3600; now is t=1800: 30 minutes to wait.
    usage = json.loads(caught.value.headers["X-Business-Use-Case-Usage"])["42"]
    assert (
        next(e for e in usage if e["type"] == "ads_management")["estimated_time_to_regain_access"]
        == 30
    )
    clock.advance(1801)
    tracker.record(ACCOUNT, ADS_MANAGEMENT, write=False)


def test_score_counts_writes_three_times_and_decays() -> None:
    clock = ManualClock()
    tracker = UsageTracker(Quotas(account_score_max=6, account_score_window=300), clock)
    tracker.record(ACCOUNT, ADS_MANAGEMENT, write=True)
    tracker.record(ACCOUNT, ADS_MANAGEMENT, write=True)
    assert (
        json.loads(tracker.headers(ACCOUNT, False)["X-Ad-Account-Usage"])["acc_id_util_pct"] == 100
    )
    with pytest.raises(GraphError) as caught:
        tracker.record(ACCOUNT, ADS_MANAGEMENT, write=False)
    assert (caught.value.code, caught.value.subcode) == (17, 2446079)
    clock.advance(301)
    tracker.record(ACCOUNT, ADS_MANAGEMENT, write=False)


def test_accounts_are_counted_separately_and_the_app_together() -> None:
    tracker = UsageTracker(Quotas(ads_insights_per_hour=1, app_calls_per_hour=3), ManualClock())
    tracker.record("act_1", ADS_INSIGHTS, write=False)
    tracker.record("act_2", ADS_INSIGHTS, write=False)
    with pytest.raises(GraphError) as per_account:
        tracker.record("act_1", ADS_INSIGHTS, write=False)
    assert per_account.value.code == 80000
    tracker.record(None, ADS_MANAGEMENT, write=False)
    with pytest.raises(GraphError) as app:
        tracker.record("act_3", ADS_MANAGEMENT, write=False)
    assert app.value.code == 4
    assert json.loads(tracker.headers(None, False)["X-App-Usage"])["call_count"] == 100


def test_budget_changes_four_per_rolling_hour_per_object() -> None:
    clock = ManualClock()
    tracker = UsageTracker(Quotas(), clock)
    for _ in range(4):
        tracker.check_budget_change(ACCOUNT, "s1")
        tracker.note_budget_change("s1")
        clock.advance(900)
    clock.advance(-1)  # t = 3599: the first change is still inside the hour
    with pytest.raises(GraphError) as caught:
        tracker.check_budget_change(ACCOUNT, "s1")
    assert caught.value.code == 17 and "s1" in (caught.value.user_msg or "")
    tracker.check_budget_change(ACCOUNT, "s2")
    clock.advance(2)
    tracker.check_budget_change(ACCOUNT, "s1")


def _eta(headers: dict[str, str], use_case: str) -> int:
    usage = json.loads(headers["X-Business-Use-Case-Usage"])["42"]
    return int(next(e for e in usage if e["type"] == use_case)["estimated_time_to_regain_access"])


def test_only_real_quota_blocks_show_a_wait_on_later_answers() -> None:
    clock = ManualClock()
    tracker = UsageTracker(Quotas(), clock)
    injected = tracker.throttled(ACCOUNT, ADS_INSIGHTS, 80000, 180.0)
    assert _eta(injected.headers, ADS_INSIGHTS) == 3
    for _ in range(4):
        tracker.note_budget_change("s1")
    with pytest.raises(GraphError) as budget:
        tracker.check_budget_change(ACCOUNT, "s1")
    assert _eta(budget.value.headers, ADS_MANAGEMENT) == 60
    later = tracker.headers(ACCOUNT, insights=True)
    assert _eta(later, ADS_INSIGHTS) == 0 and _eta(later, ADS_MANAGEMENT) == 0
    quota = UsageTracker(Quotas(ads_insights_per_hour=1), clock)
    quota.record(ACCOUNT, ADS_INSIGHTS, write=False)
    with pytest.raises(GraphError):
        quota.record(ACCOUNT, ADS_INSIGHTS, write=False)
    assert (
        _eta(quota.headers(ACCOUNT, insights=True), ADS_INSIGHTS) == 60
    )  # still refused: the wait shows


def test_the_system_clock_is_the_wall_clock_plus_simulated_days() -> None:
    clock = SystemClock()
    wall = time.time()
    assert abs(clock.now() - wall) < 5
    clock.advance(2 * 86_400)
    assert clock.now() - time.time() == pytest.approx(2 * 86_400, abs=5)
