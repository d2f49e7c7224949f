"""The daily history frame: checked once, normalised to one row per (date, ad set).

Every model and the allocator read history through :func:`validate_history`, so a bad row is reported once,
naming the column and the row, before any arithmetic runs. Ad-level rows (several ads per ad set and day)
are summed to the ad set; the budget in force that day is the largest one reported.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from optimizer.errors import InputError

__all__ = ["ADDITIVE", "OPTIONAL_AMOUNTS", "REQUIRED", "validate_history"]

REQUIRED: Final = (
    "date",
    "adset_id",
    "campaign_id",
    "spend",
    "impressions",
    "clicks",
    "conversions",
    "revenue",
)
#: Columns summed when several rows describe the same ad set and day (ad-level rows).
ADDITIVE: Final = ("spend", "impressions", "clicks", "conversions", "revenue")
#: Optional amounts in force that day (major units, like ``spend``); a missing value means "not set".
OPTIONAL_AMOUNTS: Final = ("daily_budget", "bid_amount", "campaign_budget")

_COLUMNS: Final = (*REQUIRED, *OPTIONAL_AMOUNTS, "bid_strategy")


def _row_label(frame: pd.DataFrame, position: int) -> str:
    row = frame.iloc[position]
    parts = [f"history row {position}"]
    if "adset_id" in frame.columns and not pd.isna(row["adset_id"]):
        parts.append(f"(adset {row['adset_id']}")
        if "date" in frame.columns and not pd.isna(row["date"]):
            parts[-1] += f", {row['date']}"
        parts[-1] += ")"
    return " ".join(parts)


def _to_float(value: object) -> float:
    if value is None or isinstance(value, bool):
        return np.nan if value is None else float("nan")
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return np.nan


def _numbers(frame: pd.DataFrame, column: str, *, required: bool) -> np.ndarray:
    """A column as float64, rejecting text, infinities, negatives and (if required) missing values."""
    raw = frame[column]
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        array = raw.to_numpy(dtype=float, na_value=np.nan)
    else:
        array = np.fromiter((_to_float(v) for v in raw), dtype=float, count=len(raw))
    missing_raw = raw.isna().to_numpy()
    bad_text = np.isnan(array) & ~missing_raw
    if bad_text.any():
        pos = int(np.flatnonzero(bad_text)[0])
        raise InputError(f"{_row_label(frame, pos)}: {column} is not a number ({raw.iloc[pos]!r})")
    if required and missing_raw.any():
        pos = int(np.flatnonzero(missing_raw)[0])
        raise InputError(f"{_row_label(frame, pos)}: {column} is missing")
    infinite = np.isinf(array)
    if infinite.any():
        pos = int(np.flatnonzero(infinite)[0])
        raise InputError(f"{_row_label(frame, pos)}: {column} is not finite ({raw.iloc[pos]!r})")
    negative = array < 0
    if negative.any():
        pos = int(np.flatnonzero(negative)[0])
        raise InputError(f"{_row_label(frame, pos)}: {column} is negative ({raw.iloc[pos]!r})")
    return array


def _ids(frame: pd.DataFrame, column: str, *, required: bool) -> pd.Series:
    raw = frame[column]
    missing = raw.isna().to_numpy() | (raw.astype(str).str.strip() == "").to_numpy()
    if required and missing.any():
        pos = int(np.flatnonzero(missing)[0])
        raise InputError(f"{_row_label(frame, pos)}: {column} is missing")
    text = raw.astype(str).str.strip()
    return text.where(~missing, None)


def _empty() -> pd.DataFrame:
    frame = pd.DataFrame({column: pd.Series(dtype=float) for column in _COLUMNS})
    frame["date"] = pd.Series(dtype="datetime64[ns]")
    for column in ("adset_id", "campaign_id", "bid_strategy"):
        frame[column] = pd.Series(dtype=object)
    return frame


def validate_history(history: pd.DataFrame) -> pd.DataFrame:
    """Check a daily history frame and return it as one row per (date, ad set), sorted.

    Raises :class:`~optimizer.errors.InputError` naming the column and row for a missing required column,
    a missing, non-numeric, infinite or negative value, or an unparseable date. An empty frame (even one
    without columns) is valid history: nothing is known yet.
    """
    if not isinstance(history, pd.DataFrame):
        raise InputError(f"history: expected a pandas DataFrame, got {type(history).__name__}")
    if len(history) == 0:
        return _empty()
    absent = [column for column in REQUIRED if column not in history.columns]
    if absent:
        raise InputError(f"history: missing column(s) {', '.join(absent)}")
    frame = history.reset_index(drop=True)
    dates = pd.to_datetime(frame["date"], errors="coerce")
    bad_date = dates.isna().to_numpy()
    if bad_date.any():
        pos = int(np.flatnonzero(bad_date)[0])
        raise InputError(
            f"history row {pos}: date is missing or not a date ({frame['date'].iloc[pos]!r})"
        )
    out = pd.DataFrame({"date": dates.dt.tz_localize(None) if dates.dt.tz else dates})
    out["date"] = out["date"].dt.normalize()
    out["adset_id"] = _ids(frame, "adset_id", required=True)
    out["campaign_id"] = _ids(frame, "campaign_id", required=False)
    for column in ADDITIVE:
        out[column] = _numbers(frame, column, required=True)
    for column in OPTIONAL_AMOUNTS:
        out[column] = _numbers(frame, column, required=False) if column in frame.columns else np.nan
    out["bid_strategy"] = (
        _ids(frame, "bid_strategy", required=False) if "bid_strategy" in frame.columns else None
    )
    duplicated = out.duplicated(["date", "adset_id"], keep=False)
    if duplicated.any():
        agg: dict[str, str] = dict.fromkeys(ADDITIVE, "sum")
        agg.update(dict.fromkeys(OPTIONAL_AMOUNTS, "max"))
        agg.update(campaign_id="first", bid_strategy="first")
        out = out.groupby(["date", "adset_id"], as_index=False, sort=False).agg(agg)
    return out.sort_values(["adset_id", "date"], kind="stable").reset_index(drop=True)
