"""The elasticity of delivery: how impressions scale with spend, measured day over day within each ad set.

Diminishing returns come mostly from the auction: the more an ad set spends in a day, the more each
thousand impressions costs, so impressions grow like spend^b with b < 1, and conversions follow the
impressions. Conversions alone identify b poorly: they are few and noisy, and the budget moves that would
reveal the curve are themselves reactions to drifting performance, so a regression over time mixes the two
(in the closed loop this fitted b above 1 for ad sets whose budgets were raised while they did well).
Impressions are counted in thousands and barely drift, and the day-to-day jitter of delivered spend around
the budget is independent of that drift: regressing the day-over-day change of log impressions on the
change of log spend (weekday steps removed, account-wide) measures b tightly. The response model uses the
result as each ad set's prior for the elasticity of conversions, widened by how far conversion rates may
themselves move with spend (``ModelConfig.conversion_elasticity_sd``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["DeliveryElasticity", "delivery_elasticity"]

_MIN_PAIRS = 10  # consecutive-day pairs needed before an ad set's own slope is used
_MIN_SPREAD = 0.02  # sum of squared log-spend changes below this: spend never moved, no slope


@dataclass(frozen=True)
class DeliveryElasticity:
    """Per ad set (in the order asked): slope of log impressions on log spend, its variance (inf: unknown)."""

    mean: np.ndarray
    var: np.ndarray
    residual_sd: float


def delivery_elasticity(
    frame: pd.DataFrame, ids: list[str], *, iterations: int = 4
) -> DeliveryElasticity:
    """Day-over-day elasticity of impressions in spend for each of ``ids`` (validated history frame).

    Model: d log I = b_g d log s + (weekday step) + e, over consecutive days with spend and impressions.
    The weekday steps are shared by the account; b_g and the steps are solved by alternating least squares
    (a few passes, each a ``bincount``), so thousands of ad sets cost milliseconds. The variance of each
    b_g is the pooled residual variance over that ad set's sum of squared spend changes.
    """
    n = len(ids)
    unknown = DeliveryElasticity(np.full(n, np.nan), np.full(n, np.inf), float("nan"))
    rows = frame[(frame["spend"] > 0) & (frame["impressions"] > 0)]
    if rows.empty or n == 0:
        return unknown
    index = {a: i for i, a in enumerate(ids)}
    rows = rows[rows["adset_id"].isin(index)].sort_values(["adset_id", "date"], kind="stable")
    group = rows["adset_id"].map(index).to_numpy(dtype=int)
    day = (rows["date"].to_numpy(dtype="datetime64[D]")).astype(np.int64)
    log_s = np.log(rows["spend"].to_numpy(dtype=float))
    log_i = np.log(rows["impressions"].to_numpy(dtype=float))
    pair = (group[1:] == group[:-1]) & (day[1:] - day[:-1] == 1)
    if not pair.any():
        return unknown
    g = group[1:][pair]
    ds = (log_s[1:] - log_s[:-1])[pair]
    di = (log_i[1:] - log_i[:-1])[pair]
    dow = ((day[1:][pair] + 3) % 7).astype(int)  # 1970-01-01 was a Thursday: 0 = Monday
    steps = np.zeros(7)  # weekday step into each weekday from the day before
    sxx = np.bincount(g, weights=ds * ds, minlength=n)
    pairs = np.bincount(g, minlength=n)
    ok = (pairs >= _MIN_PAIRS) & (sxx >= _MIN_SPREAD)
    slope = np.zeros(n)
    for _ in range(iterations):
        target = di - steps[dow]
        sxy = np.bincount(g, weights=ds * target, minlength=n)
        slope = np.where(ok, sxy / np.where(ok, sxx, 1.0), 0.0)
        rest = di - slope[g] * ds
        sums = np.bincount(dow, weights=rest, minlength=7)
        counts = np.bincount(dow, minlength=7)
        steps = np.where(counts > 0, sums / np.maximum(counts, 1), 0.0)
        steps -= steps.mean()  # the steps of a full week sum to zero
    used = ok[g]
    resid = (di - slope[g] * ds - steps[dow])[used]
    dof = max(int(used.sum()) - int(ok.sum()) - 6, 1)
    s2 = float(resid @ resid) / dof if used.any() else float("nan")
    var = np.where(ok, s2 / np.where(ok, sxx, 1.0), np.inf)
    mean = np.where(ok, slope, np.nan)
    return DeliveryElasticity(mean, var, float(np.sqrt(s2)) if np.isfinite(s2) else float("nan"))
