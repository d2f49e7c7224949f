"""Overview numbers: exact sums, ratios with unknown denominators, periods, breakdowns."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from dashboard.data import (
    Period,
    Totals,
    breakdown,
    comparison_period,
    daily_series,
    default_period,
    prepare,
    relative_change,
    totals,
    window,
)
from optimizer.errors import InputError


def insights(rows: list[tuple[str, str, str, str, int | None, str | None]]) -> pd.DataFrame:
    """An insights frame as the store returns it (Decimal money, nullable counts)."""
    frame = pd.DataFrame(
        [
            {
                "date": pd.Timestamp(day),
                "campaign_id": campaign,
                "adset_id": adset,
                "spend": Decimal(spend),
                "conversions": conversions,
                "revenue": None if revenue is None else Decimal(revenue),
            }
            for day, campaign, adset, spend, conversions, revenue in rows
        ]
    )
    frame["conversions"] = frame["conversions"].astype("Int64")
    return frame


ROWS = [
    ("2026-03-01", "c1", "a1", "10.01", 1, "30.00"),
    ("2026-03-01", "c1", "a2", "0.02", None, None),
    ("2026-03-01", "c2", "a3", "5.10", 0, "0"),
    ("2026-03-02", "c1", "a1", "20.333333", 2, "45.50"),
    ("2026-03-02", "c2", "a3", "0.10", 3, "9.99"),
]


def test_totals_are_exact_decimal_sums_and_unknowns_count_as_zero() -> None:
    got = totals(prepare(insights(ROWS)))
    assert got == Totals(Decimal("35.563333"), 6, Decimal("85.49"))
    assert isinstance(got.spend, Decimal)
    assert got.roas == Decimal("85.49") / Decimal("35.563333")
    assert got.cpa == Decimal("35.563333") / 6
    assert got.value("conversions") == 6
    with pytest.raises(InputError, match="metric"):
        got.value("ctr")


def test_ratios_over_nothing_are_unknown_not_zero() -> None:
    empty = totals(prepare(insights(ROWS)).iloc[0:0])
    assert empty == Totals(Decimal(0), 0, Decimal(0))
    assert empty.roas is None and empty.cpa is None
    assert relative_change(Decimal(5), Decimal(0)) is None
    assert relative_change(None, Decimal(1)) is None
    assert relative_change(Decimal(3), Decimal(2)) == pytest.approx(0.5)


def test_periods() -> None:
    period = Period(date(2026, 3, 8), date(2026, 3, 14))
    assert period.days == 7
    assert comparison_period(period) == Period(date(2026, 3, 1), date(2026, 3, 7))
    assert default_period(date(2026, 1, 1), date(2026, 3, 31)) == Period(
        date(2026, 3, 4), date(2026, 3, 31)
    )
    assert default_period(date(2026, 3, 30), date(2026, 3, 31)).since == date(2026, 3, 30)
    with pytest.raises(InputError, match="period"):
        Period(date(2026, 3, 2), date(2026, 3, 1))
    frame = prepare(insights(ROWS))
    assert len(window(frame, Period(date(2026, 3, 2), date(2026, 3, 2)))) == 2


def test_daily_series_by_campaign() -> None:
    series = daily_series(prepare(insights(ROWS)), "campaign", {"c1": "Prospecting"})
    first = series[(series["date"] == pd.Timestamp("2026-03-01")) & (series["campaign_id"] == "c1")]
    assert first["name"].tolist() == ["Prospecting"]
    assert first["spend"].tolist() == [Decimal("10.03")]
    assert first["roas"].tolist() == [Decimal("30.00") / Decimal("10.03")]
    account = daily_series(prepare(insights(ROWS)), "account")
    assert account["spend"].tolist() == [Decimal("15.13"), Decimal("20.433333")]
    assert account["cpa"].tolist() == [Decimal("15.13"), Decimal("20.433333") / 5]
    with pytest.raises(InputError, match="grouping"):
        daily_series(prepare(insights(ROWS)), "ad")  # type: ignore[arg-type]


def test_breakdown_orders_by_spend_and_compares_with_the_previous_period() -> None:
    frame = prepare(insights(ROWS))
    now = window(frame, Period(date(2026, 3, 2), date(2026, 3, 2)))
    before = window(frame, Period(date(2026, 3, 1), date(2026, 3, 1)))
    table = breakdown(now, "adset", previous=before)
    assert table["adset_id"].tolist() == ["a1", "a3"]
    a1 = table.iloc[0]
    assert a1["spend"] == Decimal("20.333333")
    assert a1["spend_change"] == pytest.approx((20.333333 - 10.01) / 10.01)
    roas_now, roas_then = (
        Decimal("45.50") / Decimal("20.333333"),
        Decimal("30.00") / Decimal("10.01"),
    )
    assert a1["roas_change"] == pytest.approx(float((roas_now - roas_then) / roas_then))
    # a3 had no revenue before: its ROAS change is unknown, its spend change is not
    a3 = table.iloc[1]
    assert a3["roas_change"] is None and a3["spend_change"] == pytest.approx((0.10 - 5.10) / 5.10)
    assert breakdown(now.iloc[0:0], "campaign").empty
    with pytest.raises(InputError, match="breakdown"):
        breakdown(now, "account")
