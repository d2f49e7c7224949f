"""Calibration against known truth: do 90% intervals cover the true expected conversions 90% of the time?

Pure: the truth comes in as a callable ``truth(adset_id, spend, day) -> expected conversions`` (the sandbox
market's ``truth.expected_purchases`` in tests and benchmarks), so this module imports no simulator. For each
ad set running in the last week, the interval of expected conversions at its current spend (mean daily spend
over the days it spent) on the ``as_of`` day is compared with the truth at that spend and day.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from optimizer.models.fitting import ModelConfig, default_as_of, fit
from optimizer.models.history import validate_history

__all__ = ["Calibration", "calibrate", "pooled_coverage"]

Truth = Callable[[str, float, date], float]


@dataclass(frozen=True)
class Calibration:
    """Coverage of the central ``level`` intervals, with one row per ad set checked."""

    level: float
    checked: int
    covered: int
    rows: pd.DataFrame  # adset_id, spend, truth, low, high, mean, covered

    @property
    def coverage(self) -> float:
        return self.covered / self.checked if self.checked else float("nan")

    @property
    def median_relative_error(self) -> float:
        """Median |posterior mean - truth| / truth: accuracy, beside coverage (honesty)."""
        if not self.checked:
            return float("nan")
        err = np.abs(self.rows["mean"] - self.rows["truth"]) / self.rows["truth"]
        return float(np.median(err))


def calibrate(
    history: pd.DataFrame,
    truth: Truth,
    *,
    as_of: date | None = None,
    level: float = 0.9,
    config: ModelConfig | None = None,
) -> Calibration:
    """Fit ``history`` and check each running ad set's interval at its current spend against ``truth``."""
    frame = validate_history(history)
    if as_of is None:
        as_of = default_as_of(frame) or date.today()
    frame = frame[frame["date"] < pd.Timestamp(as_of)]
    posteriors = fit(frame, config=config, as_of=as_of)
    recent = frame[
        (frame["date"] >= pd.Timestamp(as_of - timedelta(days=7))) & (frame["spend"] > 0)
    ]
    spend = recent.groupby("adset_id")["spend"].mean()
    rows = []
    for adset_id, current in spend.items():
        result = posteriors.get(str(adset_id))
        if result is None:
            continue
        true_value = float(truth(str(adset_id), float(current), as_of))
        if true_value <= 0:
            continue
        low, high = result.conversions_interval(float(current), level, weekday=as_of.weekday())
        mean = result.expected_conversions(float(current), weekday=as_of.weekday())
        rows.append(
            {
                "adset_id": str(adset_id),
                "spend": float(current),
                "truth": true_value,
                "low": float(low),
                "high": float(high),
                "mean": float(mean),
                "covered": bool(low <= true_value <= high),
            }
        )
    table = pd.DataFrame(
        rows, columns=["adset_id", "spend", "truth", "low", "high", "mean", "covered"]
    )
    return Calibration(level, len(table), int(table["covered"].sum()), table)


def pooled_coverage(results: Iterable[Calibration]) -> float:
    """Coverage over several calibrations (seeds, days) pooled by ad set."""
    items = list(results)
    checked = sum(r.checked for r in items)
    return sum(r.covered for r in items) / checked if checked else float("nan")
