"""Date presets and time increments as the Insights API resolves them.

The market's ``today`` is the first day not yet simulated, so "today" has no delivery yet and "yesterday"
is ``today - 1``; every ``last_Nd`` preset ends yesterday, as Meta's do. Dates are the account's own
calendar days (the market simulates in the account's time zone).
"""

from __future__ import annotations

from datetime import date, timedelta

from optimizer.sandbox.graph.wire import invalid_parameter

PRESETS = (
    "today", "yesterday", "this_month", "last_month", "this_quarter", "maximum", "data_maximum",
    "last_3d", "last_7d", "last_14d", "last_28d", "last_30d", "last_90d", "last_week_mon_sun",
    "last_week_sun_sat", "last_quarter", "last_year", "this_week_mon_today", "this_week_sun_today",
    "this_year",
)  # fmt: skip


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _shift_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def preset_range(preset: str, today: date, first_day: date) -> tuple[date, date]:
    """``(since, until)`` of a ``date_preset``; ``first_day`` is the account's first day of data."""
    yesterday = today - timedelta(days=1)
    if preset == "today":
        return today, today
    if preset == "yesterday":
        return yesterday, yesterday
    if preset.startswith("last_") and preset.endswith("d") and preset[5:-1].isdigit():
        days = int(preset[5:-1])
        if preset in PRESETS:
            return today - timedelta(days=days), yesterday
    if preset == "this_month":
        return _month_start(today), today
    if preset == "last_month":
        start = _shift_months(today, -1)
        return start, _month_start(today) - timedelta(days=1)
    if preset == "this_quarter":
        return _quarter_start(today), today
    if preset == "last_quarter":
        start = _shift_months(_quarter_start(today), -3)
        return start, _quarter_start(today) - timedelta(days=1)
    if preset == "this_year":
        return date(today.year, 1, 1), today
    if preset == "last_year":
        return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    if preset in ("this_week_mon_today", "this_week_sun_today"):
        back = today.weekday() if preset.endswith("mon_today") else (today.weekday() + 1) % 7
        return today - timedelta(days=back), today
    if preset in ("last_week_mon_sun", "last_week_sun_sat"):
        back = today.weekday() if preset == "last_week_mon_sun" else (today.weekday() + 1) % 7
        this_week = today - timedelta(days=back)
        return this_week - timedelta(days=7), this_week - timedelta(days=1)
    if preset == "maximum":
        return min(first_day, today), today
    if preset == "data_maximum":
        return min(first_day, yesterday), yesterday
    raise invalid_parameter(f"Param date_preset must be one of {{{', '.join(PRESETS)}}}")


def buckets(since: date, until: date, increment: int | str) -> list[tuple[date, date]]:
    """The reporting periods of ``[since, until]`` for a ``time_increment`` (N days, monthly, all_days)."""
    if increment == "all_days":
        return [(since, until)]
    periods: list[tuple[date, date]] = []
    start = since
    while start <= until:
        if increment == "monthly":
            stop = min(_shift_months(start, 1) - timedelta(days=1), until)
        else:
            assert isinstance(increment, int)
            stop = min(start + timedelta(days=increment - 1), until)
        periods.append((start, stop))
        start = stop + timedelta(days=1)
    return periods
