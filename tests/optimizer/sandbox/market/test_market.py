"""The market's shape, determinism and reporting contract."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from optimizer.sandbox.market import DailyMetrics, Market, MarketConfig

from .conftest import START


def test_default_sizes(market: Market) -> None:
    assert len(market.accounts) == 1
    assert len(market.campaigns) == 3
    assert len(market.adsets) == 20
    refreshes = sum(1 for e in market.history if e.kind == "refresh")
    assert len(market.ads) == 60 + refreshes  # refreshed creatives add ads during the history
    assert len(market.creatives) == len(market.ads)
    assert market.today == START + timedelta(days=90)
    account = next(iter(market.accounts.values()))
    assert account.id.startswith("act_") and account.id[4:].isdigit()
    assert account.currency == "USD"
    cbo = [c for c in market.campaigns.values() if c.is_cbo]
    assert len(cbo) == 1
    for adset in market.adsets.values():
        under_cbo = market.campaigns[adset.campaign_id].is_cbo
        assert (adset.daily_budget is None) == under_cbo
    rows = market.metrics(account.id, START, market.today)
    assert {r.date for r in rows} == {START + timedelta(days=d) for d in range(90)}


def test_rows_ordered_by_date_then_ad_and_delivered_only(market: Market) -> None:
    account_id = next(iter(market.accounts))
    rows = market.metrics(account_id, START, market.today)
    keys = [(r.date, int(r.ad_id)) for r in rows]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)
    assert all(r.impressions > 0 for r in rows)
    for r in rows:
        assert r.reach <= r.impressions
        assert r.link_clicks <= r.clicks
        assert r.landing_page_views <= r.link_clicks
        assert r.purchases <= r.add_to_cart
        assert r.spend == r.spend.quantize(Decimal("0.01"))
        assert r.purchase_value == r.purchase_value.quantize(Decimal("0.01"))
        ad = market.ads[r.ad_id]
        assert (r.adset_id, r.campaign_id, r.account_id) == (
            ad.adset_id,
            ad.campaign_id,
            ad.account_id,
        )


def test_same_seed_same_numbers_other_seed_differs() -> None:
    config = MarketConfig(start_date=START, history_days=30)
    a, b = Market(config), Market(config)
    c = Market(MarketConfig(start_date=START, history_days=30, seed=8))
    rows_a = a.metrics(next(iter(a.accounts)), START, a.today)
    rows_b = b.metrics(next(iter(b.accounts)), START, b.today)
    rows_c = c.metrics(next(iter(c.accounts)), START, c.today)
    assert rows_a == rows_b
    assert list(a.ads) == list(b.ads)
    totals = [sum(r.spend for r in rows) for rows in (rows_a, rows_c)]
    assert totals[0] != totals[1]
    assert [r.purchases for r in rows_a] != [r.purchases for r in rows_c]


def test_advancing_in_steps_equals_advancing_at_once() -> None:
    config = MarketConfig(start_date=START, history_days=10)
    once, steps = Market(config), Market(config)
    once.advance(6)
    for _ in range(3):
        steps.advance(2)
    account = next(iter(once.accounts))
    assert once.metrics(account, START, once.today) == steps.metrics(account, START, steps.today)


def test_metrics_window_and_bounds(market: Market) -> None:
    account_id = next(iter(market.accounts))
    day = START + timedelta(days=10)
    rows = market.metrics(account_id, day, day)
    assert rows and {r.date for r in rows} == {day}
    assert market.metrics(account_id, market.today, market.today + timedelta(days=5)) == []


def test_reported_rows_are_ordinary_frozen_dataclasses(market: Market) -> None:
    import dataclasses

    account_id = next(iter(market.accounts))
    row = market.metrics(account_id, START, START)[0]
    rebuilt = DailyMetrics(**{f.name: getattr(row, f.name) for f in dataclasses.fields(row)})
    assert rebuilt == row and hash(rebuilt) == hash(row)
    assert dataclasses.asdict(row)["ad_id"] == row.ad_id
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.purchases = 1  # type: ignore[misc]


DIGEST = """
import hashlib, sys
from datetime import date
from optimizer.sandbox.market import Market, MarketConfig
m = Market(MarketConfig(start_date=date(2026, 1, 5), history_days=25, adsets=12))
rows = m.metrics(next(iter(m.accounts)), date(2026, 1, 5), m.today)
print(hashlib.sha256(repr(rows).encode()).hexdigest())
"""


def test_same_numbers_in_another_process_with_another_hash_seed() -> None:
    """Nothing depends on Python's per-process hash randomisation (set order, id())."""
    import os
    import subprocess
    import sys

    digests = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run(
            [sys.executable, "-c", DIGEST], env=env, capture_output=True, text=True, check=True
        )
        digests.add(out.stdout.strip())
    assert len(digests) == 1 and len(next(iter(digests))) == 64


def test_accounts_can_differ_in_size() -> None:
    from optimizer.sandbox.market import Market, MarketConfig
    from optimizer.sandbox.market.errors import MarketError

    market = Market(
        MarketConfig(seed=3, accounts=3, campaigns=2, adsets_per_account=(2, 6), history_days=5)
    )
    sizes = [
        sum(1 for s in market.adsets.values() if s.account_id == account)
        for account in market.accounts
    ]
    assert sizes == [2, 6, 2]
    with pytest.raises(MarketError, match="adsets_per_account"):
        MarketConfig(campaigns=3, adsets_per_account=(2,))
