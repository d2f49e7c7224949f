"""Decision metrics of a creative/CTA experiment and how each becomes an ``analyze`` frame.

Why two shapes:

* CTR is a proportion over impressions (clicks of impressions): a Beta-Binomial posterior per arm is exact
  enough, and every impression is a unit.
* Purchase and revenue metrics are ratios of daily sums (purchases per link click, spend per purchase,
  revenue per impression or per dollar) with the arm-day as the unit (delta method, gbstats'
  ``RatioStatistic``). Purchases on Meta are overdispersed (a day's conversion rate moves with the
  auction), so a binomial over clicks would be overconfident; day-to-day variation measures the real noise.

Money arrives as :class:`~decimal.Decimal` major units and is turned into floats only here, for the
statistics (which are floating point by design; nothing is paid from these numbers).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

from experiments.stats.frame import Metric
from optimizer.errors import InputError

__all__ = ["DAILY_COLUMNS", "METRICS", "MetricDef", "MetricName", "metric_def", "metric_frame"]

MetricName = Literal[
    "ctr", "conversion_rate", "cost_per_purchase", "revenue_per_impression", "roas"
]

#: Columns of the per-arm daily frame every metric is computed from.
DAILY_COLUMNS = (
    "arm",
    "date",
    "spend",
    "impressions",
    "clicks",
    "link_clicks",
    "purchases",
    "revenue",
)


@dataclass(frozen=True)
class MetricDef:
    """One decision metric: how to compute it and how to say it to a client."""

    name: str
    label: str  # "CTR"
    per: str  # what one unit of the metric means, for the verdict ("clicks per impression")
    kind: Metric  # "proportion" or "ratio"
    numerator: str
    denominator: str
    inverse: bool = False  # lower is better (cost per purchase)
    money: bool = False  # the metric is an amount of money per something


METRICS: dict[str, MetricDef] = {
    "ctr": MetricDef("ctr", "CTR", "clicks per impression", "proportion", "clicks", "impressions"),
    "conversion_rate": MetricDef(
        "conversion_rate",
        "Conversion rate",
        "purchases per link click",
        "ratio",
        "purchases",
        "link_clicks",
    ),
    "cost_per_purchase": MetricDef(
        "cost_per_purchase",
        "Cost per purchase",
        "cost per purchase",
        "ratio",
        "spend",
        "purchases",
        inverse=True,
        money=True,
    ),
    "revenue_per_impression": MetricDef(
        "revenue_per_impression",
        "Revenue per impression",
        "revenue per impression",
        "ratio",
        "revenue",
        "impressions",
        money=True,
    ),
    "roas": MetricDef("roas", "ROAS", "revenue per dollar spent", "ratio", "revenue", "spend"),
}


def metric_def(name: str, field: str = "metric") -> MetricDef:
    """The definition of metric ``name``; InputError naming ``field`` if unknown."""
    try:
        return METRICS[name]
    except KeyError:
        raise InputError(
            f"{field}: unknown metric {name!r}, choose one of {sorted(METRICS)}"
        ) from None


def metric_frame(daily: pd.DataFrame, metric: MetricDef, arms: list[str]) -> pd.DataFrame:
    """Per-arm sufficient statistics of ``metric`` from per-arm daily rows, in ``arms`` order.

    Arms without rows get zero units (``analyze`` then refuses them by name: no traffic yet).
    """
    missing = [c for c in DAILY_COLUMNS if c not in daily.columns]
    if missing:
        raise InputError(f"daily results are missing column(s) {missing}")
    rows = daily[daily["arm"].isin(arms)]
    out: list[dict[str, object]] = []
    for arm in arms:
        days = rows[rows["arm"] == arm]
        num = days[metric.numerator].astype(float)
        den = days[metric.denominator].astype(float)
        if metric.kind == "proportion":
            out.append({"arm": arm, "units": int(den.sum()), "conversions": int(num.sum())})
        else:
            out.append(
                {
                    "arm": arm,
                    "units": len(days),
                    "num_sum": float(num.sum()),
                    "num_sum_squares": float((num * num).sum()),
                    "den_sum": float(den.sum()),
                    "den_sum_squares": float((den * den).sum()),
                    "num_den_sum_products": float((num * den).sum()),
                }
            )
    return pd.DataFrame(out)
