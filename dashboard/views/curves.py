"""Response curves: each ad set's fitted spend-to-outcome curve, its band, its days, two spends marked."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, loaders
from dashboard.curves import curve_frame, marks, observed_points, spend_marks
from dashboard.format import ratio
from dashboard.session import context

ctx = context()
names = loaders.entity_names(ctx.url, ctx.data_key, ctx.account_id)
fitted = loaders.posteriors(ctx.url, ctx.data_key, ctx.account_id)
st.title("Response curves")
if not fitted:
    st.info("No ad set has daily insights to fit yet.")
    st.stop()
policy = loaders.load_policy(ctx.account, str(ctx.settings.policy) if ctx.settings.policy else None)  # type: ignore[arg-type]
recs = loaders.recommendation(ctx.url, ctx.version, ctx.account_id, policy.model_dump_json()).table
campaign_of = loaders.adset_campaigns(ctx.url, ctx.data_key, ctx.account_id)
history = loaders.history(ctx.url, ctx.data_key, ctx.account_id)

left, right = st.columns([3, 1])
adset_id = left.selectbox(
    "Ad set",
    sorted(fitted, key=lambda a: names.get(a, a)),
    format_func=lambda a: f"{names.get(a, a)} ({a})",
    key="adset",
)
outcome = right.radio("Outcome", ["revenue", "conversions"], horizontal=True, key="outcome")
fit = fitted[adset_id]
current, recommended = marks(recs, fitted, adset_id, campaign_of)
points = observed_points(history, adset_id)
top = max(
    [
        fit.reference_spend * 2.5,
        float(points["spend"].max() or 0) * 1.1,
        *(x or 0 for x in (current, recommended)),
    ]
)
curve = curve_frame(fit, top, outcome)  # type: ignore[arg-type]
marked = spend_marks(fit, current, recommended, outcome)  # type: ignore[arg-type]
st.altair_chart(charts.curve_chart(curve, points, marked, outcome), width="stretch")
unit = "revenue" if outcome == "revenue" else "conversions"
for column, mark in zip(st.columns(max(len(marked), 1)), marked, strict=False):
    column.metric(f"Expected daily {outcome} at {mark.label} spend", ratio(mark.expected))
    column.caption(
        f"{mark.label.capitalize()} spend {mark.spend:,.2f} {ctx.currency}/day · marginal return "
        f"{ratio(mark.marginal, 3)} {unit} per extra {ctx.currency}"
    )
if fit.status == "fitted":  # a fitted ad set's reason flags a detected change or no conversions yet
    status = "fitted on its own data" + (f" ({fit.reason})" if fit.reason else "")
else:
    status = f"prior only: {fit.reason}"
st.caption(
    f"{status}; {fit.days} days; elasticity {fit.mean[1]:.2f}; mean order value "
    f"{fit.order_value:,.2f} {ctx.currency}; band: 90% credible interval of the expected daily {outcome}."
)
