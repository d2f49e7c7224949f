"""Sync end to end: the real SDK over HTTP against the sandbox, into SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest
import requests
from sqlmodel import select

from optimizer.errors import SyncError
from optimizer.meta.api import make_api
from optimizer.meta.client import MetaClient
from optimizer.meta.retry import RetryPolicy
from optimizer.sandbox.market import MarketConfig
from optimizer.store import Account, Ad, AdSet, Campaign, Creative, DailyInsight, Store
from optimizer.sync.run import sync_account
from tests.conftest import RunningSandbox

ACTION = "omni_purchase"


def client_for(sandbox: RunningSandbox, **retry: Any) -> MetaClient:
    api = make_api("sandbox-token", base_url=sandbox.url)
    policy = RetryPolicy(sleep=sandbox.clock.advance, **retry)
    return MetaClient(api, retry=policy, poll_interval=10.0)


def endpoint_rows(
    sandbox: RunningSandbox, level: str, since: str, until: str
) -> list[dict[str, Any]]:
    """What the sandbox's own insights endpoint says, read with plain requests following paging.next."""
    url: str | None = f"{sandbox.url}/v26.0/{sandbox.account_id}/insights"
    params: dict[str, Any] | None = {
        "access_token": "checker",
        "level": level,
        "time_increment": "1",
        "time_range": f'{{"since":"{since}","until":"{until}"}}',
        "fields": "adset_id,ad_id,date_start,spend,impressions,clicks,actions,action_values",
        "limit": "500",
    }
    rows: list[dict[str, Any]] = []
    while url:
        body = requests.get(url, params=params, timeout=30).json()
        rows.extend(body["data"])
        url, params = body.get("paging", {}).get("next"), None
    return rows


def action(row: dict[str, Any], key: str) -> Decimal:
    for item in row.get(key) or []:
        if item["action_type"] == ACTION:
            return Decimal(item["value"])
    return Decimal(0)


def totals_from_endpoint(rows: list[dict[str, Any]], level: str) -> dict[tuple[str, str], tuple]:
    return {
        (row[f"{level}_id"], row["date_start"]): (
            Decimal(row["spend"]),
            int(row["impressions"]),
            int(action(row, "actions")),
            action(row, "action_values"),
        )
        for row in rows
    }


def totals_from_store(store: Store, level: str) -> dict[tuple[str, str], tuple]:
    frame = store.insights_frame(next(a.id for a in store.accounts()), level=level)
    out = {}
    with store.transaction() as session:
        for row in session.scalars(select(DailyInsight).where(DailyInsight.level == level)):
            out[(row.object_id, row.date.isoformat())] = (
                row.spend,
                row.impressions,
                row.conversions,
                row.revenue,
            )
    assert len(frame) == len(out)
    return out


def test_sync_stores_exactly_what_the_endpoint_reports(
    sandbox: RunningSandbox, store: Store
) -> None:
    market = sandbox.market
    assert len(market.campaigns) >= 3 and len(market.adsets) >= 20 and len(market.ads) >= 60
    client = client_for(sandbox)
    report = sync_account(client, store, sandbox.account_id, today=market.today)

    assert report.until == market.today - timedelta(
        days=1
    ) and report.since == market.today - timedelta(days=90)
    assert report.purchase_action == ACTION
    assert store.count(Campaign) == len(market.campaigns)
    assert store.count(AdSet) == len(market.adsets)
    assert store.count(Ad) == len(market.ads)
    assert store.count(Creative) == len(market.creatives)
    account = store.account(sandbox.account_id)
    assert isinstance(account, Account) and account.currency == "USD"
    assert {c.call_to_action_type for c in store.creatives(sandbox.account_id)} >= {"SHOP_NOW"}

    since, until = report.since.isoformat(), report.until.isoformat()
    for level in ("adset", "ad"):
        expected = totals_from_endpoint(endpoint_rows(sandbox, level, since, until), level)
        stored = totals_from_store(store, level)
        assert stored == expected  # every row, to the cent
        spend = sum(v[0] for v in stored.values())
        purchases = sum(v[2] for v in stored.values())
        assert spend > 1000 and purchases > 100

    # budgets arrive in minor units and CBO campaigns carry theirs
    for adset in store.adsets(sandbox.account_id):
        truth = market.adsets[adset.id]
        assert adset.daily_budget == truth.daily_budget
    # few calls: a handful per result page, not per ad set
    assert report.http_calls <= report.pages + 4 * report.report_runs * 3 + 10


