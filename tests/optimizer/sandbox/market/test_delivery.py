"""Spend follows budgets (125% rule), CBO splits by efficiency, bids cap spend, the loop is closed."""

from __future__ import annotations

import collections
from datetime import timedelta
from decimal import Decimal

import numpy as np
import pytest

from optimizer.money import minor_to_major
from optimizer.sandbox.market import Market, MarketConfig, MarketError

from .conftest import START
from .helpers import adset_spend, adset_totals, live_adset


def test_ad_set_spend_tracks_its_budget_within_the_125_percent_rule() -> None:
    market = Market(
        MarketConfig(start_date=START, history_events=False)
    )  # budgets fixed throughout
    spend = adset_spend(market, START, market.today)
    for adset_id, adset in market.adsets.items():
        if adset.daily_budget is None:
            continue
        budget = minor_to_major(adset.daily_budget, "USD")
        days = [spend.get((adset_id, START + timedelta(days=d)), Decimal(0)) for d in range(90)]
        assert max(days) <= budget * Decimal("1.25")
        if adset.bid_strategy == "LOWEST_COST_WITHOUT_CAP":
            mean = sum(days) / len(days)
            assert float(mean / budget) == pytest.approx(1.0, abs=0.04)
            assert len(set(days)) > 30  # it varies from day to day


def test_cbo_campaign_budget_is_split_by_efficiency() -> None:
    market = Market(
        MarketConfig(
            start_date=START, adsets=30, campaigns=1, cbo_campaigns=1, history_events=False
        )
    )
    campaign = next(iter(market.campaigns.values()))
    assert campaign.is_cbo and campaign.daily_budget is not None
    budget = float(minor_to_major(campaign.daily_budget, "USD"))
    spend = adset_spend(market, START, market.today)
    per_day = collections.defaultdict(float)
    per_set = collections.defaultdict(float)
    for (adset_id, day), amount in spend.items():
        per_day[day] += float(amount)
        per_set[adset_id] += float(amount)
    assert max(per_day.values()) <= budget * 1.25
    assert np.mean(list(per_day.values())) == pytest.approx(budget, rel=0.04)
    # the ad sets Meta finds efficient get more of the budget than the others
    day = market.today - timedelta(days=45)
    efficiency = {a: market.truth.expected_purchases(a, 30.0, day) for a in market.adsets}
    ids = list(market.adsets)
    ranks_eff = np.argsort(np.argsort([efficiency[a] for a in ids]))
    ranks_spend = np.argsort(np.argsort([per_set.get(a, 0.0) for a in ids]))
    assert np.corrcoef(ranks_eff, ranks_spend)[0, 1] > 0.6
    assert max(per_set.values()) > 4 * min(per_set.values())


def test_budget_increase_raises_next_day_spend_and_purchases() -> None:
    config = MarketConfig(start_date=START, history_days=30)
    base, boosted = Market(config), Market(config)
    adset_id = live_adset(base)
    budget = boosted.adsets[adset_id].daily_budget
    assert budget is not None
    boosted.update(adset_id, {"daily_budget": budget * 3})
    # a tripled budget is a significant edit: the ad set re-enters learning and converts worse for a while
    learning = [m.truth.learning(adset_id) for m in (base, boosted)]
    assert learning[1] == 1.0
    day = base.today
    base.advance(1)
    boosted.advance(1)
    before = adset_spend(base, day, day)[(adset_id, day)]
    after = adset_spend(boosted, day, day)[(adset_id, day)]
    assert float(after / before) == pytest.approx(3.0, rel=0.01)  # same noise, triple budget
    expected = [
        m.truth.expected_purchases(adset_id, s, day) for m, s in ((base, before), (boosted, after))
    ]
    b = base.truth.exponent(adset_id)
    penalty = (1 - 0.2 * learning[1]) / (1 - 0.2 * learning[0])
    assert expected[1] / expected[0] == pytest.approx(3.0**b * penalty, rel=0.02)
    assert expected[1] > 1.5 * expected[0]
    base.advance(27)
    boosted.advance(27)
    until = base.today - timedelta(days=1)
    low, high = (adset_totals(m, adset_id, day, until) for m in (base, boosted))
    assert high["spend"] > 2.8 * low["spend"]
    assert high["purchases"] > 1.3 * low["purchases"]
    # the other ad sets are untouched on the first day
    other = next(a for a in base.adsets if a != adset_id)
    assert adset_spend(base, day, day).get((other, day)) == adset_spend(boosted, day, day).get(
        (other, day)
    )


def test_pausing_stops_delivery_next_day_and_resuming_restarts_it(fresh: Market) -> None:
    adset_id = live_adset(fresh)
    fresh.update(adset_id, {"status": "PAUSED"})
    assert fresh.effective_status(adset_id) == "PAUSED"
    for ad in fresh.ads.values():
        if ad.adset_id == adset_id and ad.status == "ACTIVE":
            assert fresh.effective_status(ad.id) == "ADSET_PAUSED"
    paused_day = fresh.today
    fresh.advance(2)
    assert adset_totals(fresh, adset_id, paused_day, fresh.today) == {}
    fresh.update(adset_id, {"status": "ACTIVE"})
    day = fresh.today
    fresh.advance(1)
    assert adset_totals(fresh, adset_id, day, day)["spend"] > 0


