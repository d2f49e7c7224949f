"""The real SDK, unchanged but for FacebookSession.GRAPH, reading accounts and entities over HTTP."""

from __future__ import annotations

import re

import pytest
import requests
from facebook_business.adobjects.adaccount import AdAccount
from facebook_business.adobjects.adset import AdSet
from facebook_business.adobjects.campaign import Campaign
from facebook_business.adobjects.user import User
from facebook_business.exceptions import FacebookRequestError

from tests.optimizer.sandbox.graph.conftest import TOKEN, Sandbox, use

# The SDK warns about nested-brace fields it cannot type-check, then sends them: expected here.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def test_me_adaccounts_lists_the_account_with_currency_and_time_zone(
    sandbox: Sandbox, sdk: None
) -> None:
    use(sandbox.url)
    accounts = list(
        User(fbid="me").get_ad_accounts(
            fields=["name", "currency", "timezone_name", "account_status"]
        )
    )
    market_account = sandbox.market.accounts[sandbox.account_id]
    assert [a["id"] for a in accounts] == [sandbox.account_id]
    assert accounts[0]["currency"] == market_account.currency == "USD"
    assert accounts[0]["timezone_name"] == market_account.timezone_name
    assert accounts[0]["account_status"] == 1
    assert accounts[0]["name"] == market_account.name


def test_account_node_read_with_trailing_slash(sandbox: Sandbox, sdk: None) -> None:
    use(sandbox.url)
    account = AdAccount(sandbox.account_id).api_get(
        fields=["currency", "timezone_name", "account_id", "bogus_field"]
    )
    assert account["currency"] == "USD"
    assert account["account_id"] == sandbox.account_id.removeprefix("act_")
    assert (
        "bogus_field" not in account
    )  # a field the sandbox does not model is left out, not an error


def test_ads_edge_with_nested_creative_fields(sandbox: Sandbox, sdk: None) -> None:
    use(sandbox.url)
    fields = [
        "name",
        "adset_id",
        "creative{id,call_to_action_type,object_story_spec}",
        "effective_status",
    ]
    ads = list(AdAccount(sandbox.account_id).get_ads(fields=fields))
    market = sandbox.market
    assert sorted(ad["id"] for ad in ads) == sorted(market.ads)
    for ad in ads:
        creative = market.creatives[market.ads[ad["id"]].creative_id]
        assert ad["creative"]["id"] == creative.id
        assert ad["creative"]["call_to_action_type"] == creative.call_to_action_type
        link_data = ad["creative"]["object_story_spec"]["link_data"]
        assert link_data["call_to_action"]["type"] == creative.call_to_action_type
        assert ad["adset_id"] == market.ads[ad["id"]].adset_id
        assert ad["effective_status"] == market.effective_status(ad["id"])


def test_budgets_read_as_strings_of_minor_units_at_the_level_holding_them(
    sandbox: Sandbox, sdk: None
) -> None:
    use(sandbox.url)
    market = sandbox.market
    cbo = next(c for c in market.campaigns.values() if c.is_cbo)
    campaign = Campaign(cbo.id).api_get(
        fields=["daily_budget", "lifetime_budget", "bid_strategy", "objective", "created_time"]
    )
    # Graph's time format, in the account's time zone (America/New_York: -0500 or -0400).
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-0[45]00", campaign["created_time"])
    budget = cbo.daily_budget if cbo.daily_budget is not None else cbo.lifetime_budget
    assert budget is not None
    key = "daily_budget" if cbo.daily_budget is not None else "lifetime_budget"
    assert campaign[key] == str(budget)
    assert campaign["bid_strategy"] == cbo.bid_strategy
    adset_id = next(a.id for a in market.adsets.values() if a.daily_budget is not None)
    adset = AdSet(adset_id).api_get(
        fields=["daily_budget", "bid_strategy", "campaign{id,name}", "targeting"]
    )
    assert adset["daily_budget"] == str(market.adsets[adset_id].daily_budget)
    assert adset["campaign"]["id"] == market.adsets[adset_id].campaign_id
    assert adset["targeting"].export_all_data() == market.adsets[adset_id].targeting


