"""The top of the funnel as a clock for the level: clicks per unit of spend move before conversions show it.

An ad set's conversions are its clicks times its conversion rate per click. Clicks are counted in the tens or
hundreds a day and arrive without attribution delay, so they show creative fatigue, CTR drift and CPM drift
within days; conversions, a few a day, show the same change only after weeks. The response model therefore
reads each past day's conversions against the funnel of *that* day: the offset ``log P(t) - log P(now)``,
where ``P`` is clicks per unit of ``spend ** b`` (spend-adjusted click productivity) smoothed over a week. The
fitted level is then the level at today's funnel, and only the slow per-click conversion rate is left for
the sparse conversions to carry.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["funnel_offset"]

_HALF_WINDOW = 3  # days either side of a day (a week, centred: weekday swings average out)
_PRIOR_CLICKS = 20.0  # pseudo-clicks at the ad set's overall productivity (shrinks thin windows)
_CLIP = 1.5  # the offset's bound in log units (a glitch in clicks cannot dominate the fit)


def funnel_offset(
    frame: pd.DataFrame, ids: list[str], elasticity: np.ndarray, as_of: pd.Timestamp
) -> np.ndarray:
    """Per row of ``frame`` (validated history): log click productivity that day minus its recent level.

    ``elasticity`` (one per id) is how clicks scale with spend (the delivery elasticity). Rows of ad sets
    without clicks, or without spend, get 0: no information, no adjustment.
    """
    out = np.zeros(len(frame))
    if frame.empty or not ids:
        return out
    index = {a: i for i, a in enumerate(ids)}
    group = frame["adset_id"].map(index).to_numpy()
    known = ~pd.isna(group)
    group = np.where(known, group, 0).astype(int)
    first = frame["date"].min()
    day = (frame["date"] - first).dt.days.to_numpy(dtype=int)
    n_days = int(day.max()) + 1
    spend = frame["spend"].to_numpy(dtype=float)
    clicks = frame["clicks"].to_numpy(dtype=float)
    use = known & (spend > 0)
    if not use.any() or clicks[use].sum() <= 0:
        return out
    n = len(ids)
    weight = (
        np.where(use, spend, 1.0) ** elasticity[group]
    )  # spend^b: what the auction would deliver
    c_grid = np.zeros((n, n_days))
    s_grid = np.zeros((n, n_days))
    np.add.at(c_grid, (group[use], day[use]), clicks[use])
    np.add.at(s_grid, (group[use], day[use]), weight[use])
    overall = c_grid.sum(axis=1) / np.maximum(s_grid.sum(axis=1), 1e-12)
    # running sums along the days, so any window's total is one subtraction
    c_cum = np.concatenate([np.zeros((n, 1)), np.cumsum(c_grid, axis=1)], axis=1)
    s_cum = np.concatenate([np.zeros((n, 1)), np.cumsum(s_grid, axis=1)], axis=1)

    def productivity(rows: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        c = c_cum[rows, hi] - c_cum[rows, lo]
        s = s_cum[rows, hi] - s_cum[rows, lo]
        prior_s = _PRIOR_CLICKS / np.maximum(overall[rows], 1e-12)
        return np.asarray((c + _PRIOR_CLICKS) / (s + prior_s), dtype=float)

    rows = group[use]
    lo = np.clip(day[use] - _HALF_WINDOW, 0, n_days)
    hi = np.clip(day[use] + _HALF_WINDOW + 1, 0, n_days)
    then = productivity(rows, lo, hi)
    # "now": the last week before as_of that each ad set had (its latest days with spend)
    last = np.full(n, -1)
    np.maximum.at(last, group[use], day[use])
    end = np.minimum(last + 1, (as_of - first).days)
    all_rows = np.arange(n)
    now = productivity(
        all_rows, np.clip(end - 2 * _HALF_WINDOW - 1, 0, n_days), np.clip(end, 0, n_days)
    )
    active = overall > 0
    shift = np.where(active[rows], np.log(then) - np.log(now[rows]), 0.0)
    out[use] = np.clip(shift, -_CLIP, _CLIP)
    return out