def test_resync_is_idempotent_and_picks_up_restatements(
    sandbox: RunningSandbox, store: Store
) -> None:
    client = client_for(sandbox)
    sync_account(client, store, sandbox.account_id, today=sandbox.market.today)
    rows_before = store.count(DailyInsight)
    sync_account(client, store, sandbox.account_id, today=sandbox.market.today)
    assert store.count(DailyInsight) == rows_before  # no duplicates

    recent = (sandbox.market.today - timedelta(days=2)).isoformat()
    before = {k: v for k, v in totals_from_store(store, "adset").items() if k[1] == recent}
    sandbox.market.advance(3)
    report = sync_account(client, store, sandbox.account_id, today=sandbox.market.today)
    assert (report.until - report.since).days + 1 == 28
    after = {k: v for k, v in totals_from_store(store, "adset").items() if k[1] == recent}
    assert set(after) == set(before)
    assert sum(v[2] for v in after.values()) >= sum(v[2] for v in before.values())
    expected = totals_from_endpoint(
        endpoint_rows(sandbox, "adset", report.since.isoformat(), report.until.isoformat()), "adset"
    )
    stored = totals_from_store(store, "adset")
    assert {k: stored[k] for k in expected} == expected


@pytest.mark.parametrize(
    "faults",
    [
        "throttle=every4",
        "transient=every3",
        "server_error=every3",
        "drop=every5",
        "batch_null",
        "async_slow",
        "async_fail=every2",
        "async_stuck",
    ],
)
def test_faults_end_in_correct_totals_or_a_clean_failure(
    sandbox_factory: type[RunningSandbox], store: Store, faults: str
) -> None:
    small = MarketConfig(seed=11, campaigns=3, adsets=6, ads_per_adset=2, history_days=35)
    clean = sandbox_factory(small)
    faulty = sandbox_factory(small, faults=faults)
    baseline = client_for(clean)
    sync_account(baseline, store, clean.account_id, today=clean.market.today)
    expected = totals_from_store(store, "adset")
    rows_before = store.count(DailyInsight)

    client = client_for(faulty, wait_budget=1e6)  # the sandbox clock is simulated: waiting is free
    client.report_timeout = 120.0
    try:
        sync_account(client, store, faulty.account_id, today=faulty.market.today)
    except SyncError as exc:
        assert faults in ("async_stuck",), f"unexpected failure under {faults}: {exc}"
        assert store.count(DailyInsight) == rows_before
        assert totals_from_store(store, "adset") == expected
        assert store.sync_runs(faulty.account_id)[0].status == "failed"
        return
    assert faults != "async_stuck", "a job stuck for ever cannot complete"
    assert store.count(DailyInsight) == rows_before
    assert totals_from_store(store, "adset") == expected


def test_a_malformed_row_fails_the_run_and_keeps_what_was_stored(
    sandbox_factory: type[RunningSandbox], store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = sandbox_factory(
        MarketConfig(seed=3, campaigns=3, adsets=6, ads_per_adset=2, history_days=20)
    )
    client = client_for(sandbox)
    sync_account(client, store, sandbox.account_id, today=sandbox.market.today)
    before = totals_from_store(store, "adset")

    real = MetaClient.insights

    def corrupt(self: MetaClient, *args: Any, **kwargs: Any):  # a bad row in the middle of the pull
        for i, row in enumerate(real(self, *args, **kwargs)):
            yield {**row, "spend": "12,50"} if i == 40 else row

    monkeypatch.setattr(MetaClient, "insights", corrupt)
    with pytest.raises(SyncError, match=r"spend.*'12,50'"):
        sync_account(client, store, sandbox.account_id, today=sandbox.market.today)
    assert totals_from_store(store, "adset") == before
    assert store.sync_runs(sandbox.account_id)[0].status == "failed"


def test_budgets_each_sync_sees_become_the_budgets_in_force_each_day(
    sandbox: RunningSandbox, store: Store
) -> None:
    """Three nights: sync, then a budget edit; the history dates each budget to the days it ran."""
    market = sandbox.market
    client = client_for(sandbox)
    adset_id = next(a.id for a in market.adsets.values() if a.daily_budget and a.status == "ACTIVE")
    first_day = market.today
    seen = []
    for edit in (1.5, 0.5, None):
        sync_account(client, store, sandbox.account_id, today=market.today)
        seen.append(market.adsets[adset_id].daily_budget)
        if edit is not None:
            market.update(adset_id, {"daily_budget": int(seen[-1] * edit)})
            market.advance(1)
    history = store.history(sandbox.account_id)
    budget = history[history["adset_id"] == adset_id].set_index("date")["daily_budget"] * 100
    day = pd.Timestamp(first_day)
    assert (
        budget[day - pd.Timedelta(days=5)] == seen[0]
    )  # before the first sync: the first observation
    assert budget[day - pd.Timedelta(days=1)] == seen[0]  # the day before the first sync
    assert budget[day] == seen[1]  # ran after the first edit, seen by the second sync
    assert budget[day + pd.Timedelta(days=1)] == seen[2]  # the latest day: the current budget
    assert market.adsets[adset_id].daily_budget == seen[2] != seen[1] != seen[0]
