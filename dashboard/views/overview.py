"""Overview: spend, conversions, revenue, ROAS and CPA over time, against a comparison period."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import streamlit as st

from dashboard import charts, loaders
from dashboard.data import (
    METRICS,
    Period,
    breakdown,
    comparison_period,
    daily_series,
    default_period,
    relative_change,
    totals,
    window,
)
from dashboard.format import count, money, percent, ratio
from dashboard.freshness import freshness
from dashboard.session import context

ctx = context()
frame = loaders.overview_frame(ctx.url, ctx.data_key, ctx.account_id)
names = loaders.entity_names(ctx.url, ctx.data_key, ctx.account_id)
currency = ctx.currency
st.title("Overview")

first, last = frame["date"].min().date(), frame["date"].max().date()
default = default_period(first, last)
left, right, third = st.columns([2, 1, 1])
picked = left.date_input(
    "Date range", (default.since, default.until), min_value=first, max_value=last, key="range"
)
if not isinstance(picked, tuple) or len(picked) != 2:
    st.caption("Pick the last day of the range.")
    st.stop()
period = Period(picked[0], picked[1])
compare = right.selectbox("Compare with", ["Previous period", "No comparison"], key="compare")
grouping = third.selectbox(
    "By",
    ["account", "campaign", "adset"],
    format_func=lambda g: {"adset": "ad set"}.get(g, g),
    key="by",
)
previous = comparison_period(period) if compare == "Previous period" else None

rows = window(frame, period)
now = totals(rows)
before = totals(window(frame, previous)) if previous else None
formatted: dict[str, Callable[[Any], str]] = {
    "spend": lambda v: money(v, currency),
    "conversions": count,
    "revenue": lambda v: money(v, currency),
    "roas": ratio,
    "cpa": lambda v: money(v, currency),
}
labels = {
    "spend": "Spend",
    "conversions": "Conversions",
    "revenue": "Revenue",
    "roas": "ROAS",
    "cpa": "CPA",
}
for column, metric in zip(st.columns(len(METRICS)), METRICS, strict=True):
    value = now.value(metric)
    delta = relative_change(value, before.value(metric)) if before else None
    column.metric(
        labels[metric],
        formatted[metric](value),
        delta=None if delta is None else percent(delta),
        delta_color="inverse" if metric in ("cpa", "spend") else "normal",
    )
if previous:
    st.caption(f"{period.since} – {period.until} vs {previous.since} – {previous.until}")

fresh = freshness(
    last, ctx.store.sync_runs(ctx.account_id), ctx.store.audit_entries(account_id=ctx.account_id)
)
behind = fresh.days_behind(datetime.now(UTC).date())
sync_text = (
    f"last sync {fresh.last_sync_status} at {fresh.last_sync_at:%Y-%m-%d %H:%M} UTC"
    if fresh.last_sync_at
    else "never synced"
)
run_text = (
    f"last run {fresh.last_run_id} by {fresh.last_run_actor} at {fresh.last_run_at:%Y-%m-%d %H:%M} UTC"
    if fresh.last_run_at
    else "no nightly run or applied change yet"
)
age = {0: "today", 1: "yesterday"}.get(behind or 0, f"{behind} days ago")
st.caption(f"Data through {fresh.last_day} ({age}) · {sync_text} · {run_text}")
if fresh.last_sync_status == "failed":
    st.warning(f"The last sync failed: {fresh.last_sync_error}")

metric = st.radio(
    "Metric", list(METRICS), format_func=lambda m: labels[m], horizontal=True, key="metric"
)
chart_rows, chart_before = rows, window(frame, previous) if previous else None
if grouping != "account":
    key = f"{grouping}_id"
    top = breakdown(rows, grouping, names)[key].head(10).tolist()  # type: ignore[arg-type]
    chart_rows = rows[rows[key].isin(top)]
    chart_before = chart_before[chart_before[key].isin(top)] if chart_before is not None else None
    if len(top) < rows[key].nunique():
        st.caption(f"Chart: the 10 {grouping.replace('adset', 'ad set')}s with the most spend.")
series = daily_series(chart_rows, grouping, names)  # type: ignore[arg-type]
prior = daily_series(chart_before, grouping, names) if chart_before is not None else None  # type: ignore[arg-type]
st.altair_chart(charts.metric_chart(series, metric, prior), width="stretch")

for level in ("campaign", "adset"):
    st.subheader("By campaign" if level == "campaign" else "By ad set")
    table = breakdown(rows, level, names, window(frame, previous) if previous else None)  # type: ignore[arg-type]
    shown = table.assign(
        spend=table["spend"].map(lambda v: money(v, currency)),
        revenue=table["revenue"].map(lambda v: money(v, currency)),
        cpa=table["cpa"].map(lambda v: money(v, currency)),
        roas=table["roas"].map(ratio),
        spend_change=table["spend_change"].map(percent),
        roas_change=table["roas_change"].map(percent),
    )
    st.dataframe(shown, hide_index=True, width="stretch", key=f"table_{level}")
