"""Updates and creations: validation names the field, CBO rules hold, new entities deliver next day."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from optimizer.errors import InputError
from optimizer.sandbox.market import Market, MarketError, UnknownObjectError

from .helpers import adset_spend, live_adset


def _non_cbo_adset(market: Market) -> str:
    return live_adset(market, cbo=False)


def _cbo_adset(market: Market) -> str:
    return live_adset(market, cbo=True)


def _cbo_campaign(market: Market) -> str:
    return next(c.id for c in market.campaigns.values() if c.is_cbo)


def _plain_campaign(market: Market) -> str:
    return next(c.id for c in market.campaigns.values() if not c.is_cbo)


BAD_UPDATES: list[tuple[str, Any, dict[str, Any], str]] = [
    ("budget text", _non_cbo_adset, {"daily_budget": "abc"}, "daily_budget"),
    ("budget zero", _non_cbo_adset, {"daily_budget": 0}, "daily_budget"),
    ("budget negative", _non_cbo_adset, {"daily_budget": -500}, "daily_budget"),
    ("budget bool", _non_cbo_adset, {"daily_budget": True}, "daily_budget"),
    ("budget float", _non_cbo_adset, {"daily_budget": 50.5}, "daily_budget"),
    ("budget below minimum", _non_cbo_adset, {"daily_budget": 50}, "daily_budget"),
    ("switch to lifetime", _non_cbo_adset, {"lifetime_budget": 100_000}, "lifetime_budget"),
    ("status", _non_cbo_adset, {"status": "RUNNING"}, "status"),
    ("status case", _non_cbo_adset, {"status": "paused"}, "status"),
    ("strategy", _non_cbo_adset, {"bid_strategy": "MAXIMUM"}, "bid_strategy"),
    ("cost cap without bid", _non_cbo_adset, {"bid_strategy": "COST_CAP"}, "bid_amount"),
    ("bid zero", _non_cbo_adset, {"bid_amount": 0}, "bid_amount"),
    (
        "min roas without floor",
        _non_cbo_adset,
        {"bid_strategy": "LOWEST_COST_WITH_MIN_ROAS"},
        "bid_constraints",
    ),
    ("constraints not json", _non_cbo_adset, {"bid_constraints": "{oops"}, "bid_constraints"),
    ("name empty", _non_cbo_adset, {"name": "  "}, "name"),
    ("unknown field", _non_cbo_adset, {"colour": "red"}, "colour"),
    ("budget on a CBO ad set", _cbo_adset, {"daily_budget": 5000}, "daily_budget"),
    ("strategy on a CBO ad set", _cbo_adset, {"bid_strategy": "COST_CAP"}, "bid_strategy"),
    ("campaign budget without CBO", _plain_campaign, {"daily_budget": 5000}, "daily_budget"),
    (
        "campaign strategy without CBO",
        _plain_campaign,
        {"bid_strategy": "COST_CAP"},
        "bid_strategy",
    ),
    ("CBO budget zero", _cbo_campaign, {"daily_budget": 0}, "daily_budget"),
]


@pytest.mark.parametrize(
    ("pick", "changes", "field"), [c[1:] for c in BAD_UPDATES], ids=[c[0] for c in BAD_UPDATES]
)
def test_bad_updates_name_the_field_and_change_nothing(
    scratch: Market, pick: Any, changes: dict[str, Any], field: str
) -> None:
    object_id = pick(scratch)
    table = scratch.adsets if object_id in scratch.adsets else scratch.campaigns
    before = repr(table[object_id])
    with pytest.raises(MarketError) as raised:
        scratch.update(object_id, {"name": "renamed", **changes})
    assert raised.value.field == field
    assert field in str(raised.value)
    assert isinstance(raised.value, InputError)
    assert repr(table[object_id]) == before  # all-or-nothing


def test_unknown_id(fresh: Market) -> None:
    with pytest.raises(UnknownObjectError) as raised:
        fresh.update("999", {"status": "PAUSED"})
    assert "999" in str(raised.value)
    with pytest.raises(UnknownObjectError):
        fresh.effective_status("999")
    with pytest.raises(UnknownObjectError):
        fresh.metrics("act_999", fresh.today, fresh.today)


def test_valid_updates_apply(fresh: Market) -> None:
    adset_id = _non_cbo_adset(fresh)
    fresh.update(
        adset_id,
        {
            "daily_budget": "7500",
            "bid_strategy": "COST_CAP",
            "bid_amount": 2500,
            "name": "New name",
        },
    )
    adset = fresh.adsets[adset_id]
    assert (adset.daily_budget, adset.bid_strategy, adset.bid_amount, adset.name) == (
        7500,
        "COST_CAP",
        2500,
        "New name",
    )
    fresh.update(
        adset_id,
        {
            "bid_strategy": "LOWEST_COST_WITH_MIN_ROAS",
            "bid_constraints": '{"roas_average_floor": 20000}',
        },
    )
    assert fresh.adsets[adset_id].bid_constraints == {"roas_average_floor": 20000}
    campaign_id = _cbo_campaign(fresh)
    fresh.update(campaign_id, {"daily_budget": 20_000})
    assert fresh.campaigns[campaign_id].daily_budget == 20_000
    fresh.update(adset_id, {"status": "DELETED"})
    with pytest.raises(MarketError) as raised:
        fresh.update(adset_id, {"status": "ACTIVE"})
    assert raised.value.field == "status"


def test_min_roas_floor_limits_spend(fresh: Market) -> None:
    adset_id = _non_cbo_adset(fresh)
    day = fresh.today
    budget = (fresh.adsets[adset_id].daily_budget or 0) / 100
    roas = fresh.truth.expected_revenue(adset_id, budget, day) / budget
    floor = round(roas * 1.5 * 10_000)
    fresh.update(
        adset_id,
        {
            "bid_strategy": "LOWEST_COST_WITH_MIN_ROAS",
            "bid_constraints": {"roas_average_floor": floor},
        },
    )
    fresh.advance(1)
    spend = float(adset_spend(fresh, day, day)[(adset_id, day)])
    assert spend < budget * 0.8
    assert fresh.truth.expected_revenue(adset_id, spend, day) / spend == pytest.approx(
        floor / 10_000, rel=0.2
    )


def test_created_entities_deliver_from_the_next_day(fresh: Market) -> None:
    account = next(iter(fresh.accounts))
    campaign_id = _plain_campaign(fresh)
    adset = fresh.create_adset(
        account,
        {
            "name": "Arm B",
            "campaign_id": campaign_id,
            "daily_budget": "3000",
            "targeting": '{"geo_locations": {"countries": ["US"]}}',
        },
    )
    assert adset.bid_strategy == "LOWEST_COST_WITHOUT_CAP"
    assert adset.created_time.date() == fresh.today
    creative = fresh.create_creative(
        account,
        {
            "name": "Arm B creative",
            "object_story_spec": {
                "page_id": "123",
                "link_data": {
                    "link": "https://shop.example.com/b",
                    "message": "Body",
                    "name": "Title",
                    "call_to_action": {
                        "type": "BUY_NOW",
                        "value": {"link": "https://shop.example.com/b"},
                    },
                },
            },
        },
    )
    assert creative.call_to_action_type == "BUY_NOW"
    assert creative.object_story_spec["link_data"]["call_to_action"]["type"] == "BUY_NOW"
    ad = fresh.create_ad(
        account,
        {"name": "Arm B ad", "adset_id": adset.id, "creative": {"creative_id": creative.id}},
    )
    assert list(fresh.ads)[-1] == ad.id and ad.campaign_id == campaign_id
    assert int(ad.id) > max(int(a) for a in list(fresh.ads)[:-1])
    history = fresh.metrics(account, fresh.config.first_day, fresh.today)
    assert not any(r.adset_id == adset.id for r in history)
    day = fresh.today
    fresh.advance(1)
    spend = adset_spend(fresh, day, day)[(adset.id, day)]
    assert 0 < spend <= 30 * 1.25
    assert fresh.truth.expected_purchases(adset.id, 30.0, day) > 0
    assert fresh.truth.expected_purchases(adset.id, 30.0, day - timedelta(days=5)) == 0


BAD_CREATIONS: list[tuple[str, str, dict[str, Any], str]] = [
    ("campaign", "", {"name": "X", "objective": "WIN"}, "objective"),
    ("campaign", "", {"objective": "OUTCOME_SALES"}, "name"),
    (
        "campaign",
        "",
        {"name": "X", "daily_budget": 5000, "lifetime_budget": 90000},
        "lifetime_budget",
    ),
    ("campaign", "", {"name": "X", "bid_strategy": "COST_CAP"}, "bid_strategy"),
    ("adset", "plain", {"name": "X"}, "daily_budget"),
    ("adset", "cbo", {"name": "X", "daily_budget": 5000}, "daily_budget"),
    ("adset", "none", {"name": "X", "daily_budget": 5000}, "campaign_id"),
    (
        "adset",
        "plain",
        {"name": "X", "daily_budget": 5000, "bid_strategy": "LOWEST_COST_WITH_BID_CAP"},
        "bid_amount",
    ),
    ("adset", "plain", {"name": "X", "daily_budget": 5000, "targeting": "[1"}, "targeting"),
    ("creative", "", {"name": "X", "call_to_action_type": "CLICK_HERE"}, "call_to_action_type"),
    ("creative", "", {"name": "X"}, "call_to_action_type"),
    ("ad", "", {"name": "X", "creative_id": "1"}, "adset_id"),
]


@pytest.mark.parametrize(("kind", "where", "fields", "field"), BAD_CREATIONS)
def test_bad_creations_name_the_field(
    market: Market, kind: str, where: str, fields: dict[str, Any], field: str
) -> None:
    account = next(iter(market.accounts))
    count = len(market.campaigns) + len(market.adsets) + len(market.creatives) + len(market.ads)
    campaign = {"plain": _plain_campaign(market), "cbo": _cbo_campaign(market), "none": "42"}
    create = {
        "campaign": market.create_campaign,
        "adset": market.create_adset,
        "creative": market.create_creative,
        "ad": market.create_ad,
    }[kind]
    if where:
        fields = {**fields, "campaign_id": campaign[where]}
    with pytest.raises(MarketError) as raised:
        create(account, fields)
    assert raised.value.field == field
    assert (
        len(market.campaigns) + len(market.adsets) + len(market.creatives) + len(market.ads)
        == count
    )


def test_ad_creative_from_another_account_is_refused() -> None:
    from optimizer.sandbox.market import MarketConfig

    market = Market(MarketConfig(accounts=2, history_days=0))
    first, second = list(market.accounts)
    creative = next(c for c in market.creatives.values() if c.account_id == second)
    adset = next(a for a in market.adsets.values() if a.account_id == first)
    with pytest.raises(MarketError) as raised:
        market.create_ad(first, {"name": "X", "adset_id": adset.id, "creative_id": creative.id})
    assert raised.value.field == "creative_id"


def test_effective_status_of_ads(fresh: Market) -> None:
    ad = next(a for a in fresh.ads.values() if a.status == "ACTIVE")
    assert fresh.effective_status(ad.id) == "ACTIVE"
    fresh.update(ad.id, {"status": "PAUSED"})
    assert fresh.effective_status(ad.id) == "PAUSED"
    fresh.update(ad.id, {"status": "ACTIVE"})
    fresh.update(ad.campaign_id, {"status": "PAUSED"})
    assert fresh.effective_status(ad.id) == "CAMPAIGN_PAUSED"
    fresh.update(ad.campaign_id, {"status": "ARCHIVED"})
    assert fresh.effective_status(ad.id) == "ARCHIVED"
    assert fresh.effective_status(next(iter(fresh.accounts))) == "ACTIVE"
