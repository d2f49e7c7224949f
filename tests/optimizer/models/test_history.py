"""History validation: bad rows are named, ad-level rows are summed, empty history is valid."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from optimizer.errors import InputError
from optimizer.models import validate_history


def _frame(**overrides: object) -> pd.DataFrame:
    rows = [
        {"date": "2026-01-01", "adset_id": "1", "campaign_id": "c", "spend": Decimal("10.50"),
         "impressions": 1000, "clicks": 20, "conversions": 2, "revenue": Decimal("80")},
        {"date": "2026-01-02", "adset_id": "1", "campaign_id": "c", "spend": Decimal("11.00"),
         "impressions": 1100, "clicks": 22, "conversions": 1, "revenue": Decimal("40")},
    ]  # fmt: skip
    frame = pd.DataFrame(rows)
    for key, value in overrides.items():
        frame.loc[1, key] = value
    return frame


def test_valid_history_is_normalised() -> None:
    out = validate_history(_frame())
    assert list(out["spend"]) == [10.5, 11.0]
    assert out["date"].dtype.kind == "M"
    assert out["daily_budget"].isna().all()


@pytest.mark.parametrize(
    ("column", "value", "words"),
    [
        ("spend", -1, ["row 1", "spend", "negative"]),
        ("conversions", None, ["row 1", "conversions", "missing"]),
        ("revenue", "lots", ["row 1", "revenue", "not a number"]),
        ("clicks", float("inf"), ["row 1", "clicks", "not finite"]),
        ("date", "someday", ["row 1", "date"]),
        ("adset_id", None, ["row 1", "adset_id", "missing"]),
    ],
)
def test_bad_values_name_column_and_row(column: str, value: object, words: list[str]) -> None:
    frame = _frame()
    frame[column] = frame[column].astype(object)
    frame.loc[1, column] = value
    with pytest.raises(InputError) as error:
        validate_history(frame)
    for word in words:
        assert word in str(error.value)


def test_missing_column_is_named() -> None:
    with pytest.raises(InputError, match="revenue"):
        validate_history(_frame().drop(columns=["revenue"]))


def test_ad_level_rows_are_summed_per_adset_and_day() -> None:
    frame = pd.concat([_frame(), _frame()], ignore_index=True)
    frame["daily_budget"] = [20.0, 20.0, np.nan, 25.0]
    out = validate_history(frame)
    assert len(out) == 2
    assert list(out["conversions"]) == [4.0, 2.0]
    assert list(out["daily_budget"]) == [20.0, 25.0]


def test_empty_history_is_valid() -> None:
    assert len(validate_history(pd.DataFrame())) == 0
    assert len(validate_history(_frame().iloc[:0])) == 0


def test_not_a_frame_is_rejected() -> None:
    with pytest.raises(InputError, match="DataFrame"):
        validate_history([1, 2, 3])  # type: ignore[arg-type]
