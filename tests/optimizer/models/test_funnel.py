"""The funnel offset: a change in clicks per spend dates each past day's conversions against its own funnel."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from optimizer.models import ModelConfig, fit
from optimizer.models.funnel import funnel_offset


def _frame(productivity: list[float], spend: float = 50.0, b: float = 0.7) -> pd.DataFrame:
    start = date(2026, 1, 5)
    return pd.DataFrame(
        {
            "date": pd.to_datetime([start + timedelta(days=d) for d in range(len(productivity))]),
            "adset_id": "a",
            "spend": spend,
            "clicks": [p * spend**b for p in productivity],
        }
    )


def test_a_halving_of_clicks_per_spend_dates_the_earlier_days_as_twice_as_productive() -> None:
    frame = _frame([40.0] * 30 + [20.0] * 30)
    offset = funnel_offset(frame, ["a"], np.array([0.7]), pd.Timestamp("2026-03-06"))
    assert offset[:25] == pytest.approx(np.log(2.0), abs=0.03)  # far from the step: the full ratio
    assert offset[-25:] == pytest.approx(0.0, abs=0.03)  # the recent level is "now"
    assert 0.0 < offset[29] < np.log(2.0)  # days next to the step see part of it (a week's window)


def test_steady_productivity_at_moving_spend_gives_no_offset() -> None:
    rng = np.random.default_rng(3)
    spend = 50.0 * np.exp(rng.normal(0, 0.3, 60))
    frame = _frame([40.0] * 60).assign(spend=spend, clicks=40.0 * spend**0.7)
    offset = funnel_offset(frame, ["a"], np.array([0.7]), pd.Timestamp("2026-03-06"))
    assert np.abs(offset).max() < 0.02


def test_rows_without_clicks_or_unknown_ad_sets_get_no_offset() -> None:
    frame = _frame([40.0] * 20).assign(clicks=0.0)
    assert not funnel_offset(frame, ["a"], np.array([0.7]), pd.Timestamp("2026-01-25")).any()
    assert not funnel_offset(
        _frame([40.0] * 20), ["b"], np.array([0.7]), pd.Timestamp("2026-01-25")
    ).any()


def test_creative_fatigue_seen_in_clicks_is_in_tomorrows_level() -> None:
    """Clicks per spend decay 1.5% a day (a creative wearing out) and conversions follow them: the funnel
    reads the decline in days; without it a long-memory fit over-predicts tomorrow."""
    rng = np.random.default_rng(5)
    start, days = date(2026, 1, 5), 90
    rows = []
    truth = {}
    for i in range(20):
        ref, b, rate = 100.0 * np.exp(rng.normal(0, 0.3)), 0.7, 0.05 * np.exp(rng.normal(0, 0.2))
        for d in range(days):
            spend = ref * np.exp(rng.normal(0, 0.2))
            fade = np.exp(-0.015 * d)
            clicks = rng.poisson(2.0 * ref * (spend / ref) ** b * fade)
            conversions = rng.poisson(rate * ref * (spend / ref) ** b * fade)
            rows.append({"date": start + timedelta(days=d), "adset_id": f"a{i:02d}", "campaign_id": "c",
                         "spend": spend, "impressions": 100.0 * ref * (spend / ref) ** b,
                         "clicks": clicks, "conversions": conversions, "revenue": 40.0 * conversions})  # fmt: skip
        truth[f"a{i:02d}"] = (ref, rate * ref * np.exp(-0.015 * days))

    def mean_log_error(config: ModelConfig) -> float:
        results = fit(pd.DataFrame(rows), config=config)
        return float(np.mean([np.log(float(results[a].expected_conversions(ref)) / level)
                              for a, (ref, level) in truth.items()]))  # fmt: skip

    alone = {"weekday_effects": False, "bias_correction": False}  # the funnel on its own
    with_funnel = mean_log_error(ModelConfig(**alone))  # type: ignore[arg-type]
    without = mean_log_error(ModelConfig(**alone, funnel=False))  # type: ignore[arg-type]
    assert without > 0.25  # a 60-day memory over a 1.5%/day decline: tomorrow over-predicted
    lag = abs(with_funnel)  # "now" is the last week: half a week's lag remains
    assert lag < 0.15 < without / 4
    assert (
        abs(mean_log_error(ModelConfig(weekday_effects=False))) < 0.15
    )  # with the held-out bias too
