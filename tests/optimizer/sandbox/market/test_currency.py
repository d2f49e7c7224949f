"""Currencies: spend and values in each account's minor unit; yen accounts spend whole yen."""

from __future__ import annotations

from decimal import Decimal

import pytest

from optimizer.sandbox.market import Market, MarketConfig, MarketError

from .conftest import START


@pytest.fixture(scope="module")
def multi() -> Market:
    return Market(
        MarketConfig(
            start_date=START, accounts=3, currencies=("USD", "JPY", "EUR"), history_days=20
        )
    )


def test_accounts_get_their_currencies(multi: Market) -> None:
    assert [a.currency for a in multi.accounts.values()] == ["USD", "JPY", "EUR"]
    assert len(multi.adsets) == 60 and len(multi.ads) >= 180
    ids = list(multi.accounts)
    assert len(set(ids)) == 3


def test_yen_is_whole_and_cents_are_two_places(multi: Market) -> None:
    usd, jpy, eur = list(multi.accounts)
    yen_rows = multi.metrics(jpy, START, multi.today)
    assert yen_rows
    for r in yen_rows:
        assert r.spend == r.spend.to_integral_value() and r.spend.as_tuple().exponent == 0
        assert r.purchase_value == r.purchase_value.to_integral_value()
    for account in (usd, eur):
        for r in multi.metrics(account, START, multi.today):
            assert r.spend.as_tuple().exponent == -2
    for adset in multi.adsets.values():
        if adset.account_id == jpy and adset.daily_budget is not None:
            assert adset.daily_budget % 100 == 0 and adset.daily_budget >= 500
    # about 150 yen to the dollar: the yen account spends on that scale
    total = {
        a: sum((r.spend for r in multi.metrics(a, START, multi.today)), Decimal(0))
        for a in (usd, jpy)
    }
    assert 40 < total[jpy] / total[usd] < 500


def test_rows_belong_to_their_account(multi: Market) -> None:
    for account in multi.accounts:
        rows = multi.metrics(account, START, multi.today)
        assert rows and all(r.account_id == account for r in rows)


def test_unknown_currency_is_refused() -> None:
    with pytest.raises(MarketError) as raised:
        MarketConfig(currencies=("XXX",))
    assert raised.value.field == "currencies"
