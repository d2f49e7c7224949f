"""The scripted past: budget edits, late launches, pauses and creative refreshes show in the rows."""

from __future__ import annotations

import collections
from datetime import date, timedelta
from decimal import Decimal

import pytest

from optimizer.sandbox.market import Market, MarketConfig

from .conftest import START
from .helpers import adset_spend


@pytest.fixture(scope="module")
def lived() -> Market:
    return Market(MarketConfig(start_date=START, adsets=40, campaigns=4, cbo_campaigns=1))


def _days_with_rows(market: Market, adset_id: str) -> set[date]:
    return {d for (a, d) in adset_spend(market, START, market.today) if a == adset_id}


def test_script_has_every_kind_of_event(lived: Market) -> None:
    kinds = collections.Counter(e.kind for e in lived.history)
    assert kinds["budget"] >= 40
    assert kinds["launch"] >= 1 and kinds["pause"] >= 1 and kinds["refresh"] >= 1
    assert kinds["pause"] == kinds["resume"]
    assert [e.day for e in lived.history] == sorted(e.day for e in lived.history)


def test_spend_follows_the_budget_in_force(lived: Market) -> None:
    """Uncapped ad-set budgets: every day's spend within 125% of that day's budget, ~100% on average."""
    spend = adset_spend(lived, START, lived.today)
    initial = Market(
        MarketConfig(start_date=START, adsets=40, campaigns=4, cbo_campaigns=1, history_days=0)
    )
    edits = collections.defaultdict(list)
    for event in lived.history:
        if event.kind == "budget":
            edits[event.object_id].append((event.day, event.detail["daily_budget"]))
    ratios = []
    for adset_id, adset in lived.adsets.items():
        if adset.daily_budget is None or adset.bid_strategy != "LOWEST_COST_WITHOUT_CAP":
            continue
        budget = initial.adsets[adset_id].daily_budget
        assert budget is not None
        changes = dict(edits[adset_id])
        for d in range(90):
            budget = changes.get(d, budget)
            amount = spend.get((adset_id, START + timedelta(days=d)))
            if amount is None:
                continue
            limit = Decimal(budget) / 100
            assert amount <= limit * Decimal("1.25")
            ratios.append(float(amount / limit))
        assert budget == adset.daily_budget  # the edits replayed end at today's budget
    assert sum(ratios) / len(ratios) == pytest.approx(1.0, abs=0.02)


def test_late_launches_and_pauses_leave_gaps(lived: Market) -> None:
    for event in lived.history:
        if event.kind == "launch":
            launch = START + timedelta(days=event.day)
            days = _days_with_rows(lived, event.object_id)
            assert min(days) == launch
            assert lived.adsets[event.object_id].created_time.date() == launch
        if event.kind == "pause":
            resume = next(
                e for e in lived.history if e.kind == "resume" and e.object_id == event.object_id
            )
            days = _days_with_rows(lived, event.object_id)
            gap = {START + timedelta(days=d) for d in range(event.day, resume.day)}
            assert not gap & days
            assert START + timedelta(days=resume.day) in days


def test_refresh_adds_an_ad_that_delivers_from_that_day(lived: Market) -> None:
    account = next(iter(lived.accounts))
    rows = lived.metrics(account, START, lived.today)
    for event in lived.history:
        if event.kind != "refresh":
            continue
        ad_id = event.detail["ad_id"]
        assert lived.ads[ad_id].adset_id == event.object_id
        first = min(r.date for r in rows if r.ad_id == ad_id)
        assert first == START + timedelta(days=event.day)
        if "paused_ad_id" in event.detail:
            paused = event.detail["paused_ad_id"]
            assert not [r for r in rows if r.ad_id == paused and r.date >= first]


def test_no_events_when_switched_off() -> None:
    market = Market(MarketConfig(start_date=START, history_events=False, history_days=30))
    assert market.history == []
    assert len(market.ads) == 60