def test_pausing_a_cbo_campaign_stops_its_ad_sets(fresh: Market) -> None:
    campaign = next(c for c in fresh.campaigns.values() if c.is_cbo)
    fresh.update(campaign.id, {"status": "PAUSED"})
    members = [a for a, s in fresh.adsets.items() if s.campaign_id == campaign.id]
    assert all(fresh.effective_status(a) == "CAMPAIGN_PAUSED" for a in members)
    ad = next(a for a in fresh.ads.values() if a.campaign_id == campaign.id)
    assert fresh.effective_status(ad.id) == "CAMPAIGN_PAUSED"
    day = fresh.today
    fresh.advance(1)
    spend = adset_spend(fresh, day, day)
    assert not any(a in members for a, _ in spend)
    assert spend  # the others still deliver


def test_cost_cap_limits_spend_to_the_cap(fresh: Market) -> None:
    adset_id = live_adset(fresh)
    day = fresh.today
    budget = float(minor_to_major(fresh.adsets[adset_id].daily_budget or 0, "USD"))
    cpa_at_budget = budget / fresh.truth.expected_purchases(adset_id, budget, day)
    cap = cpa_at_budget * 0.6
    fresh.update(adset_id, {"bid_strategy": "COST_CAP", "bid_amount": round(cap * 100)})
    fresh.advance(10)
    spend = adset_spend(fresh, day, fresh.today)
    for d in range(10):
        current = day + timedelta(days=d)
        amount = float(spend[(adset_id, current)])
        assert amount < budget * 0.9
        # the expected cost per purchase at the spend reached is about the cap (daily noise aside)
        cpa = amount / fresh.truth.expected_purchases(adset_id, amount, current)
        assert cpa == pytest.approx(cap, rel=0.15)


def test_lifetime_budget_is_paced_and_never_overspent(fresh: Market) -> None:
    account = next(iter(fresh.accounts))
    campaign = fresh.create_campaign(account, {"name": "Flight", "objective": "OUTCOME_SALES"})
    end = fresh.today + timedelta(days=10)
    adset = fresh.create_adset(
        account,
        {
            "name": "Flight ad set",
            "campaign_id": campaign.id,
            "lifetime_budget": 30_000,
            "end_time": f"{end.isoformat()}T00:00:00+00:00",
        },
    )
    creative = fresh.create_creative(account, {"name": "C", "call_to_action_type": "SHOP_NOW"})
    fresh.create_ad(account, {"name": "A", "adset_id": adset.id, "creative_id": creative.id})
    start = fresh.today
    fresh.advance(14)
    spend = adset_spend(fresh, start, fresh.today)
    days = {d: s for (a, d), s in spend.items() if a == adset.id}
    assert set(days) == {start + timedelta(days=k) for k in range(10)}
    total = sum(days.values())
    assert Decimal("270") < total <= Decimal("300")
    assert max(days.values()) < Decimal("45")


def test_cbo_lifetime_budget_is_never_overspent(scratch: Market) -> None:
    account = next(iter(scratch.accounts))
    end = scratch.today + timedelta(days=5)
    campaign = scratch.create_campaign(
        account,
        {"name": "Flash sale", "lifetime_budget": "20000", "end_time": end.isoformat()},
    )
    assert campaign.is_cbo and campaign.bid_strategy == "LOWEST_COST_WITHOUT_CAP"
    members = []
    for n in range(3):
        adset = scratch.create_adset(account, {"name": f"Sale {n}", "campaign_id": campaign.id})
        assert adset.daily_budget is None and adset.bid_strategy is None
        creative = scratch.create_creative(account, {"call_to_action_type": "SHOP_NOW"})
        scratch.create_ad(
            account, {"name": f"Sale ad {n}", "adset_id": adset.id, "creative_id": creative.id}
        )
        members.append(adset.id)
    start = scratch.today
    scratch.advance(7)
    spend = adset_spend(scratch, start, scratch.today)
    per_day = collections.defaultdict(Decimal)
    for (adset_id, day), amount in spend.items():
        if adset_id in members:
            per_day[day] += amount
    assert set(per_day) == {start + timedelta(days=k) for k in range(5)}  # stops at the end time
    assert Decimal("180") < sum(per_day.values()) <= Decimal("200")


def test_disabled_account_stops_delivering(scratch: Market) -> None:
    account = next(iter(scratch.accounts))
    scratch.update(account, {"account_status": 2})
    assert scratch.effective_status(account) == "DISABLED"
    day = scratch.today
    scratch.advance(1)
    assert scratch.metrics(account, day, day) == []
    with pytest.raises(MarketError) as raised:
        scratch.update(account, {"account_status": 5})
    assert raised.value.field == "account_status"
