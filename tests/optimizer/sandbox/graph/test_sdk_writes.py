"""Node updates, batches and the budget-change limit, through the SDK over HTTP."""

from __future__ import annotations

import json

import pytest
import requests
from facebook_business.adobjects.ad import Ad
from facebook_business.adobjects.adset import AdSet
from facebook_business.api import FacebookResponse
from facebook_business.exceptions import FacebookRequestError

from tests.optimizer.sandbox.graph.conftest import TOKEN, Sandbox, start, use

# The SDK warns about values and nested fields it cannot type-check, then sends them: expected here.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _own_budget_adsets(sandbox: Sandbox) -> list[str]:
    return [a.id for a in sandbox.market.adsets.values() if a.daily_budget is not None]


def test_node_update_then_read_back(sandbox: Sandbox, sdk: None) -> None:
    use(sandbox.url)
    adset_id = _own_budget_adsets(sandbox)[0]
    result = AdSet(adset_id).api_update(
        params={
            "daily_budget": 6000,
            "bid_strategy": "COST_CAP",
            "bid_amount": 250,
            "status": "PAUSED",
        }
    )
    assert result["id"] == adset_id
    read = AdSet(adset_id).api_get(
        fields=["daily_budget", "bid_strategy", "bid_amount", "status", "effective_status"]
    )
    assert (read["daily_budget"], read["bid_strategy"], read["bid_amount"], read["status"]) == (
        "6000",
        "COST_CAP",
        250,
        "PAUSED",
    )
    assert read["effective_status"] == "PAUSED"
    assert sandbox.market.adsets[adset_id].daily_budget == 6000


def test_bid_constraints_json_and_a_bad_field_names_the_field(sandbox: Sandbox, sdk: None) -> None:
    use(sandbox.url)
    adset_id = _own_budget_adsets(sandbox)[0]
    AdSet(adset_id).api_update(
        params={
            "bid_strategy": "LOWEST_COST_WITH_MIN_ROAS",
            "bid_constraints": {"roas_average_floor": 20000},
        }
    )
    assert sandbox.market.adsets[adset_id].bid_constraints == {"roas_average_floor": 20000}
    with pytest.raises(FacebookRequestError) as bad:
        AdSet(adset_id).api_update(params={"daily_budget": "lots"})
    assert bad.value.api_error_code() == 100 and bad.value.http_status() == 400
    assert "daily_budget" in bad.value.api_error_message()
    assert bad.value.api_blame_field_specs() == [["daily_budget"]]


def test_ad_update_to_a_new_creative_and_delete(sandbox: Sandbox, sdk: None) -> None:
    use(sandbox.url)
    market = sandbox.market
    ad_id, other = list(market.ads)[:2]
    new_creative = market.ads[other].creative_id
    Ad(ad_id).api_update(params={"creative": {"creative_id": new_creative}})
    assert Ad(ad_id).api_get(fields=["creative"])["creative"]["id"] == new_creative
    Ad(ad_id).api_delete()
    assert market.ads[ad_id].status == "DELETED"


def test_fifth_budget_change_within_an_hour_is_code_17(sandbox: Sandbox, sdk: None) -> None:
    use(sandbox.url)
    adset_id = _own_budget_adsets(sandbox)[0]
    for step in range(4):
        AdSet(adset_id).api_update(params={"daily_budget": 3000 + step})
        sandbox.clock.advance(60)
    with pytest.raises(FacebookRequestError) as limited:
        AdSet(adset_id).api_update(params={"daily_budget": 9999})
    error = limited.value
    assert (error.api_error_code(), error.http_status(), error.api_transient_error()) == (
        17,
        400,
        True,
    )
    assert sandbox.market.adsets[adset_id].daily_budget == 3003
    # Other ad sets, and non-budget edits of this one, are not limited.
    AdSet(_own_budget_adsets(sandbox)[1]).api_update(params={"daily_budget": 4000})
    AdSet(adset_id).api_update(params={"name": "renamed"})
    sandbox.clock.advance(3600 - 4 * 60 + 1)  # the first change has left the rolling hour
    AdSet(adset_id).api_update(params={"daily_budget": 9999})
    assert sandbox.market.adsets[adset_id].daily_budget == 9999


def test_advancing_the_market_a_day_moves_the_api_clock_past_the_hour(
    sandbox: Sandbox, sdk: None
) -> None:
    use(sandbox.url)
    adset_id = _own_budget_adsets(sandbox)[0]
    for step in range(4):
        AdSet(adset_id).api_update(params={"daily_budget": 3000 + step})
    before = sandbox.clock.now()
    answer = requests.post(f"{sandbox.url}/_sandbox/advance", data={"days": 1}, timeout=30)
    assert answer.status_code == 200
    assert sandbox.clock.now() - before >= 86_400
    AdSet(adset_id).api_update(params={"daily_budget": 9999})  # a simulated day later: allowed
    assert sandbox.market.adsets[adset_id].daily_budget == 9999


