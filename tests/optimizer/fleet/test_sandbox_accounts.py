"""`adpilot sandbox --accounts N`: several accounts under one app; sizes, currencies and time zones vary."""

from __future__ import annotations

from optimizer.sandbox.cli import ACCOUNT_MIX, SIZE_FACTORS, account_sizes, build_app


def test_several_accounts_take_currencies_and_time_zones_in_turn() -> None:
    graph = build_app(seed=3, adsets=3, days=5, campaigns=1, accounts=10, app_calls_per_hour=500)
    accounts = list(graph.market.accounts.values())
    assert len(accounts) == 10
    expected = [ACCOUNT_MIX[k % len(ACCOUNT_MIX)] for k in range(10)]
    assert [(a.currency, a.timezone_name) for a in accounts] == expected
    assert len({a.currency for a in accounts}) == 7
    assert graph.config.quotas.app_calls_per_hour == 500
    sizes = [
        sum(1 for s in graph.market.adsets.values() if s.account_id == account.id)
        for account in accounts
    ]
    assert sizes == [account_sizes(3)[k % len(SIZE_FACTORS)] for k in range(10)]
    assert len(set(sizes)) > 1  # an agency's accounts differ in size


def test_one_account_stays_as_before() -> None:
    graph = build_app(seed=3, adsets=3, days=5, campaigns=1)
    (account,) = graph.market.accounts.values()
    assert (account.currency, account.timezone_name) == ("USD", "America/New_York")
    assert graph.config.quotas.app_calls_per_hour == 1_000_000
