"""An ETL connector's habits (marketing-api.md §8.10), with plain requests and no SDK."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import requests

from tests.optimizer.sandbox.graph.conftest import TOKEN, Sandbox

ALL_STATUSES = [
    "ACTIVE", "PAUSED", "DELETED", "PENDING_REVIEW", "DISAPPROVED", "PREAPPROVED", "PENDING_BILLING_INFO",
    "CAMPAIGN_PAUSED", "ARCHIVED", "ADSET_PAUSED", "IN_PROCESS", "WITH_ISSUES",
]  # fmt: skip
#: Part of a connector's insights schema: real fields, many of which the sandbox does not model.
SCHEMA = [
    "account_id", "ad_id", "adset_id", "campaign_id", "date_start", "spend", "impressions", "clicks",
    "reach", "frequency", "cpm", "cpc", "ctr", "actions", "action_values", "purchase_roas",
    "website_purchase_roas", "cost_per_action_type", "inline_link_clicks", "account_currency",
    "quality_ranking", "video_p25_watched_actions", "unique_clicks", "social_spend", "canvas_avg_view_time",
]  # fmt: skip


def test_report_run_flow_of_an_extraction_connector(sandbox: Sandbox) -> None:
    base = f"{sandbox.url}/v26.0"
    auth = {"access_token": TOKEN}
    timezone = requests.get(
        f"{base}/{sandbox.account_id}/", params={**auth, "fields": "timezone_name"}, timeout=5
    )
    assert (
        timezone.json()["timezone_name"]
        == sandbox.market.accounts[sandbox.account_id].timezone_name
    )
    probe = requests.get(f"{base}/{sandbox.account_id}/insights", params=auth, timeout=5)
    assert json.loads(probe.headers["x-fb-ads-insights-throttle"])["acc_id_util_pct"] < 85
    ads = requests.get(
        f"{base}/{sandbox.account_id}/ads",
        params={
            **auth,
            "fields": "id,name,issues_info,learning_stage_info,creative{asset_feed_spec,id}",
            "limit": 100,
        },
        timeout=5,
    ).json()["data"]
    assert len(ads) == len(sandbox.market.ads) and all(
        set(ad) <= {"id", "name", "creative"} for ad in ads
    )

    day = sandbox.market.today - timedelta(days=3)
    windows = ["1d_click", "7d_click", "28d_click", "1d_view"]
    created = requests.post(
        f"{base}/{sandbox.account_id}/insights",
        params=auth,
        data={
            "level": "ad",
            "time_increment": "1",
            "time_range": json.dumps({"since": day.isoformat(), "until": day.isoformat()}),
            "breakdowns": "[]",
            "action_breakdowns": '["action_type"]',
            "action_attribution_windows": json.dumps(windows),
            "filtering": json.dumps(
                [{"field": "ad.effective_status", "operator": "IN", "value": ALL_STATUSES}]
            ),
            "fields": json.dumps(SCHEMA),
        },
        timeout=5,
    ).json()
    run_id = created["report_run_id"]
    status = None
    for _ in range(10):  # polled through a batch, relative_url without a version
        batch = [{"method": "GET", "relative_url": f"{run_id}/"}]
        answer = requests.post(
            f"{base}/", params=auth, data={"batch": json.dumps(batch)}, timeout=5
        ).json()
        status = json.loads(answer[0]["body"])["async_status"]
        if status == "Job Completed":
            break
    assert status == "Job Completed"
    rows: list[dict] = []
    url: str | None = f"{base}/{run_id}/insights"
    params: dict | None = {**auth, "limit": "5"}
    while url:
        page = requests.get(url, params=params, timeout=5).json()
        rows += page["data"]
        url, params = page["paging"].get("next"), None
    truth = sandbox.market.metrics(sandbox.account_id, day, day)
    assert len(rows) == len(truth) > 5
    assert sum(Decimal(r["spend"]) for r in rows) == sum(m.spend for m in truth)
    assert {"quality_ranking", "social_spend"}.isdisjoint(rows[0])  # unmodelled fields are left out
    for row in rows:
        for action in row.get("actions", []):
            assert (
                action["1d_click"] == action["7d_click"] == action["value"]
                and action["1d_view"] == "0"
            )
