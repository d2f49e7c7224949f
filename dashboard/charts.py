"""Altair charts for the pages: frames in, chart specs out (no Streamlit, so tests can read the spec)."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from dashboard.curves import SpendMark

__all__ = ["curve_chart", "metric_chart", "posterior_chart"]

TITLES = {
    "spend": "Spend",
    "conversions": "Conversions",
    "revenue": "Revenue",
    "roas": "ROAS",
    "cpa": "CPA",
}


def _floats(values: pd.Series) -> list[float | None]:
    """Chart positions only: exact values stay in the tables."""
    return [None if v is None or pd.isna(v) else float(v) for v in values]


def metric_chart(
    series: pd.DataFrame, metric: str, previous: pd.DataFrame | None = None
) -> alt.Chart:
    """One line per name over the days; the comparison period, shifted onto the same days, dashed."""
    frame = pd.DataFrame(
        {
            "date": pd.to_datetime(series["date"]),
            "name": series["name"],
            "value": _floats(series[metric]),
            "period": "selected",
        }
    )
    if previous is not None and len(previous) and len(series):
        shift = pd.to_datetime(series["date"]).min() - pd.to_datetime(previous["date"]).min()
        before = pd.DataFrame(
            {
                "date": pd.to_datetime(previous["date"]) + shift,
                "name": previous["name"],
                "value": _floats(previous[metric]),
                "period": "comparison",
            }
        )
        frame = pd.concat([frame, before], ignore_index=True)
    title = TITLES.get(metric, metric)
    chart: alt.Chart = (
        alt.Chart(frame)
        .mark_line(point=False)
        .encode(
            x=alt.X("date:T", title="Day"),
            y=alt.Y("value:Q", title=title),
            color=alt.Color("name:N", title=None),
            strokeDash=alt.StrokeDash("period:N", title="Period", sort=["selected", "comparison"]),
            tooltip=["date:T", "name:N", "period:N", alt.Tooltip("value:Q", format=",.2f")],
        )
        .properties(height=320)
    )
    return chart


def curve_chart(
    curve: pd.DataFrame, observed: pd.DataFrame, marks: Sequence[SpendMark], outcome: str
) -> alt.LayerChart:
    """The fitted curve, its 90% band, each observed day, and the current/recommended spends marked."""
    y_title = f"Daily {outcome}"
    base = alt.Chart(curve).encode(x=alt.X("spend:Q", title="Daily spend"))
    band = base.mark_area(opacity=0.25).encode(y=alt.Y("low:Q", title=y_title), y2="high:Q")
    line = base.mark_line().encode(
        y="expected:Q",
        tooltip=[
            alt.Tooltip("spend:Q", format=",.2f"),
            alt.Tooltip("expected:Q", format=",.2f"),
            alt.Tooltip("marginal:Q", format=",.3f", title="marginal return"),
        ],
    )
    points = (
        alt.Chart(observed)
        .mark_circle(size=28, opacity=0.6, color="gray")
        .encode(
            x="spend:Q",
            y=alt.Y(f"{outcome}:Q"),
            tooltip=["date:T", alt.Tooltip("spend:Q", format=",.2f"), f"{outcome}:Q"],
        )
    )
    marked = pd.DataFrame(
        [
            {"label": m.label, "spend": m.spend, "expected": m.expected, "marginal": m.marginal}
            for m in marks
        ],
        columns=["label", "spend", "expected", "marginal"],
    )
    rules = (
        alt.Chart(marked)
        .mark_rule(strokeWidth=2)
        .encode(
            x="spend:Q",
            color=alt.Color(
                "label:N", title="Spend", scale=alt.Scale(domain=["current", "recommended"])
            ),
            tooltip=[
                "label:N",
                alt.Tooltip("spend:Q", format=",.2f"),
                alt.Tooltip("expected:Q", format=",.2f"),
                alt.Tooltip("marginal:Q", format=",.3f", title="marginal return"),
            ],
        )
    )
    layered: alt.LayerChart = alt.LayerChart(layer=[band, line, points, rules]).properties(
        height=360
    )
    return layered


def posterior_chart(density: pd.DataFrame, x_title: str) -> alt.Chart:
    """Each arm's posterior density (``x``, ``density``, ``arm``) as overlapping areas."""
    chart: alt.Chart = (
        alt.Chart(density)
        .mark_area(opacity=0.35, line=True)
        .encode(
            x=alt.X("x:Q", title=x_title),
            y=alt.Y("density:Q", title="Posterior density", stack=None),
            color=alt.Color("arm:N", title="Arm"),
        )
        .properties(height=300)
    )
    return chart
