"""Creating entities through the SDK's account edges, against the sandbox (never a mocked SDK)."""

from __future__ import annotations

import pytest

from optimizer.config import Settings
from optimizer.errors import MetaApiError
from optimizer.meta import create
from optimizer.meta.connect import connect
from optimizer.meta.retry import RetryPolicy
from optimizer.sandbox.market import MarketConfig
from tests.conftest import RunningSandbox

MARKET = MarketConfig(
    seed=3, campaigns=1, adsets=1, ads_per_adset=1, history_days=1, cbo_campaigns=0
)


def test_campaign_adset_creative_and_ad_are_created_and_linked(
    sandbox_factory: type[RunningSandbox],
) -> None:
    sandbox = sandbox_factory(MARKET)
    client = connect(Settings(), sandbox.url)
    account = sandbox.account_id
    campaign = create.create_campaign(client, account, {"name": "c", "objective": "OUTCOME_SALES"})
    adset = create.create_adset(
        client,
        account,
        {
            "name": "s",
            "campaign_id": campaign,
            "daily_budget": 2500,
            "targeting": {"geo_locations": {"countries": ["US"]}},
        },
    )
    creative = create.create_creative(
        client,
        account,
        {
            "name": "k",
            "object_story_spec": {
                "page_id": "1",
                "link_data": {
                    "link": "https://shop.example.com/",
                    "message": "hello",
                    "name": "Title",
                    "call_to_action": {"type": "BUY_NOW"},
                },
            },
        },
    )
    ad = create.create_ad(
        client, account, {"name": "a", "adset_id": adset, "creative": {"creative_id": creative}}
    )
    market = sandbox.market
    assert market.adsets[adset].campaign_id == campaign
    assert market.adsets[adset].daily_budget == 2500
    assert market.creatives[creative].call_to_action_type == "BUY_NOW"
    assert market.creatives[creative].body == "hello"
    assert market.ads[ad].adset_id == adset and market.ads[ad].creative_id == creative
    results = create.set_status(client, [campaign, ad], "PAUSED")
    assert [r.ok for r in results] == [True, True]
    assert market.campaigns[campaign].status == "PAUSED" and market.ads[ad].status == "PAUSED"


def test_refused_creation_is_a_meta_api_error_naming_the_field(
    sandbox_factory: type[RunningSandbox],
) -> None:
    sandbox = sandbox_factory(MARKET)
    client = connect(Settings(), sandbox.url, retry=RetryPolicy(sleep=lambda _s: None))
    before = len(sandbox.market.adsets)
    with pytest.raises(MetaApiError, match="campaign_id") as caught:
        create.create_adset(
            client, sandbox.account_id, {"name": "s", "campaign_id": "404", "daily_budget": 2500}
        )
    assert caught.value.code is not None
    assert len(sandbox.market.adsets) == before
