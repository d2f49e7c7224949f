"""Data shaping for the Overview page: totals, ratios, daily series and breakdowns (pure, no Streamlit).

Input is the store's ``insights_frame`` run through :func:`prepare` (money as integer micros). Totals are
exact Decimal so the numbers on screen are the store's to the cent; only chart series become floats. ROAS is
revenue / spend and CPA spend / conversions; either is None when its denominator is zero, because a ratio
over nothing is unknown, not zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

import pandas as pd

from optimizer.errors import InputError
from optimizer.money import from_micros, to_micros

__all__ = [
    "GROUPINGS",
    "METRICS",
    "Grouping",
    "Period",
    "Totals",
    "breakdown",
    "comparison_period",
    "daily_series",
    "default_period",
    "prepare",
    "relative_change",
    "totals",
    "window",
]

Grouping = Literal["account", "campaign", "adset"]
GROUPINGS: tuple[Grouping, ...] = ("account", "campaign", "adset")
#: Metrics the Overview can chart, in display order.
METRICS = ("spend", "conversions", "revenue", "roas", "cpa")


@dataclass(frozen=True)
class Period:
    """An inclusive range of days."""

    since: date
    until: date

    def __post_init__(self) -> None:
        if self.since > self.until:
            raise InputError(f"period: since ({self.since}) is after until ({self.until})")

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1


@dataclass(frozen=True)
class Totals:
    """Sums over a period and the ratios derived from them (None when the denominator is zero)."""

    spend: Decimal
    conversions: int
    revenue: Decimal

    @property
    def roas(self) -> Decimal | None:
        return self.revenue / self.spend if self.spend else None

    @property
    def cpa(self) -> Decimal | None:
        return self.spend / self.conversions if self.conversions else None

    def value(self, metric: str) -> Decimal | int | None:
        """One metric by name (see :data:`METRICS`)."""
        if metric not in METRICS:
            raise InputError(f"metric: expected one of {', '.join(METRICS)}, got {metric!r}")
        result: Decimal | int | None = getattr(self, metric)
        return result


def default_period(first: date, last: date, days: int = 28) -> Period:
    """The last ``days`` days with data (fewer when the data is shorter)."""
    return Period(max(first, last - timedelta(days=days - 1)), last)


def comparison_period(period: Period) -> Period:
    """The period of equal length just before ``period`` (the usual "vs previous period")."""
    until = period.since - timedelta(days=1)
    return Period(until - timedelta(days=period.days - 1), until)


def window(frame: pd.DataFrame, period: Period) -> pd.DataFrame:
    """The rows of ``frame`` whose ``date`` falls in ``period``."""
    days = frame["date"]
    return frame[(days >= pd.Timestamp(period.since)) & (days <= pd.Timestamp(period.until))]


def _micros(value: object) -> int:
    """Stored money (Decimal) as micros; unknown money (None) counts as zero in sums."""
    return to_micros(value) if isinstance(value, Decimal) else 0


def prepare(insights: pd.DataFrame) -> pd.DataFrame:
    """The insights frame reduced to what the Overview sums, money as exact integer micros.

    Summing integers is exact and fast (1,000 ad sets x 90 days in milliseconds); Decimal comes back
    only for the totals shown. Unknown revenue or conversions count as zero in sums.
    """
    out = pd.DataFrame(
        {
            "date": insights["date"],
            "campaign_id": insights["campaign_id"],
            "adset_id": insights["adset_id"],
            "spend": insights["spend"].map(_micros).astype("int64"),
            "conversions": insights["conversions"].fillna(0).astype("int64"),
            "revenue": insights["revenue"].map(_micros).astype("int64"),
        }
    )
    return out.reset_index(drop=True)


def totals(frame: pd.DataFrame) -> Totals:
    """Spend, conversions and revenue summed exactly over the rows of a :func:`prepare`d frame."""
    return Totals(
        spend=from_micros(int(frame["spend"].sum())),
        conversions=int(frame["conversions"].sum()),
        revenue=from_micros(int(frame["revenue"].sum())),
    )


def relative_change(current: Decimal | int | None, previous: Decimal | int | None) -> float | None:
    """(current - previous) / previous, or None when either side is unknown or previous is zero."""
    if current is None or previous is None or previous == 0:
        return None
    return float((Decimal(current) - Decimal(previous)) / Decimal(previous))


def _key(grouping: Grouping) -> str | None:
    if grouping not in GROUPINGS:
        raise InputError(f"grouping: expected one of {', '.join(GROUPINGS)}, got {grouping!r}")
    return None if grouping == "account" else f"{grouping}_id"


def _grouped(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Exact sums of spend, conversions and revenue per key (money back to Decimal, conversions int)."""
    work = frame[[*keys, "spend", "conversions", "revenue"]]
    out = work.groupby(keys, sort=True, dropna=False).sum().reset_index()
    for column in ("spend", "revenue"):
        out[column] = pd.Series(
            [from_micros(int(v)) for v in out[column]], index=out.index, dtype=object
        )
    out["conversions"] = out["conversions"].astype("int64")
    return out


