"""The small exact pieces: spend splitting, the CBO split, bid caps, field parsing."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer.sandbox.market import MarketError
from optimizer.sandbox.market import validation as check
from optimizer.sandbox.market.delivery import cbo_split
from optimizer.sandbox.market.simulate import split_spend


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 3), min_size=1, max_size=30),
    st.data(),
)
def test_split_spend_preserves_every_cent(groups: list[int], data: st.DataObject) -> None:
    group = np.array(groups, dtype=np.int64)
    n_groups = 4
    impressions = np.array(
        data.draw(st.lists(st.integers(0, 5000), min_size=len(groups), max_size=len(groups))),
        dtype=np.int64,
    )
    spend = np.array(
        data.draw(st.lists(st.integers(0, 10**7), min_size=4, max_size=4)), dtype=np.int64
    )
    parts = split_spend(spend, group, impressions)
    assert np.all(parts >= 0)
    assert np.all(parts[impressions == 0] == 0)
    served = np.bincount(group, weights=impressions, minlength=n_groups) > 0
    totals = np.bincount(group, weights=parts, minlength=n_groups).astype(np.int64)
    assert np.array_equal(totals[served], spend[served])
    assert np.all(totals[~served] == 0)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.floats(0.01, 100.0), min_size=1, max_size=12),
    st.floats(1.0, 10_000.0),
    st.data(),
)
def test_cbo_split_spends_the_budget_at_equal_marginal_returns(
    kappas: list[float], budget: float, data: st.DataObject
) -> None:
    exponents = np.array(
        data.draw(st.lists(st.floats(0.55, 0.85), min_size=len(kappas), max_size=len(kappas)))
    )
    kappa = np.array(kappas)
    split = cbo_split(budget, kappa, exponents)
    assert split.sum() == pytest.approx(budget, rel=1e-9)
    marginal = kappa * exponents * split ** (exponents - 1)
    assert marginal.max() == pytest.approx(marginal.min(), rel=1e-6)


def test_cbo_split_skips_dead_ad_sets() -> None:
    split = cbo_split(100.0, np.array([0.0, 2.0, 1.0]), np.array([0.7, 0.7, 0.7]))
    assert split[0] == 0 and split.sum() == pytest.approx(100.0)
    # equal curvature: spend in proportion to kappa^(1/(1-b))
    assert split[1] / split[2] == pytest.approx(2.0 ** (1 / 0.3))


@pytest.mark.parametrize(
    ("value", "expected"), [(5000, 5000), ("5000", 5000), (" 120 ", 120), ("-3", -3)]
)
def test_integer_accepts_ints_and_digit_strings(value: object, expected: int) -> None:
    assert check.integer("daily_budget", value) == expected


@pytest.mark.parametrize("value", [True, 1.5, "1e3", "", None, [1], "12a"])
def test_integer_refuses_other_values(value: object) -> None:
    with pytest.raises(MarketError) as raised:
        check.integer("daily_budget", value)
    assert raised.value.field == "daily_budget"


def test_minimum_budget_depends_on_the_currency() -> None:
    assert check.minimum_daily_budget("USD") == 100
    assert check.minimum_daily_budget("JPY") == 100
    check.budget("daily_budget", 100, "JPY")
    with pytest.raises(MarketError):
        check.budget("daily_budget", 99, "EUR")


def test_timestamps() -> None:
    assert check.timestamp("end_time", "2026-02-01T00:00:00").tzinfo is not None
    assert check.timestamp("end_time", 1767225600).year == 2026
    assert check.timestamp("end_time", "1767225600").year == 2026
    with pytest.raises(MarketError) as raised:
        check.timestamp("end_time", "next tuesday")
    assert raised.value.field == "end_time"
