"""Insights through the SDK: every level sums to the cent, presets and ranges, paging, async report runs."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
import requests
from facebook_business.adobjects.ad import Ad
from facebook_business.adobjects.adaccount import AdAccount
from facebook_business.adobjects.adreportrun import AdReportRun
from facebook_business.adobjects.adset import AdSet
from facebook_business.exceptions import FacebookRequestError

from optimizer.sandbox.graph.insights import PURCHASE_ALIASES
from tests.optimizer.sandbox.graph.conftest import TOKEN, Sandbox, start, use

# The SDK warns about values and nested fields it cannot type-check, then sends them: expected here.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

FIELDS = [
    "account_id", "campaign_id", "adset_id", "ad_id", "spend", "impressions", "clicks", "reach",
    "inline_link_clicks", "cpm", "ctr", "actions", "action_values", "purchase_roas", "account_currency",
]  # fmt: skip


def _purchases(row: dict) -> int:
    return int(
        next((a["value"] for a in row.get("actions", []) if a["action_type"] == "purchase"), 0)
    )


def _value(row: dict) -> Decimal:
    return Decimal(
        next(
            (a["value"] for a in row.get("action_values", []) if a["action_type"] == "purchase"), 0
        )
    )


def _rows(sandbox: Sandbox, level: str, since: date, until: date) -> list[dict]:
    cursor = AdAccount(sandbox.account_id).get_insights(
        fields=FIELDS,
        params={
            "level": level,
            "time_increment": 1,
            "time_range": {"since": since.isoformat(), "until": until.isoformat()},
            "limit": 500,
        },
    )
    return [row.export_all_data() for row in cursor]


def test_every_level_sums_exactly_to_the_ad_rows_and_the_market(
    sandbox: Sandbox, sdk: None
) -> None:
    use(sandbox.url)
    until = sandbox.market.today - timedelta(days=1)
    since = until - timedelta(days=13)
    by_level = {
        level: _rows(sandbox, level, since, until)
        for level in ("ad", "adset", "campaign", "account")
    }
    keys = {"ad": "ad_id", "adset": "adset_id", "campaign": "campaign_id", "account": "account_id"}
    ads = by_level["ad"]
    assert len(ads) > 100
    for level in ("adset", "campaign", "account"):
        expected: dict[tuple[str, str], list] = defaultdict(lambda: [Decimal(0), 0, 0, Decimal(0)])
        for row in ads:
            bucket = expected[(row["date_start"], row[keys[level]])]
            bucket[0] += Decimal(row["spend"])
            bucket[1] += int(row["impressions"])
            bucket[2] += _purchases(row)
            bucket[3] += _value(row)
        got = {
            (row["date_start"], row[keys[level]]): [
                Decimal(row["spend"]), int(row["impressions"]), _purchases(row), _value(row),
            ]
            for row in by_level[level]
        }  # fmt: skip
        assert got == dict(expected), level
    truth = sandbox.market.metrics(sandbox.account_id, since, until)
    assert sum(Decimal(r["spend"]) for r in ads) == sum(m.spend for m in truth)
    assert sum(_purchases(r) for r in ads) == sum(m.purchases for m in truth)
    assert sum(_value(r) for r in ads) == sum(m.purchase_value for m in truth)
    assert {r["account_currency"] for r in ads} == {"USD"}
    assert all(r["date_start"] == r["date_stop"] for r in ads)


def test_purchase_aliases_carry_identical_values_and_roas_matches(
    sandbox: Sandbox, sdk: None
) -> None:
    use(sandbox.url)
    rows = list(
        AdAccount(sandbox.account_id).get_insights(
            fields=["spend", "actions", "action_values", "purchase_roas", "cost_per_action_type"],
            params={"level": "campaign", "date_preset": "last_28d"},
        )
    )
    assert rows
    for row in rows:
        actions = {a["action_type"]: a["value"] for a in row["actions"]}
        values = {a["action_type"]: a["value"] for a in row["action_values"]}
        assert {actions[alias] for alias in PURCHASE_ALIASES} == {actions["purchase"]}
        assert {values[alias] for alias in PURCHASE_ALIASES} == {values["purchase"]}
        assert actions["link_click"] and "landing_page_view" in actions and "add_to_cart" in actions
        roas = Decimal(values["purchase"]) / Decimal(row["spend"])
        assert Decimal(row["purchase_roas"][0]["value"]) == roas.quantize(Decimal("0.000001"))
        assert isinstance(row["spend"], str)


def test_date_presets_and_time_range(sandbox: Sandbox, sdk: None) -> None:
    use(sandbox.url)
    today = sandbox.market.today
    account = AdAccount(sandbox.account_id)
    yesterday = list(account.get_insights(fields=["spend"], params={"date_preset": "yesterday"}))
    assert [(r["date_start"], r["date_stop"]) for r in yesterday] == [
        ((today - timedelta(1)).isoformat(),) * 2
    ]
    week = list(
        account.get_insights(
            fields=["spend"], params={"date_preset": "last_7d", "time_increment": 1}
        )
    )
    assert [r["date_start"] for r in week] == [
        (today - timedelta(d)).isoformat() for d in range(7, 0, -1)
    ]
    assert (
        list(account.get_insights(fields=["spend"], params={"date_preset": "today"})) == []
    )  # not simulated yet
    since, until = today - timedelta(20), today - timedelta(11)
    total = list(
        account.get_insights(
            fields=["spend"],
            params={"time_range": {"since": since.isoformat(), "until": until.isoformat()}},
        )
    )
    assert [(r["date_start"], r["date_stop"]) for r in total] == [
        (since.isoformat(), until.isoformat())
    ]
    expected = sum(m.spend for m in sandbox.market.metrics(sandbox.account_id, since, until))
    assert Decimal(total[0]["spend"]) == expected
    weekly = list(
        account.get_insights(
            fields=["spend"],
            params={
                "time_range": {"since": since.isoformat(), "until": until.isoformat()},
                "time_increment": 7,
            },
        )
    )
    assert [(r["date_start"], r["date_stop"]) for r in weekly] == [
        (since.isoformat(), (since + timedelta(6)).isoformat()),
        ((since + timedelta(7)).isoformat(), until.isoformat()),
    ]
    assert sum(Decimal(r["spend"]) for r in weekly) == expected


def test_node_insights_are_scoped_to_the_node(sandbox: Sandbox, sdk: None) -> None:
    use(sandbox.url)
    adset_id = next(iter(sandbox.market.adsets))
    rows = list(
        AdSet(adset_id).get_insights(
            fields=["adset_id", "spend"], params={"date_preset": "last_14d"}
        )
    )
    today = sandbox.market.today
    truth = sandbox.market.metrics(sandbox.account_id, today - timedelta(14), today - timedelta(1))
    assert [r["adset_id"] for r in rows] == [adset_id]
    assert Decimal(rows[0]["spend"]) == sum(m.spend for m in truth if m.adset_id == adset_id)


def test_paging_across_pages_with_sdk_cursor_and_plain_requests_following_next(
    sandbox: Sandbox, sdk: None
) -> None:
    use(sandbox.url)
    params = {"level": "ad", "time_increment": 1, "date_preset": "last_7d", "limit": 25}
    before = sandbox.app.requests_served
    cursor = AdAccount(sandbox.account_id).get_insights(fields=["ad_id", "spend"], params=params)
    sdk_rows = [row.export_all_data() for row in cursor]
    pages = sandbox.app.requests_served - before
    assert len(sdk_rows) > 75 and pages == -(-len(sdk_rows) // 25) >= 4
    # A connector that only follows paging.next, carrying nothing of its own.
    url: str | None = f"{sandbox.url}/v26.0/{sandbox.account_id}/insights"
    query: dict | None = {
        "access_token": TOKEN, "fields": "ad_id,spend", "level": "ad", "time_increment": "1",
        "date_preset": "last_7d", "limit": "25",
    }  # fmt: skip
    plain: list[dict] = []
    while url:
        page = requests.get(url, params=query, timeout=5).json()
        plain += page["data"]
        assert set(page["paging"]["cursors"]) == {"before", "after"}
        url, query = page["paging"].get("next"), None
        if url:
            assert url.startswith(sandbox.url) and "level=ad" in url and "access_token=" in url
    assert plain == sdk_rows
    assert len({(r["ad_id"], r["date_start"]) for r in plain}) == len(plain)


def test_entity_paging_with_summary_total(sandbox: Sandbox, sdk: None) -> None:
    use(sandbox.url)
    cursor = AdAccount(sandbox.account_id).get_ad_sets(fields=["name"], params={"limit": 3})
    ids = [a["id"] for a in cursor]
    assert sorted(ids) == sorted(sandbox.market.adsets) and len(ids) == 8
    assert cursor.total() == 8


def test_async_report_run_polls_to_completion_and_pages_results(
    sandbox: Sandbox, sdk: None
) -> None:
    use(sandbox.url)
    params = {"level": "adset", "time_increment": 1, "date_preset": "last_14d", "breakdowns": []}
    job = AdAccount(sandbox.account_id).get_insights(
        fields=["adset_id", "spend"], params=params, is_async=True
    )
    assert isinstance(job, AdReportRun)
    with pytest.raises(FacebookRequestError) as early:
        job.get_result(params={"limit": 40})
    assert (early.value.api_error_code(), early.value.api_error_subcode()) == (2601, 1815107)
    assert early.value.api_transient_error()
    seen = []
    for _ in range(10):
        job = job.api_get()
        seen.append((job["async_status"], job["async_percent_completion"]))
        if job["async_status"] == "Job Completed":
            break
    assert seen[-1] == ("Job Completed", 100)
    assert seen[0][0] in ("Job Not Started", "Job Started", "Job Running")
    rows = [r.export_all_data() for r in job.get_result(params={"limit": 40})]
    sync = [
        r.export_all_data()
        for r in AdAccount(sandbox.account_id).get_insights(
            fields=["adset_id", "spend"], params={**params, "limit": 500}
        )
    ]
    assert rows == sync and len(rows) > 40


def test_oversized_sync_queries_are_refused_in_both_documented_shapes(sdk: None) -> None:
    for code, status, subcode in ((1, 500, 99), (100, 400, 1487534)):
        box, server = start(max_sync_rows=10, oversize_code=code)
        try:
            reply = requests.get(
                f"{box.url}/v26.0/{box.account_id}/insights",
                params={
                    "access_token": TOKEN,
                    "level": "ad",
                    "time_increment": "1",
                    "date_preset": "last_7d",
                },
                timeout=5,
            )
            error = reply.json()["error"]
            assert (reply.status_code, error["code"], error["error_subcode"]) == (
                status,
                code,
                subcode,
            )
        finally:
            server.stop()


def test_insights_probe_without_parameters_sends_the_throttle_header(sandbox: Sandbox) -> None:
    reply = requests.get(
        f"{sandbox.url}/v26.0/{sandbox.account_id}/insights",
        params={"access_token": TOKEN},
        timeout=5,
    )
    assert reply.status_code == 200
    throttle = json.loads(reply.headers["X-FB-Ads-Insights-Throttle"])
    assert throttle["acc_id_util_pct"] < 85 and throttle["app_id_util_pct"] < 85
    usage = json.loads(reply.headers["X-Business-Use-Case-Usage"])
    assert all(entry["call_count"] < 85 for entry in usage[sandbox.account_id.removeprefix("act_")])
    assert set(reply.json()["data"][0]) == {"impressions", "spend", "date_start", "date_stop"}


def test_time_ranges_filters_and_unknown_edges(sandbox: Sandbox, sdk: None) -> None:
    use(sandbox.url)
    account = AdAccount(sandbox.account_id)
    today = sandbox.market.today
    ranges = [
        {"since": (today - timedelta(14)).isoformat(), "until": (today - timedelta(8)).isoformat()},
        {"since": (today - timedelta(7)).isoformat(), "until": (today - timedelta(1)).isoformat()},
    ]
    rows = list(account.get_insights(fields=["spend"], params={"time_ranges": ranges}))
    assert [(r["date_start"], r["date_stop"]) for r in rows] == [
        (x["since"], x["until"]) for x in ranges
    ]
    only_purchases = list(
        account.get_insights(
            fields=["actions"],
            params={
                "level": "campaign",
                "date_preset": "last_28d",
                "filtering": [
                    {"field": "action_type", "operator": "IN", "value": ["purchase", "link_click"]}
                ],
            },
        )
    )
    assert {a["action_type"] for r in only_purchases for a in r["actions"]} == {
        "purchase",
        "link_click",
    }
    adsets = [
        r.export_all_data()
        for r in account.get_insights(
            fields=["adset_id", "impressions"], params={"level": "adset", "date_preset": "last_7d"}
        )
    ]
    cut = sorted(int(r["impressions"]) for r in adsets)[len(adsets) // 2]
    big = list(
        account.get_insights(
            fields=["adset_id", "impressions"],
            params={
                "level": "adset",
                "date_preset": "last_7d",
                "filtering": [
                    {"field": "adset.impressions", "operator": "GREATER_THAN", "value": cut}
                ],
            },
        )
    )
    assert {r["adset_id"] for r in big} == {
        r["adset_id"] for r in adsets if int(r["impressions"]) > cut
    }
    with pytest.raises(FacebookRequestError) as bad:
        list(account.get_insights(fields=["spend"], params={"breakdowns": ["age"]}))
    assert bad.value.api_error_code() == 100 and "breakdowns" in bad.value.api_error_message()
    reply = requests.get(
        f"{sandbox.url}/v26.0/{sandbox.account_id}/bogus_edge",
        params={"access_token": TOKEN},
        timeout=5,
    )
    assert reply.status_code == 400 and reply.json()["error"]["code"] == 100


def test_deleted_objects_leave_edges_and_own_rows_but_not_totals(
    sandbox: Sandbox, sdk: None
) -> None:
    use(sandbox.url)
    account = AdAccount(sandbox.account_id)
    params = {"level": "ad", "date_preset": "last_14d"}
    before = {
        r["ad_id"]: Decimal(r["spend"])
        for r in account.get_insights(fields=["ad_id", "spend"], params=params)
    }
    total = Decimal(
        next(iter(account.get_insights(fields=["spend"], params={"date_preset": "last_14d"})))[
            "spend"
        ]
    )
    deleted, archived = list(before)[:2]
    Ad(deleted).api_delete()
    Ad(archived).api_update(params={"status": "ARCHIVED"})
    listed = {a["id"] for a in account.get_ads(fields=["name"])}
    assert (
        deleted not in listed
        and archived not in listed
        and len(listed) == len(sandbox.market.ads) - 2
    )
    assert [
        a["id"] for a in account.get_ads(fields=["name"], params={"effective_status": ["ARCHIVED"]})
    ] == [archived]
    after = {
        r["ad_id"]: Decimal(r["spend"])
        for r in account.get_insights(fields=["ad_id", "spend"], params=params)
    }
    assert set(after) == set(before) - {deleted}
    every = [
        {
            "field": "ad.effective_status",
            "operator": "IN",
            "value": ["ACTIVE", "PAUSED", "ARCHIVED", "DELETED"],
        }
    ]
    with_deleted = list(
        account.get_insights(fields=["ad_id", "spend"], params={**params, "filtering": every})
    )
    assert {r["ad_id"] for r in with_deleted} == set(before)
    again = Decimal(
        next(iter(account.get_insights(fields=["spend"], params={"date_preset": "last_14d"})))[
            "spend"
        ]
    )
    assert again == total == sum(before.values())
