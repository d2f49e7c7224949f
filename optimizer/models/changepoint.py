"""Sudden changes in one ad set: found by a likelihood-ratio scan, then the days before them count less.

A long memory suits slow, mean-reverting drift but reads a sudden break (a broken landing page, an offer
withdrawn, a creative that stopped delivering) weeks late. For each ad set and each candidate start within
the last ``max_lag`` days, the conversions since then are compared with what the fitted curve expected of
them (attribution delay and weekdays included): the Poisson likelihood ratio of "the level moved by a
factor" against "it did not", divided by the overdispersion. Scanning many starts inflates the largest
ratio, so the threshold is far above a single test's (12: about 1 in 2,000 per test). An ad set whose
largest ratio passes it gets a change at the start with the largest ratio, and the fit down-weights the
days before.
"""

from __future__ import annotations

import numpy as np

__all__ = ["THRESHOLD", "find_changes"]

THRESHOLD = 12.0
_MIN_DAYS = 3  # a change needs this many days after it to be believed


def find_changes(
    group: np.ndarray,
    n_groups: int,
    observed: np.ndarray,
    expected: np.ndarray,
    lag: np.ndarray,
    *,
    dispersion: float,
    max_lag: int = 42,
    threshold: float = THRESHOLD,
) -> np.ndarray:
    """Per ad set, the lag (days before the last day) the change began, or -1 for none found."""
    best = np.full(n_groups, -1)
    best_ratio = np.full(n_groups, threshold)
    for k in range(_MIN_DAYS - 1, max_lag):
        since = lag <= k
        obs = np.bincount(group[since], weights=observed[since], minlength=n_groups)
        exp = np.bincount(group[since], weights=expected[since], minlength=n_groups)
        days = np.bincount(group[since], minlength=n_groups)
        ok = (exp > 0) & (days >= _MIN_DAYS)
        mean_day = np.where(days > 0, exp / np.maximum(days, 1), 0.0)
        inflation = 1.0 + (mean_day / dispersion if np.isfinite(dispersion) else 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            term = np.where(obs > 0, obs * np.log(obs / np.where(ok, exp, 1.0)), 0.0)
        ratio = np.where(ok, 2.0 * (term - (obs - exp)) / inflation, 0.0)
        better = ratio > best_ratio
        best = np.where(better, k, best)
        best_ratio = np.where(better, ratio, best_ratio)
    return best
