"""The truth: concave curves, rising CPM, and simulated averages that match it (law of large numbers)."""

from __future__ import annotations

import collections
from datetime import date, timedelta

import numpy as np
import pytest

from optimizer.sandbox.market import Market, MarketConfig, MarketError

from .conftest import START


@pytest.fixture(scope="module")
def big() -> Market:
    """100 ad sets over 120 days: ~9,000 ad-set days, enough for 2-3% agreement with the truth."""
    return Market(
        MarketConfig(adsets=100, campaigns=5, cbo_campaigns=2, start_date=START, history_days=120)
    )


def test_curve_is_increasing_and_concave(market: Market) -> None:
    spends = np.linspace(1.0, 400.0, 200)
    day = market.today
    for adset_id in market.adsets:
        purchases = market.truth.curve(adset_id, spends, day)
        first = np.diff(purchases)
        assert np.all(first > 0)
        assert np.all(np.diff(first) < 0)  # diminishing returns
        revenue = market.truth.revenue_curve(adset_id, spends, day)
        assert np.all(np.diff(np.diff(revenue)) < 0)
        impressions = market.truth.impressions_curve(adset_id, spends, day)
        cpm = 1000 * spends / impressions
        assert np.all(np.diff(cpm) > 0)  # the CPM rises with spend
        assert 0.5 < market.truth.exponent(adset_id) < 0.9


def test_scalar_and_vector_truth_agree(market: Market) -> None:
    adset_id = next(iter(market.adsets))
    day = market.today - timedelta(days=3)
    curve = market.truth.curve(adset_id, np.array([10.0, 50.0]), day)
    assert market.truth.expected_purchases(adset_id, 50.0, day) == pytest.approx(curve[1])
    from decimal import Decimal

    assert market.truth.expected_purchases(adset_id, Decimal("50.00"), day) == pytest.approx(
        curve[1]
    )
    # a power law: doubling spend multiplies outcomes by 2**b
    b = market.truth.exponent(adset_id)
    assert curve[1] / curve[0] == pytest.approx(5.0**b)
    assert market.truth.marginal_roas(adset_id, 50.0, day) == pytest.approx(
        b * market.truth.expected_revenue(adset_id, 50.0, day) / 50.0
    )


def test_ad_sets_differ_at_the_margin(market: Market) -> None:
    """Reallocation must matter: marginal ROAS at the same spend spans a wide range."""
    day = market.today
    margins = [market.truth.marginal_roas(a, 40.0, day) for a in market.adsets]
    assert max(margins) / min(margins) > 3


def _adset_days(market: Market, until: date) -> tuple[list[tuple[str, date]], np.ndarray]:
    account = next(iter(market.accounts))
    sums: dict[tuple[str, date], np.ndarray] = collections.defaultdict(lambda: np.zeros(4))
    for r in market.metrics(account, market.config.first_day, until):
        sums[(r.adset_id, r.date)] += [
            float(r.spend),
            r.impressions,
            r.purchases,
            float(r.purchase_value),
        ]
    keys = list(sums)
    return keys, np.array([sums[k] for k in keys])


def test_simulated_totals_match_the_truth(big: Market) -> None:
    final_until = big.today - timedelta(days=29)  # final days only: every purchase is known
    keys, values = _adset_days(big, final_until)
    assert len(keys) > 5000
    truth = big.truth
    impressions = np.array(
        [
            truth.impressions_curve(a, [s], d)[0]
            for (a, d), s in zip(keys, values[:, 0], strict=True)
        ]
    )
    purchases = np.array(
        [truth.expected_purchases(a, s, d) for (a, d), s in zip(keys, values[:, 0], strict=True)]
    )
    revenue = np.array(
        [truth.expected_revenue(a, s, d) for (a, d), s in zip(keys, values[:, 0], strict=True)]
    )
    assert values[:, 1].sum() / impressions.sum() == pytest.approx(1.0, abs=0.005)
    assert values[:, 2].sum() / purchases.sum() == pytest.approx(1.0, abs=0.03)
    assert values[:, 3].sum() / revenue.sum() == pytest.approx(1.0, abs=0.04)
    # gamma-Poisson: purchase counts vary more than a Poisson with the true mean would
    dispersion = np.mean((values[:, 2] - purchases) ** 2 / purchases)
    assert 1.05 < dispersion < 1.6


def test_weekday_factors_show_in_purchases(big: Market) -> None:
    account = next(iter(big.accounts))
    factors = big.truth.weekday_factors(account)
    for name in ("impressions", "ctr", "cvr"):
        assert factors[name].shape == (7,)
        assert factors[name].mean() == pytest.approx(1.0)
    cvr = factors["cvr"]
    assert cvr[5] > cvr[0]  # Saturday converts better than Monday
    day_ctr = [
        big.truth.ad_rates(next(iter(big.ads)), START + timedelta(days=d))["ctr"] for d in (5, 7)
    ]
    assert day_ctr[0] != day_ctr[1]


