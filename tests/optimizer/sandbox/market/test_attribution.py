"""Delayed attribution: a day's purchases grow on later pulls, never shrink, and freeze after 28 days."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from optimizer.sandbox.market import Market, MarketConfig
from optimizer.sandbox.market.attribution import DELAY, KNOWN_SHARE, MAX_LAG

from .conftest import START


def test_delay_distribution() -> None:
    assert DELAY.sum() == pytest.approx(1.0)
    assert DELAY[0] == pytest.approx(0.6)
    assert KNOWN_SHARE[6] > 0.97  # most of it within a week
    assert len(DELAY) == MAX_LAG + 1 == 28
    assert np.all(np.diff(DELAY[1:]) < 0)


def test_reported_purchases_grow_then_freeze_after_28_days() -> None:
    market = Market(MarketConfig(start_date=START, adsets=40, campaigns=4, history_days=5))
    account = next(iter(market.accounts))
    day = market.today - timedelta(days=1)
    pulls = []
    for _ in range(35):
        rows = market.metrics(account, day, day)
        pulls.append(
            (
                {r.ad_id: r.purchases for r in rows},
                {r.ad_id: r.purchase_value for r in rows},
                [(r.spend, r.impressions, r.clicks, r.add_to_cart) for r in rows],
            )
        )
        market.advance(1)
    for (p0, v0, other0), (p1, v1, other1) in zip(pulls, pulls[1:], strict=False):
        assert p0.keys() == p1.keys()
        assert all(p1[a] >= p0[a] for a in p0)  # never decreases
        assert all(v1[a] >= v0[a] for a in v0)
        assert other0 == other1  # only conversions are restated
    totals = [sum(p.values()) for p, _, _ in pulls]
    assert totals[0] < totals[7]  # restated upwards
    assert totals[27] == totals[34]  # final: the pull 28 days after the day
    assert totals[26] <= totals[27]
    assert totals[0] / totals[27] == pytest.approx(KNOWN_SHARE[0], abs=0.12)
    assert pulls[27][1] == pulls[34][1]


def test_same_state_reports_the_same_numbers(market: Market) -> None:
    account = next(iter(market.accounts))
    since = market.today - timedelta(days=10)
    first = market.metrics(account, since, market.today)
    again = market.metrics(account, since, market.today - timedelta(days=1))
    assert first == again
    assert first is not again
    wider = market.metrics(account, since - timedelta(days=5), market.today)
    assert [r for r in wider if r.date >= since] == first


def test_known_share_matches_restatement_on_aggregate() -> None:
    """Across many ad days, the share known after L days approaches KNOWN_SHARE[L]."""
    market = Market(MarketConfig(start_date=START, adsets=120, campaigns=4, history_days=60))
    account = next(iter(market.accounts))
    rows = market.metrics(account, START, market.today)
    pull_day = market.today
    recent = {
        (r.date, r.ad_id): r.purchases for r in rows if r.date >= pull_day - timedelta(days=28)
    }
    market.advance(28)  # every one of those days is final now
    days = [d for d, _ in recent]
    later = {(r.date, r.ad_id): r.purchases for r in market.metrics(account, min(days), max(days))}
    by_age: dict[int, list[int]] = {}
    for (day, ad_id), purchases in recent.items():
        age = (pull_day - day).days - 1
        by_age.setdefault(age, [0, 0])
        by_age[age][0] += purchases
        by_age[age][1] += later[(day, ad_id)]
    for age, (known, total) in by_age.items():
        assert known / total == pytest.approx(KNOWN_SHARE[age], abs=0.06)
