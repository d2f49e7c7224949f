"""Date presets relative to the market's today, and time increments."""

from __future__ import annotations

from datetime import date

import pytest

from optimizer.sandbox.graph.dates import PRESETS, buckets, preset_range
from optimizer.sandbox.graph.wire import GraphError

TODAY = date(2026, 2, 11)  # a Wednesday
FIRST = date(2025, 11, 1)


@pytest.mark.parametrize(
    ("preset", "since", "until"),
    [
        ("today", TODAY, TODAY),
        ("yesterday", date(2026, 2, 10), date(2026, 2, 10)),
        ("last_7d", date(2026, 2, 4), date(2026, 2, 10)),
        ("last_30d", date(2026, 1, 12), date(2026, 2, 10)),
        ("this_month", date(2026, 2, 1), TODAY),
        ("last_month", date(2026, 1, 1), date(2026, 1, 31)),
        ("this_quarter", date(2026, 1, 1), TODAY),
        ("last_quarter", date(2025, 10, 1), date(2025, 12, 31)),
        ("last_year", date(2025, 1, 1), date(2025, 12, 31)),
        ("this_week_mon_today", date(2026, 2, 9), TODAY),
        ("this_week_sun_today", date(2026, 2, 8), TODAY),
        ("last_week_mon_sun", date(2026, 2, 2), date(2026, 2, 8)),
        ("last_week_sun_sat", date(2026, 2, 1), date(2026, 2, 7)),
        ("maximum", FIRST, TODAY),
        ("data_maximum", FIRST, date(2026, 2, 10)),
    ],
)
def test_presets(preset: str, since: date, until: date) -> None:
    assert preset_range(preset, TODAY, FIRST) == (since, until)


def test_every_sdk_preset_resolves_and_unknown_is_100() -> None:
    for preset in PRESETS:
        since, until = preset_range(preset, TODAY, FIRST)
        assert since <= until
    with pytest.raises(GraphError) as caught:
        preset_range("last_5d", TODAY, FIRST)
    assert caught.value.code == 100 and "date_preset" in caught.value.message


def test_buckets() -> None:
    assert buckets(date(2026, 1, 30), date(2026, 3, 2), "monthly") == [
        (date(2026, 1, 30), date(2026, 1, 31)),
        (date(2026, 2, 1), date(2026, 2, 28)),
        (date(2026, 3, 1), date(2026, 3, 2)),
    ]
    assert buckets(date(2026, 1, 1), date(2026, 1, 5), 2)[-1] == (
        date(2026, 1, 5),
        date(2026, 1, 5),
    )
    assert buckets(date(2026, 1, 1), date(2026, 1, 5), "all_days") == [
        (date(2026, 1, 1), date(2026, 1, 5))
    ]