def test_batch_update_with_callbacks_and_a_failing_item(sandbox: Sandbox, sdk: None) -> None:
    api = use(sandbox.url)
    ids = _own_budget_adsets(sandbox)[:3]
    cbo_adset = next(a.id for a in sandbox.market.adsets.values() if a.daily_budget is None)
    ok: list[dict] = []
    failed: list[FacebookRequestError] = []

    def success(response: FacebookResponse) -> None:
        ok.append(response.json())

    def failure(response: FacebookResponse) -> None:
        failed.append(response.error())

    batch = api.new_batch()
    for index, adset_id in enumerate(ids):
        AdSet(adset_id).api_update(
            params={"daily_budget": 7000 + index}, batch=batch, success=success, failure=failure
        )
    # A CBO campaign's ad set holds no budget: this item fails on its own.
    AdSet(cbo_adset).api_update(
        params={"daily_budget": 5000}, batch=batch, success=success, failure=failure
    )
    AdSet(ids[0]).api_get(fields=["daily_budget"], batch=batch, success=success, failure=failure)
    assert batch.execute() is None
    assert ok[:3] == [{"success": True}] * 3
    assert ok[3] == {"daily_budget": "7000", "id": ids[0]}
    assert len(failed) == 1 and failed[0].api_error_code() == 100
    assert "daily_budget" in failed[0].api_error_message()
    assert [sandbox.market.adsets[i].daily_budget for i in ids] == [7000, 7001, 7002]


def test_batch_wire_format_versioned_urls_and_fifty_item_limit(sandbox: Sandbox) -> None:
    adset_id = _own_budget_adsets(sandbox)[0]
    items = [
        {"method": "GET", "relative_url": f"v26.0/{adset_id}/?fields=daily_budget"},
        {"method": "POST", "relative_url": f"{adset_id}/", "body": "name=From%20batch"},
        {"method": "GET", "relative_url": "999/"},
    ]
    reply = requests.post(
        f"{sandbox.url}/v26.0/",
        params={"access_token": TOKEN},
        data={"batch": json.dumps(items)},
        timeout=5,
    )
    assert reply.status_code == 200
    answers = reply.json()
    assert [a["code"] for a in answers] == [200, 200, 400]
    assert {"name": "Content-Type", "value": "text/javascript; charset=UTF-8"} in answers[0][
        "headers"
    ]
    assert json.loads(answers[0]["body"])["daily_budget"] == str(
        sandbox.market.adsets[adset_id].daily_budget
    )
    assert json.loads(answers[2]["body"])["error"]["error_subcode"] == 33
    assert sandbox.market.adsets[adset_id].name == "From batch"
    too_many = [{"method": "GET", "relative_url": f"{adset_id}/"}] * 51
    refused = requests.post(
        f"{sandbox.url}/v26.0/",
        params={"access_token": TOKEN},
        data={"batch": json.dumps(too_many)},
        timeout=5,
    )
    assert (
        refused.status_code == 400
        and "Maximum batch size is 50" in refused.json()["error"]["message"]
    )


def test_batch_null_items_come_back_in_the_sdk_retry_batch(sdk: None) -> None:
    box, server = start("batch_null=every2")
    try:
        api = use(box.url)
        ids = _own_budget_adsets(box)[:4]
        done: list[str] = []
        batch = api.new_batch()
        for index, adset_id in enumerate(ids):
            AdSet(adset_id).api_update(
                params={"daily_budget": 8000 + index},
                batch=batch,
                success=lambda r, i=adset_id: done.append(i),
                failure=lambda r: pytest.fail(str(r.error())),
            )
        retry = batch.execute()
        assert retry is not None and len(retry) == 2  # items 2 and 4 were answered null
        rounds = 1
        while retry is not None:
            retry = retry.execute()
            rounds += 1
        assert sorted(done) == sorted(ids) and rounds >= 2
        assert [box.market.adsets[i].daily_budget for i in ids] == [8000, 8001, 8002, 8003]
    finally:
        server.stop()


def test_plain_clients_may_post_json_or_form_and_bad_json_is_100(sandbox: Sandbox) -> None:
    adset_id = _own_budget_adsets(sandbox)[0]
    url = f"{sandbox.url}/v26.0/{adset_id}/"
    reply = requests.post(
        url,
        params={"access_token": TOKEN},
        json={"daily_budget": 4444, "status": "PAUSED"},
        timeout=5,
    )
    assert reply.json() == {"success": True}
    assert (
        sandbox.market.adsets[adset_id].daily_budget,
        sandbox.market.adsets[adset_id].status,
    ) == (4444, "PAUSED")
    reply = requests.post(url, data={"access_token": TOKEN, "name": "token in the form"}, timeout=5)
    assert (
        reply.json() == {"success": True}
        and sandbox.market.adsets[adset_id].name == "token in the form"
    )
    bad = requests.post(
        url,
        params={"access_token": TOKEN},
        data="{not json",
        headers={"Content-Type": "application/json"},
        timeout=5,
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == 100
