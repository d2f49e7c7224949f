"""Pacing: turn a monthly budget into the daily total for the days left in the month.

Meta spends *daily* budgets, and loosely: on one day it may spend up to 125% of an ad set's daily budget,
while over a calendar week (Sunday to Saturday) it spends at most 7 times the average daily budget
(developers.facebook.com/docs/marketing-api/adset/budget-limits). So a month paced day by day can still end
over budget when its last days do not fill a calendar week. :func:`pace_month` spreads what is left evenly
(or by weekday weights) over the remaining days, reports the worst case Meta's rules allow, and can pace
down so that even the worst case stays within the month (``guarantee=True``).

Dates are calendar days in the ad account's time zone (:func:`account_today`), as Meta bills them.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from budgets.policy import BudgetPolicy
from optimizer.errors import InputError, PolicyError
from optimizer.money import offset, parse_decimal

__all__ = [
    "META_DAILY_OVERSPEND",
    "META_WEEKLY_MULTIPLE",
    "PacingPlan",
    "account_today",
    "pace_month",
    "pace_policy",
]

#: On any day Meta may spend up to this multiple of the daily budget.
META_DAILY_OVERSPEND = Decimal("1.25")
#: Over a calendar week Meta spends at most this many times the average daily budget.
META_WEEKLY_MULTIPLE = 7
_SUNDAY = 6  # date.weekday(): Monday is 0; Meta's calendar week runs Sunday to Saturday


@dataclass(frozen=True)
class PacingPlan:
    """The paced daily totals from ``today`` to the month's last day, with what Meta could overspend."""

    currency: str
    today: date
    month_start: date
    month_end: date
    monthly_budget: Decimal
    spent_to_date: Decimal
    planned_to_date: Decimal  # what an on-plan month would have spent before today
    remaining: Decimal  # monthly budget minus spend so far, never negative
    schedule: tuple[tuple[date, Decimal], ...]  # one daily total per remaining day, today first
    worst_case_spend: Decimal  # the most Meta may spend over the remaining days at this schedule
    warnings: tuple[str, ...]

    @property
    def daily_total(self) -> Decimal:
        """Today's total daily budget: what the guardrails take as ``daily_total``."""
        return self.schedule[0][1]

    @property
    def days_left(self) -> int:
        return len(self.schedule)


def account_today(now: datetime, timezone: str) -> date:
    """The calendar date in the ad account's time zone (Meta's ``timezone_name``) at the instant ``now``."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise InputError(f"now: {now.isoformat()} has no time zone; pass an aware datetime")
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"timezone: {timezone!r} is not a known time zone name") from None
    return now.astimezone(zone).date()


def pace_month(
    monthly_budget: Decimal,
    spent_to_date: Decimal,
    today: date,
    *,
    currency: str = "USD",
    weekday_weights: Mapping[int, float | Decimal] | Sequence[float | Decimal] | None = None,
    guarantee: bool = False,
    daily_overspend: Decimal = META_DAILY_OVERSPEND,
) -> PacingPlan:
    """Pace ``monthly_budget`` over the days from ``today`` to the end of its month.

    ``spent_to_date`` is the spend of the month's days before ``today``. The remainder is split over the
    days left in proportion to ``weekday_weights`` (Monday is 0; seven values or a mapping, missing days
    weigh 1), in whole minor units that sum exactly to it. With ``guarantee`` the days are paced down so
    that even Meta's allowed overspend (``daily_overspend`` a day outside full calendar weeks) stays
    within the month's budget.
    """
    if isinstance(today, datetime) or not isinstance(today, date):
        raise InputError(f"today: expected a date in the account's time zone, got {today!r}")
    unit = offset(currency)
    budget = _non_negative(monthly_budget, "monthly_budget")
    spent = _non_negative(spent_to_date, "spent_to_date")
    overspend = _non_negative(daily_overspend, "daily_overspend")
    if overspend < 1:
        raise InputError(f"daily_overspend: must be at least 1, got {daily_overspend}")
    weights = _weights(weekday_weights)
    month_start = today.replace(day=1)
    month_end = today.replace(day=calendar.monthrange(today.year, today.month)[1])
    days = [today + timedelta(days=i) for i in range((month_end - today).days + 1)]
    past = [month_start + timedelta(days=i) for i in range((today - month_start).days)]

    remaining_minor = max(0, _minor(budget - spent, unit, ROUND_FLOOR))
    month_weight = sum((weights[d.weekday()] for d in past + days), Decimal(0))
    past_weight = sum((weights[d.weekday()] for d in past), Decimal(0))
    planned = budget * past_weight / month_weight if month_weight else Decimal(0)
    planned_minor = _minor(planned, unit, ROUND_FLOOR)

    multiples = _worst_case_multiples(days, month_end, overspend)
    if guarantee:
        # B_d = k * w_d with sum(m_d * B_d) <= remaining: floor each day so the bound holds exactly.
        scale = sum((multiples[d] * weights[d.weekday()] for d in days), Decimal(0))
        if scale == 0 and remaining_minor > 0:
            raise InputError("weekday_weights: every remaining day of the month weighs 0")
        amounts = [
            int(remaining_minor * weights[d.weekday()] / scale) if remaining_minor else 0
            for d in days
        ]
    else:
        amounts = _split(remaining_minor, [weights[d.weekday()] for d in days])
    worst_minor = _minor(
        sum((multiples[d] * a for d, a in zip(days, amounts, strict=True)), Decimal(0)),
        1,
        ROUND_CEILING,
    )

    def money(minor: int) -> Decimal:
        return Decimal(minor).scaleb(-2 if unit == 100 else 0)

    warnings = _warnings(
        budget,
        spent,
        money(planned_minor),
        money(remaining_minor),
        money(worst_minor),
        len(days),
        currency,
        overspend,
    )
    return PacingPlan(
        currency=currency,
        today=today,
        month_start=month_start,
        month_end=month_end,
        monthly_budget=budget,
        spent_to_date=spent,
        planned_to_date=money(planned_minor),
        remaining=money(remaining_minor),
        schedule=tuple((d, money(a)) for d, a in zip(days, amounts, strict=True)),
        worst_case_spend=money(worst_minor),
        warnings=warnings,
    )


def pace_policy(
    policy: BudgetPolicy,
    spent_to_date: Decimal,
    today: date,
    *,
    weekday_weights: Mapping[int, float | Decimal] | Sequence[float | Decimal] | None = None,
    guarantee: bool = False,
) -> PacingPlan:
    """Pace a policy's ``monthly_budget`` in its currency; a policy without one is a PolicyError."""
    if policy.monthly_budget is None:
        raise PolicyError("monthly_budget: the policy sets none, so there is nothing to pace")
    return pace_month(
        policy.monthly_budget,
        spent_to_date,
        today,
        currency=policy.currency,
        weekday_weights=weekday_weights,
        guarantee=guarantee,
    )


