"""Drift the response curve cannot see, measured by back-testing on the account's own recent weeks.

Performance wanders (auction drift, creative fatigue, learning-phase resets), so a curve fitted to the past
is wrong about tomorrow by more than its posterior says. Refitting on history that ends a week earlier and
predicting that held-out week measures how much more: the mean squared log error beyond posterior and
count noise. That variance is added to every ad set's level, which keeps 90% intervals honest and gives
Thompson exploration the right spread.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import numpy as np
import pandas as pd

from optimizer.models.posterior import FitResult, FitStatus

__all__ = ["Refit", "drift_variance"]

#: Fit the model on a frame as of a day (the hold-out's own fit).
Refit = Callable[[pd.DataFrame, date], dict[str, FitResult]]


def _holdout_errors(
    frame: pd.DataFrame, refit: Refit, end: date, days: int, phi: float
) -> list[tuple[float, float]]:
    """(log error, variance explained by posterior and count noise) per ad set of one held-out window."""
    cutoff = end - timedelta(days=days)
    past = frame[frame["date"] < pd.Timestamp(cutoff)]
    if past["date"].nunique() < 3 * days:
        return []
    fitted = refit(past, cutoff)
    held = frame[
        (frame["date"] >= pd.Timestamp(cutoff))
        & (frame["date"] < pd.Timestamp(end))
        & (frame["spend"] > 0)
    ]
    ids = [a for a, r in fitted.items() if r.status is FitStatus.FITTED]
    if not ids or held.empty:
        return []
    pos = {a: i for i, a in enumerate(ids)}
    held = held[held["adset_id"].isin(pos)]
    group = held["adset_id"].map(pos).to_numpy(dtype=int)
    res = [fitted[a] for a in ids]
    ref = np.asarray([r.reference_spend for r in res])
    mean = np.asarray([r.mean for r in res])
    cov = np.asarray([r.cov for r in res])
    weekday = np.asarray(res[0].weekday if res[0].weekday else [1.0] * 7)
    spend = held["spend"].to_numpy(dtype=float)
    x = np.log(spend / ref[group])
    var = cov[group, 0, 0] + 2 * cov[group, 0, 1] * x + cov[group, 1, 1] * x * x
    means = (
        np.exp(np.log(ref[group]) + mean[group, 0] + mean[group, 1] * x + var / 2.0)
        * weekday[held["date"].dt.day_of_week.to_numpy(dtype=int)]
    )
    n = len(ids)
    predicted = np.bincount(group, weights=means, minlength=n)
    observed = np.bincount(group, weights=held["conversions"].to_numpy(dtype=float), minlength=n)
    squares = np.bincount(group, weights=means**2, minlength=n)
    keep = predicted >= 10
    noise = 1.0 / np.where(keep, predicted, 1.0)
    if np.isfinite(phi):
        noise = noise + squares / (phi * np.where(keep, predicted, 1.0) ** 2)
    # posterior variance of the log level at each ad set's mean held-out spend
    count = np.maximum(np.bincount(group, minlength=n), 1)
    mean_spend = np.bincount(group, weights=spend, minlength=n) / count
    xm = np.log(
        np.where(mean_spend > 0, mean_spend, ref) / ref
    )  # ad sets without held rows: unused
    post_var = cov[:, 0, 0] + 2 * cov[:, 0, 1] * xm + cov[:, 1, 1] * xm * xm
    log_error = np.log((observed + 0.5) / (predicted + 0.5))
    return [
        (float(e), float(v)) for e, v in zip(log_error[keep], (noise + post_var)[keep], strict=True)
    ]


def drift_variance(
    frame: pd.DataFrame,
    refit: Refit,
    as_of: date,
    horizon: int,
    phi: float,
    windows: int,
    days: int = 7,
) -> tuple[float, float]:
    """Forecast bias and extra variance of the log level that the curve misses (drift, fatigue, learning resets).

    Refit on history ending ``days`` before the last mature day (and again for the
    ``windows - 1`` windows before it), predict each held-out window's conversions of every ad set
    expected to have at least 10, and compare: the mean squared log error beyond what posterior and count
    noise explain is the drift variance added to every posterior.
    """
    errors: list[tuple[float, float]] = []
    for k in range(windows):
        end = as_of - timedelta(days=horizon + k * days)
        errors += _holdout_errors(frame, refit, end, days, phi)
    if len(errors) < 3:
        return 0.0, 0.0
    log_error = np.asarray([e for e, _ in errors])
    explained = np.asarray([v for _, v in errors])
    # uncentred: a systematic miss (fatigue the curve lags behind) widens the intervals too
    return float(np.mean(log_error)), max(0.0, float(np.mean(log_error**2 - explained)))
