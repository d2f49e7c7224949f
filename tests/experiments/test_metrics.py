"""Metric frames: proportion sums over impressions, ratio sums over arm-days, by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from experiments.metrics import METRICS, metric_def, metric_frame
from optimizer.errors import InputError

DAILY = pd.DataFrame(
    [
        ("a", date(2026, 1, 1), Decimal("10.00"), 1000, 20, 12, 2, Decimal("80.00")),
        ("a", date(2026, 1, 2), Decimal("12.50"), 1200, 30, 18, 1, Decimal("35.50")),
        ("b", date(2026, 1, 1), Decimal("11.00"), 900, 25, 15, 0, Decimal("0")),
    ],
    columns=[
        "arm",
        "date",
        "spend",
        "impressions",
        "clicks",
        "link_clicks",
        "purchases",
        "revenue",
    ],
)


def test_ctr_sums_clicks_over_impressions() -> None:
    frame = metric_frame(DAILY, METRICS["ctr"], ["a", "b", "c"])
    assert frame.to_dict("records") == [
        {"arm": "a", "units": 2200, "conversions": 50},
        {"arm": "b", "units": 900, "conversions": 25},
        {"arm": "c", "units": 0, "conversions": 0},  # no rows yet: zero units
    ]


def test_cost_per_purchase_sums_over_arm_days() -> None:
    metric = metric_def("cost_per_purchase")
    assert metric.inverse and metric.kind == "ratio"
    row = metric_frame(DAILY, metric, ["a"]).iloc[0]
    assert row["units"] == 2
    assert row["num_sum"] == pytest.approx(22.5)
    assert row["num_sum_squares"] == pytest.approx(10.0**2 + 12.5**2)
    assert row["den_sum"] == 3 and row["den_sum_squares"] == 5
    assert row["num_den_sum_products"] == pytest.approx(10.0 * 2 + 12.5 * 1)


def test_roas_is_revenue_over_spend() -> None:
    row = metric_frame(DAILY, metric_def("roas"), ["a"]).iloc[0]
    assert row["num_sum"] / row["den_sum"] == pytest.approx(115.5 / 22.5)


def test_unknown_metric_and_missing_columns_are_input_errors() -> None:
    with pytest.raises(InputError, match="metric"):
        metric_def("likes")
    with pytest.raises(InputError, match="guardrails"):
        metric_def("likes", "guardrails")
    with pytest.raises(InputError, match="missing column"):
        metric_frame(DAILY.drop(columns="revenue"), METRICS["roas"], ["a"])
