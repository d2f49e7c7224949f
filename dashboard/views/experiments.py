"""Experiments: the list, then one experiment's arms, posteriors, decision, split check and summary."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from dashboard import charts, loaders
from dashboard.experiment_tables import arms_frame, experiments_frame, split_frame
from dashboard.session import context
from experiments.stats.frame import read_arms
from experiments.summary import FORMATS
from experiments.summary.chart import posterior_curves

ctx = context()
st.title("Experiments")
rows = loaders.experiment_rows(ctx.url, ctx.experiments_key, ctx.account_id)
if not rows:
    st.info(
        "No experiments yet. Start one with `adpilot experiment create` (creative x call-to-action arms, "
        "a decision metric and a control); results appear here as the daily steps pull them."
    )
    st.stop()

listing = experiments_frame(rows)
st.dataframe(listing, hide_index=True, width="stretch")
names = dict(zip(listing["id"], listing["name"], strict=True))
chosen = st.selectbox(
    "Experiment", listing["id"].tolist(), format_func=lambda i: f"#{i} {names[i]}", key="experiment"
)
result = loaders.evaluation(ctx.url, ctx.experiments_key, int(chosen))
metric = result.metric
decision = result.decision

st.subheader(f"#{chosen} {result.spec.name}")
st.caption(
    f"Metric: {metric.label} ({metric.per}{', lower is better' if metric.inverse else ''}) · control "
    f"{result.spec.control} · {result.runtime_days:g} days ({result.first_day} – {result.last_day})"
)
verdict = decision.status.value.replace("_", " ")
text = f"Decision: **{verdict}**" + (f", winner **{decision.winner}**" if decision.winner else "")
if decision.status.value == "winner":
    st.success(text)
else:
    st.info(text)
for reason in decision.reasons:
    st.caption(reason)

arms = arms_frame(result)
st.dataframe(arms, hide_index=True, width="stretch", key="arms")

if result.table is not None:
    stats = read_arms(result.metric_frame, metric.kind)
    curves = posterior_curves(stats, {a: a for a in stats})
    density = curves.rename(columns={"value": "x"})
    st.altair_chart(charts.posterior_chart(density, metric.label), width="stretch")

st.subheader("Sample ratio")
if result.split is None:
    st.caption("No spend yet: nothing to check.")
elif result.split.flagged:
    st.error(f"Sample ratio mismatch: {result.split.message}")
else:
    st.success(f"No sample ratio mismatch: {result.split.message}")
st.dataframe(split_frame(result), hide_index=True, width="stretch", key="split")
for caveat in result.caveats:
    st.caption(f"• {caveat}")

st.subheader("Client summary")
fmt = st.radio("Format", list(FORMATS), horizontal=True, key="summary_format")
logo = ctx.settings.agency_logo
content = loaders.summary(
    ctx.url,
    ctx.experiments_key,
    int(chosen),
    fmt,
    ctx.currency,
    datetime.now(UTC).date(),
    (ctx.settings.agency_name, str(logo) if logo else None),
)
mime = {"md": "text/markdown", "html": "text/html", "pdf": "application/pdf"}.get(fmt, "text/plain")
st.download_button(
    f"Download summary ({fmt})",
    data=content,
    file_name=f"experiment-{chosen}.{fmt}",
    mime=mime,
    key="download_summary",
)
