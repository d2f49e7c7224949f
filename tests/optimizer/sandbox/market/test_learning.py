"""The learning phase: significant edits cost efficiency for a while; small ones do not."""

from __future__ import annotations

import pytest

from optimizer.sandbox.market import Market, MarketConfig

from .conftest import START
from .helpers import live_adset


def test_small_budget_change_keeps_learning_off(scratch: Market) -> None:
    adset_id = live_adset(scratch)
    budget = scratch.adsets[adset_id].daily_budget or 0
    before = scratch.truth.learning(adset_id)
    scratch.update(adset_id, {"daily_budget": round(budget * 1.15)})
    assert scratch.truth.learning(adset_id) == before


def test_significant_edits_restart_learning_and_it_fades(scratch: Market) -> None:
    adset_id = live_adset(scratch)
    day = scratch.today
    budget = scratch.adsets[adset_id].daily_budget or 0
    spend = budget / 100
    assert scratch.truth.learning(adset_id) == 0.0  # the generated account is mature
    settled = scratch.truth.expected_purchases(adset_id, spend, day)
    scratch.update(adset_id, {"daily_budget": budget * 2})
    assert scratch.truth.learning(adset_id) == 1.0
    learning = scratch.truth.expected_purchases(adset_id, spend, day)
    assert learning == pytest.approx(settled * 0.8, rel=1e-9)  # conversion rate 20% lower
    path = []
    for _ in range(15):
        scratch.advance(1)
        path.append(scratch.truth.learning(adset_id))
    assert all(b <= a for a, b in zip(path, path[1:], strict=False))
    assert path[-1] == 0.0  # out after 14 days at the latest


@pytest.mark.parametrize(
    "changes",
    [
        {"bid_strategy": "COST_CAP", "bid_amount": 5000},
        {"targeting": {"geo_locations": {"countries": ["CA"]}}},
    ],
)
def test_bid_and_targeting_changes_are_significant(scratch: Market, changes: dict) -> None:
    adset_id = live_adset(scratch)
    scratch.update(adset_id, changes)
    assert scratch.truth.learning(adset_id) == 1.0


def test_new_ad_set_learns_and_penalty_can_be_switched_off() -> None:
    market = Market(MarketConfig(start_date=START, history_days=5, learning_penalty=0.0))
    adset_id = live_adset(market)
    day = market.today
    spend = (market.adsets[adset_id].daily_budget or 0) / 100
    settled = market.truth.expected_purchases(adset_id, spend, day)
    market.update(adset_id, {"daily_budget": (market.adsets[adset_id].daily_budget or 0) * 2})
    assert market.truth.learning(adset_id) == 1.0
    assert market.truth.expected_purchases(adset_id, spend, day) == pytest.approx(settled)
    account = next(iter(market.accounts))
    campaign = next(c.id for c in market.campaigns.values() if not c.is_cbo)
    created = market.create_adset(
        account, {"name": "New", "campaign_id": campaign, "daily_budget": 2000}
    )
    assert market.truth.learning(created.id) == 1.0