def _with_ratios(frame: pd.DataFrame) -> pd.DataFrame:
    frame["roas"] = [
        r / s if s else None for r, s in zip(frame["revenue"], frame["spend"], strict=True)
    ]
    frame["cpa"] = [
        s / c if c else None for s, c in zip(frame["spend"], frame["conversions"], strict=True)
    ]
    return frame


def daily_series(
    frame: pd.DataFrame, grouping: Grouping = "account", names: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """One row per day (and campaign or ad set): exact totals and ratios, with a display ``name``."""
    key = _key(grouping)
    keys = ["date"] if key is None else ["date", key]
    columns = [*keys, "name", *METRICS]
    if len(frame) == 0:
        return pd.DataFrame(columns=columns)
    out = _with_ratios(_grouped(frame, keys))
    if key is None:
        out["name"] = "Account"
    else:
        out["name"] = out[key].map(lambda k: (names or {}).get(k, k))
    return out[columns]


def breakdown(
    frame: pd.DataFrame,
    grouping: Grouping,
    names: Mapping[str, str] | None = None,
    previous: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Totals per campaign or ad set over the period, biggest spend first, with the change in spend and
    ROAS against ``previous`` (the comparison period's rows) when given."""
    key = _key(grouping)
    if key is None:
        raise InputError("grouping: a breakdown is by 'campaign' or 'adset'")
    columns = [key, "name", *METRICS, "spend_change", "roas_change"]
    if len(frame) == 0:
        return pd.DataFrame(columns=columns)
    out = _with_ratios(_grouped(frame, [key]))
    out["name"] = out[key].map(lambda k: (names or {}).get(k, k))
    before: dict[str, Totals] = {}
    if previous is not None and len(previous):
        grouped = _grouped(previous, [key])
        before = {
            k: Totals(spend, int(conversions), revenue)
            for k, spend, conversions, revenue in zip(
                grouped[key],
                grouped["spend"],
                grouped["conversions"],
                grouped["revenue"],
                strict=True,
            )
        }
    changes = []
    for k, spend, conversions, revenue in zip(
        out[key], out["spend"], out["conversions"], out["revenue"], strict=True
    ):
        now = Totals(spend, int(conversions), revenue)
        then = before.get(k)
        changes.append(
            (
                relative_change(now.spend, then.spend) if then else None,
                relative_change(now.roas, then.roas) if then else None,
            )
        )
    # object columns: an unknown change stays None (pandas would make it NaN in a float column)
    out["spend_change"] = pd.Series([c[0] for c in changes], index=out.index, dtype=object)
    out["roas_change"] = pd.Series([c[1] for c in changes], index=out.index, dtype=object)
    spends, keys = out["spend"].tolist(), [str(k) for k in out[key]]
    order = sorted(range(len(out)), key=lambda i: (-spends[i], keys[i]))
    return out.iloc[order][columns].reset_index(drop=True)