def test_cta_effects_are_ad_set_specific(market: Market) -> None:
    effects = {
        a: market.truth.cta_effect(a, "SHOP_NOW")[1] / market.truth.cta_effect(a, "LEARN_MORE")[1]
        for a in market.adsets
    }
    # SHOP_NOW sells better than LEARN_MORE on average, by a different margin in each ad set
    assert np.mean(list(effects.values())) > 1.2
    assert np.std(list(effects.values())) > 0.05


def test_ad_rates_follow_creative_and_cta(market: Market) -> None:
    day = market.today - timedelta(days=1)
    for ad_id, ad in list(market.ads.items())[:12]:
        rates = market.truth.ad_rates(ad_id, day)
        assert 0 < rates["ctr"] < 0.2
        assert 0 < rates["cvr"] < 0.5
        assert rates["purchases_per_impression"] == pytest.approx(
            rates["ctr"] * rates["link_share"] * rates["lpv_rate"] * rates["cvr"]
        )
        if ad.status != "ACTIVE":
            assert rates["share"] == 0
    shares = collections.defaultdict(float)
    for ad_id, ad in market.ads.items():
        shares[ad.adset_id] += market.truth.ad_rates(ad_id, day)["share"]
    assert all(total == pytest.approx(1.0) for total in shares.values())


def test_creative_fatigue_lowers_ctr() -> None:
    fresh = Market(MarketConfig(start_date=START, history_days=0))
    ad_id = next(iter(fresh.ads))
    assert fresh.truth.fatigue(ad_id) == 1.0
    fresh.advance(60)
    assert fresh.truth.fatigue(ad_id) < 0.98
    worn = [fresh.truth.fatigue(a) for a in fresh.ads if fresh.ads[a].status == "ACTIVE"]
    assert min(worn) < 0.9


def test_best_split_equalises_marginal_returns_and_beats_the_current_budgets(
    market: Market,
) -> None:
    day = market.today
    ids = [a for a, s in market.adsets.items() if s.daily_budget is not None]
    total = sum((market.adsets[a].daily_budget or 0) for a in ids) / 100
    split = market.truth.best_split(ids, total, day)
    assert sum(split.values()) == pytest.approx(total)
    margins = [market.truth.marginal_roas(a, split[a], day) for a in ids]
    assert max(margins) == pytest.approx(min(margins), rel=1e-6)
    best = sum(market.truth.expected_revenue(a, split[a], day) for a in ids)
    current = sum(
        market.truth.expected_revenue(a, (market.adsets[a].daily_budget or 0) / 100, day)
        for a in ids
    )
    assert best > 1.05 * current  # reallocation pays in this market
    rng = np.random.default_rng(0)
    for _ in range(20):  # and no random split of the same total does better
        weights = rng.dirichlet(np.ones(len(ids)))
        other = sum(
            market.truth.expected_revenue(a, w * total, day)
            for a, w in zip(ids, weights, strict=True)
        )
        assert other <= best


def test_creative_rates(market: Market) -> None:
    for creative_id, creative in list(market.creatives.items())[:10]:
        rates = market.truth.creative_rates(creative_id)
        assert rates["call_to_action_type"] == creative.call_to_action_type
        assert 0.001 < float(rates["ctr"]) < 0.1
        assert 0.4 <= float(rates["fatigue_floor"]) <= 0.7


def test_truth_for_today_is_what_the_next_day_runs_on(scratch: Market) -> None:
    day = scratch.today
    ids = list(scratch.adsets)[:5]
    before = [scratch.truth.expected_purchases(a, 25.0, day) for a in ids]
    scratch.advance(1)
    after = [scratch.truth.expected_purchases(a, 25.0, day) for a in ids]
    assert after == before
    with pytest.raises(MarketError) as raised:
        scratch.truth.rates(scratch.config.first_day - timedelta(days=1))
    assert raised.value.field == "day"


def test_ad_sets_with_the_same_targeting_reach_the_same_audience(scratch: Market) -> None:
    """A split test's arms (same targeting) share the audience and its drift; other targeting differs."""
    account = next(iter(scratch.accounts))
    original = next(iter(scratch.adsets.values()))
    campaign = next(c.id for c in scratch.campaigns.values() if not c.is_cbo)
    twin = scratch.create_adset(
        account,
        {
            "name": "Arm",
            "campaign_id": campaign,
            "daily_budget": 3000,
            "targeting": original.targeting,
        },
    )
    other = scratch.create_adset(
        account,
        {
            "name": "Elsewhere",
            "campaign_id": campaign,
            "daily_budget": 3000,
            "targeting": {"geo_locations": {"countries": ["NZ"]}},
        },
    )
    truth = scratch.truth
    assert truth.exponent(twin.id) == truth.exponent(original.id) != truth.exponent(other.id)
    assert truth.cta_effect(twin.id, "BUY_NOW") == truth.cta_effect(original.id, "BUY_NOW")
    scratch.advance(10)  # drift moves both alike
    day = scratch.today
    spends = np.array([10.0, 40.0])
    assert np.array_equal(
        truth.impressions_curve(twin.id, spends, day),
        truth.impressions_curve(original.id, spends, day),
    )
    assert not np.array_equal(
        truth.impressions_curve(other.id, spends, day),
        truth.impressions_curve(original.id, spends, day),
    )
