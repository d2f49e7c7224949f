"""Pacing a monthly budget: exact daily totals, weekday weights, Meta's overspend rules, warnings."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from budgets import BudgetPolicy
from budgets.pacing import account_today, pace_month, pace_policy
from optimizer.errors import InputError, PolicyError

# November 2026 has 30 days; the 1st is a Sunday, so Nov 1-28 are four whole calendar weeks (Sun-Sat).


def test_the_rest_of_the_month_is_split_evenly() -> None:
    plan = pace_month(D("3000"), D("2700"), date(2026, 11, 28))
    assert plan.remaining == D("300.00")
    assert plan.schedule == (
        (date(2026, 11, 28), D("100.00")),
        (date(2026, 11, 29), D("100.00")),
        (date(2026, 11, 30), D("100.00")),
    )
    assert plan.daily_total == D("100.00") and plan.days_left == 3
    assert (plan.month_start, plan.month_end) == (date(2026, 11, 1), date(2026, 11, 30))


def test_cents_that_do_not_divide_go_to_the_earliest_days_and_sum_exactly() -> None:
    plan = pace_month(D("1000"), D("0"), date(2026, 11, 1))
    amounts = [amount for _, amount in plan.schedule]
    assert amounts[:10] == [D("33.34")] * 10
    assert amounts[10:] == [D("33.33")] * 20
    assert sum(amounts) == D("1000")
    assert plan.daily_total == D("33.34")


def test_offset_one_currencies_pace_in_whole_units() -> None:
    plan = pace_month(D("100000"), D("0"), date(2026, 11, 1), currency="JPY")
    amounts = [amount for _, amount in plan.schedule]
    assert amounts[:10] == [D("3334")] * 10 and amounts[10:] == [D("3333")] * 20
    assert sum(amounts) == D("100000")


def test_weekday_weights_shift_budget_between_days() -> None:
    weekend_half = {5: 0.5, 6: 0.5}  # Saturday and Sunday weigh half
    plan = pace_month(D("3000"), D("2600"), date(2026, 11, 26), weekday_weights=weekend_half)
    # Thu 26, Fri 27, Sat 28, Sun 29, Mon 30: weights 1, 1, .5, .5, 1 share 400
    assert [amount for _, amount in plan.schedule] == [
        D("100"),
        D("100"),
        D("50"),
        D("50"),
        D("100"),
    ]
    same = pace_month(
        D("3000"), D("2600"), date(2026, 11, 26), weekday_weights=[1, 1, 1, 1, 1, 0.5, 0.5]
    )
    assert same.schedule == plan.schedule


def test_spend_over_plan_is_warned_and_the_rest_gets_less() -> None:
    plan = pace_month(D("3000"), D("1800"), date(2026, 11, 16))
    assert plan.planned_to_date == D("1500.00")  # 15 of 30 days
    assert plan.daily_total == D("80.00")  # 1200 over 15 days
    assert plan.warnings[0] == (
        "month-to-date spend 1800 USD is over the plan 1500.00 USD by 300.00 (20%); the 15 remaining days get less"
    )


def test_planned_to_date_follows_the_weights() -> None:
    # weekends at half weight: the month weighs 21 + 9 * 0.5 = 25.5 and its first week (Nov 1-7) 6
    plan = pace_month(D("2550"), D("0"), date(2026, 11, 8), weekday_weights={5: 0.5, 6: 0.5})
    assert plan.planned_to_date == D("600.00")


def test_an_exhausted_month_paces_to_zero_never_negative() -> None:
    plan = pace_month(D("3000"), D("3100.55"), date(2026, 11, 20))
    assert plan.remaining == D("0")
    assert all(amount == 0 for _, amount in plan.schedule)
    assert plan.warnings[0].startswith("the monthly budget is spent: 3100.55 of 3000 USD")


def test_worst_case_counts_the_daily_overspend_outside_whole_weeks() -> None:
    plan = pace_month(D("1000"), D("0"), date(2026, 11, 1))
    # Nov 1-28 spend at most their budgets (7x the weekly average); Nov 29-30 may spend 125% of theirs
    assert plan.worst_case_spend == D("933.34") + D("1.25") * D("66.66") + D(
        "0.005"
    )  # rounded up a cent
    assert plan.worst_case_spend == D("1016.67")
    assert "Meta may spend up to 1016.67 USD over the remaining 30 days" in plan.warnings[-1]
    assert "16.67 USD more than the month has left" in plan.warnings[-1]


def test_guarantee_paces_down_so_even_the_worst_case_fits() -> None:
    plan = pace_month(D("1000"), D("0"), date(2026, 11, 1), guarantee=True)
    # 28 days at 1x and 2 at 1.25x: 30.5 units share 1000.00, floored to the cent
    assert {amount for _, amount in plan.schedule} == {D("32.78")}
    assert plan.worst_case_spend == D("999.79")
    assert plan.worst_case_spend <= plan.remaining
    assert plan.warnings == ()


def test_a_month_ending_on_saturday_has_no_overspend_risk_in_whole_weeks() -> None:
    # October 2026 ends on Saturday the 31st; from Sunday the 18th two whole weeks remain
    plan = pace_month(D("1400"), D("0"), date(2026, 10, 18))
    assert plan.worst_case_spend == plan.remaining == D("1400.00")
    assert plan.warnings == ()


def test_policy_pacing_uses_the_policy_currency() -> None:
    plan = pace_policy(
        BudgetPolicy(monthly_budget=D("30000"), currency="JPY"), D("0"), date(2026, 11, 1)
    )
    assert plan.daily_total == D("1000") and plan.currency == "JPY"
    with pytest.raises(PolicyError, match="monthly_budget: the policy sets none"):
        pace_policy(BudgetPolicy(), D("0"), date(2026, 11, 1))


def test_account_today_uses_the_account_time_zone() -> None:
    instant = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    assert account_today(instant, "America/Los_Angeles") == date(2026, 11, 30)
    assert account_today(instant, "Asia/Tokyo") == date(2026, 12, 1)
    with pytest.raises(InputError, match="no time zone"):
        account_today(datetime(2026, 12, 1, 3, 0), "UTC")
    with pytest.raises(InputError, match="'Mars/Base' is not a known time zone"):
        account_today(instant, "Mars/Base")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"monthly_budget": D("-1")}, "monthly_budget: must not be negative"),
        ({"spent_to_date": D("NaN")}, "spent_to_date: .* is not a finite number"),
        ({"today": datetime(2026, 11, 3, 12, 0)}, "today: expected a date"),
        ({"currency": "XXX"}, "unknown currency"),
        ({"weekday_weights": [1, 1, 1]}, "weekday_weights: expected 7 values"),
        ({"weekday_weights": {7: 1.0}}, "weekday_weights: keys must be weekdays"),
        (
            {"weekday_weights": [1, 1, 1, 1, 1, 1, -1]},
            r"weekday_weights\[6\]: must not be negative",
        ),
        ({"weekday_weights": [0] * 7}, "every remaining day of the month weighs 0"),
        ({"daily_overspend": D("0.9")}, "daily_overspend: must be at least 1"),
    ],
)
def test_bad_input_is_an_input_error(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {
        "monthly_budget": D("1000"),
        "spent_to_date": D("0"),
        "today": date(2026, 11, 3),
    }
    arguments.update(kwargs)
    with pytest.raises(InputError, match=message):
        pace_month(**arguments)  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(
    budget=st.integers(min_value=0, max_value=10**9),
    spent=st.integers(min_value=0, max_value=10**9),
    today=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
    weights=st.one_of(
        st.none(), st.lists(st.sampled_from([0.25, 0.5, 1.0, 2.0]), min_size=7, max_size=7)
    ),
    guarantee=st.booleans(),
)
def test_schedules_are_whole_cents_never_negative_and_never_over_what_is_left(
    budget: int, spent: int, today: date, weights: list[float] | None, guarantee: bool
) -> None:
    plan = pace_month(
        D(budget) / 100, D(spent) / 100, today, weekday_weights=weights, guarantee=guarantee
    )
    amounts = [amount for _, amount in plan.schedule]
    assert plan.remaining == max(D(0), D(budget - spent) / 100)
    assert all(a >= 0 and a * 100 == int(a * 100) for a in amounts)
    assert plan.schedule[-1][0] == plan.month_end and plan.schedule[0][0] == today
    if guarantee:
        assert plan.worst_case_spend <= plan.remaining
    else:
        assert sum(amounts) == plan.remaining
    assert plan.worst_case_spend <= D("1.25") * sum(amounts) + D("0.01")
