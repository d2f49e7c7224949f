"""The in-process path: the same app mounted on the SDK's requests session, no sockets."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import requests
from facebook_business.adobjects.adaccount import AdAccount
from facebook_business.adobjects.adset import AdSet
from facebook_business.adobjects.user import User
from facebook_business.exceptions import FacebookRequestError

from optimizer.sandbox.graph import (
    DEFAULT_BASE_URL,
    GraphApp,
    ManualClock,
    SandboxAdapter,
    SandboxConfig,
)
from optimizer.sandbox.graph.faults import FaultSpec
from tests.optimizer.sandbox.graph.conftest import TOKEN, small_market, use


def _mounted(faults: str | None = None) -> GraphApp:
    app = GraphApp(small_market(), SandboxConfig(faults=FaultSpec.parse(faults)), ManualClock())
    api = use(DEFAULT_BASE_URL)
    SandboxAdapter(app).mount(api._session.requests)
    return app


def test_sdk_reads_pages_and_updates_in_process(sdk: None) -> None:
    app = _mounted()
    account_id = next(iter(app.market.accounts))
    assert [a["id"] for a in User(fbid="me").get_ad_accounts()] == [account_id]
    rows = list(
        AdAccount(account_id).get_insights(
            fields=["ad_id", "spend"],
            params={"level": "ad", "time_increment": 1, "date_preset": "last_7d", "limit": 20},
        )
    )
    assert app.requests_served >= 2 + len(rows) // 20
    today = app.market.today
    truth = app.market.metrics(account_id, today - timedelta(7), today - timedelta(1))
    assert sum(Decimal(r["spend"]) for r in rows) == sum(m.spend for m in truth)
    adset_id = next(a.id for a in app.market.adsets.values() if a.daily_budget is not None)
    AdSet(adset_id).api_update(params={"daily_budget": 4321})
    assert AdSet(adset_id).api_get(fields=["daily_budget"])["daily_budget"] == "4321"


def test_plain_requests_session_follows_next_on_the_adapter_base_url() -> None:
    app = GraphApp(small_market(), SandboxConfig(), ManualClock())
    session = SandboxAdapter(app, "http://sandbox.test").mount(requests.Session())
    account_id = next(iter(app.market.accounts))
    url: str | None = f"http://sandbox.test/v26.0/{account_id}/ads"
    params: dict | None = {"access_token": TOKEN, "fields": "name", "limit": "5"}
    ids: list[str] = []
    while url:
        page = session.get(url, params=params).json()
        ids += [a["id"] for a in page["data"]]
        url, params = page["paging"].get("next"), None
        assert url is None or url.startswith("http://sandbox.test/v26.0/")
    assert sorted(ids) == sorted(app.market.ads)


def test_adapter_raises_connection_error_on_a_dropped_connection(sdk: None) -> None:
    app = _mounted("drop=every1")
    with pytest.raises(requests.ConnectionError):
        AdSet(next(iter(app.market.adsets))).api_get(fields=["name"])


def test_adapter_errors_keep_status_and_headers(sdk: None) -> None:
    app = _mounted("server_error=every1")
    with pytest.raises(FacebookRequestError) as caught:
        AdSet(next(iter(app.market.adsets))).api_get(fields=["name"])
    assert caught.value.http_status() in (500, 502, 503)
    assert "x-app-usage" in caught.value.http_headers()