def _non_negative(value: object, name: str) -> Decimal:
    number = parse_decimal(value, name)
    if number < 0:
        raise InputError(f"{name}: must not be negative, got {value}")
    return number


def _minor(amount: Decimal, unit: int, rounding: str) -> int:
    return int((amount * unit).to_integral_value(rounding=rounding))


def _weights(
    weekday_weights: Mapping[int, float | Decimal] | Sequence[float | Decimal] | None,
) -> dict[int, Decimal]:
    """Seven non-negative weekday weights (Monday is 0); missing days of a mapping weigh 1."""
    if weekday_weights is None:
        return dict.fromkeys(range(7), Decimal(1))
    if isinstance(weekday_weights, Mapping):
        unknown = [key for key in weekday_weights if key not in range(7)]
        if unknown:
            raise InputError(
                f"weekday_weights: keys must be weekdays 0 (Monday) to 6, got {unknown}"
            )
        raw = {day: weekday_weights.get(day, Decimal(1)) for day in range(7)}
    else:
        if len(weekday_weights) != 7:
            raise InputError(
                f"weekday_weights: expected 7 values, Monday first, got {len(weekday_weights)}"
            )
        raw = dict(enumerate(weekday_weights))
    return {day: _non_negative(value, f"weekday_weights[{day}]") for day, value in raw.items()}


def _split(total: int, weights: Sequence[Decimal]) -> list[int]:
    """``total`` minor units in proportion to ``weights``, exact: largest remainder, earlier days first."""
    if total == 0:
        return [0] * len(weights)
    weight = sum(weights, Decimal(0))
    if weight == 0:
        raise InputError("weekday_weights: every remaining day of the month weighs 0")
    exact = [total * w / weight for w in weights]
    parts = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _worst_case_multiples(
    days: Sequence[date], month_end: date, overspend: Decimal
) -> dict[date, Decimal]:
    """Per day, the most Meta may spend per unit of budget: 1 inside a calendar week that lies wholly in
    the remaining days (the weekly cap is the week's budgets), ``overspend`` elsewhere (only the daily cap
    is sure, as the rest of that week is outside what is being paced)."""
    multiples: dict[date, Decimal] = {}
    first = days[0]
    for day in days:
        sunday = day - timedelta(days=(day.weekday() - _SUNDAY) % 7)
        saturday = sunday + timedelta(days=META_WEEKLY_MULTIPLE - 1)
        whole = sunday >= first and saturday <= month_end
        multiples[day] = Decimal(1) if whole else overspend
    return multiples


def _warnings(
    budget: Decimal,
    spent: Decimal,
    planned: Decimal,
    remaining: Decimal,
    worst: Decimal,
    days_left: int,
    currency: str,
    overspend: Decimal,
) -> tuple[str, ...]:
    notes = []
    if spent >= budget and budget > 0:
        notes.append(
            f"the monthly budget is spent: {spent} of {budget} {currency}; the daily total is 0 until "
            "the month ends, so lower or pause the budgets in force"
        )
    elif spent > planned:
        over = spent - planned
        share = f" ({over / planned:.0%})" if planned > 0 else ""
        notes.append(
            f"month-to-date spend {spent} {currency} is over the plan {planned} {currency} by {over}"
            f"{share}; the {days_left} remaining days get less"
        )
    if worst > remaining:
        notes.append(
            f"Meta may spend up to {worst} {currency} over the remaining {days_left} days "
            f"(up to {overspend:%} a day outside whole calendar weeks), {worst - remaining} {currency} more "
            "than the month has left; pace with guarantee=True to cap the worst case"
        )
    return tuple(notes)