def test_unknown_node_is_error_100_subcode_33(sandbox: Sandbox) -> None:
    reply = requests.get(f"{sandbox.url}/v26.0/999999/", params={"access_token": TOKEN}, timeout=5)
    assert reply.status_code == 400
    error = reply.json()["error"]
    assert (error["code"], error["error_subcode"]) == (100, 33)
    assert error["fbtrace_id"]


def test_edge_filters_effective_status_and_filtering(sandbox: Sandbox, sdk: None) -> None:
    use(sandbox.url)
    market = sandbox.market
    paused_id = next(iter(market.adsets))
    market.update(paused_id, {"status": "PAUSED"})
    account = AdAccount(sandbox.account_id)
    paused = list(account.get_ad_sets(fields=["name"], params={"effective_status": ["PAUSED"]}))
    assert [a["id"] for a in paused] == [paused_id]
    campaign_id = market.adsets[paused_id].campaign_id
    filtered = list(
        account.get_ads(
            fields=["adset_id"],
            params={
                "filtering": [{"field": "campaign.id", "operator": "IN", "value": [campaign_id]}]
            },
        )
    )
    assert sorted(a["id"] for a in filtered) == sorted(
        ad.id for ad in market.ads.values() if ad.campaign_id == campaign_id
    )


def test_creation_edges_return_ids_and_objects_are_readable(sandbox: Sandbox, sdk: None) -> None:
    use(sandbox.url)
    account = AdAccount(sandbox.account_id)
    campaign = account.create_campaign(
        params={
            "name": "New",
            "objective": "OUTCOME_SALES",
            "status": "PAUSED",
            "special_ad_categories": [],
        }
    )
    adset = account.create_ad_set(
        params={
            "name": "New set",
            "campaign_id": campaign["id"],
            "daily_budget": 2500,
            "bid_strategy": "COST_CAP",
            "bid_amount": 900,
            "targeting": {"geo_locations": {"countries": ["US"]}},
        }
    )
    creative = account.create_ad_creative(
        params={
            "name": "CTA test",
            "object_story_spec": {
                "page_id": "1",
                "link_data": {
                    "link": "https://x.example/",
                    "call_to_action": {"type": "LEARN_MORE"},
                },
            },
        }
    )
    ad = account.create_ad(
        params={
            "name": "New ad",
            "adset_id": adset["id"],
            "creative": {"creative_id": creative["id"]},
        }
    )
    market = sandbox.market
    assert market.campaigns[campaign["id"]].status == "PAUSED"
    assert market.adsets[adset["id"]].daily_budget == 2500
    assert market.adsets[adset["id"]].bid_amount == 900
    assert market.creatives[creative["id"]].call_to_action_type == "LEARN_MORE"
    assert market.ads[ad["id"]].creative_id == creative["id"]
    read = AdSet(adset["id"]).api_get(fields=["bid_strategy", "bid_amount", "effective_status"])
    assert (read["bid_strategy"], read["bid_amount"], read["effective_status"]) == (
        "COST_CAP",
        900,
        "CAMPAIGN_PAUSED",
    )


def test_minimum_budgets_match_what_the_market_accepts(sandbox: Sandbox, sdk: None) -> None:
    use(sandbox.url)
    rows = list(AdAccount(sandbox.account_id).get_minimum_budgets())
    floor = rows[0]["min_daily_budget_imp"]
    assert rows[0]["currency"] == "USD" and floor == 100
    adset_id = next(a.id for a in sandbox.market.adsets.values() if a.daily_budget is not None)
    AdSet(adset_id).api_update(params={"daily_budget": floor})
    with pytest.raises(FacebookRequestError) as below:
        AdSet(adset_id).api_update(params={"daily_budget": floor - 1})
    assert below.value.api_error_code() == 100 and "daily_budget" in below.value.api_error_message()
