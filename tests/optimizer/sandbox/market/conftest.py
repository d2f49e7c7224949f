"""Shared markets: building one takes a fraction of a second, so module-scoped fixtures keep tests fast."""

from __future__ import annotations

from datetime import date

import pytest

from optimizer.sandbox.market import Market, MarketConfig

START = date(2026, 1, 5)  # a Monday


@pytest.fixture(scope="module")
def market() -> Market:
    """The default market (3 campaigns, 20 ad sets, 60 ads, 90 days), read-only by convention."""
    return Market(MarketConfig(start_date=START))


@pytest.fixture()
def fresh() -> Market:
    """A market a test may change."""
    return Market(MarketConfig(start_date=START))


@pytest.fixture()
def scratch() -> Market:
    """A cheap market (5 days of history) for tests that change settings."""
    return Market(MarketConfig(start_date=START, history_days=5))
