"""Budget recommendations: current vs recommended, expected effect, guardrails; edit, approve, apply."""

from __future__ import annotations

from decimal import Decimal

import streamlit as st

from budgets import CheckedChange
from dashboard import actions, loaders
from dashboard.format import money, percent
from dashboard.recommendations import (
    confirmation_frame,
    current_budgets,
    guard,
    parse_edit,
    proposals,
    review_frame,
)
from dashboard.session import context
from optimizer.apply import recent_budget_changes
from optimizer.errors import AdpilotError

ctx = context()
assert ctx.account is not None
currency = ctx.currency
names = loaders.entity_names(ctx.url, ctx.version, ctx.account_id)
campaign_of = loaders.adset_campaigns(ctx.url, ctx.version, ctx.account_id)
st.title("Budget recommendations")
try:
    policy = loaders.load_policy(
        ctx.account, str(ctx.settings.policy) if ctx.settings.policy else None
    )
except AdpilotError as exc:
    st.error(f"The budget policy cannot be used: {exc}")
    st.stop()
recs = loaders.recommendations(ctx.url, ctx.version, ctx.account_id, policy.model_dump_json())
if not len(recs):
    st.info("No ad set or campaign budget to recommend for.")
    st.stop()
current = current_budgets(
    ctx.store.adsets(ctx.account_id), ctx.store.campaigns(ctx.account_id), currency
)
recent = recent_budget_changes(ctx.store, ctx.account_id)
edits: dict[str, Decimal] = st.session_state.setdefault("budget_edits", {})
flags = guard(
    proposals(recs, edits=edits),
    policy,
    current,
    recent_changes=recent,
    adset_campaigns=campaign_of,
)
review = review_frame(recs, flags, names)

last = st.session_state.get("last_apply")
if last:
    st.success(last)
failed = st.session_state.get("apply_error")
if failed:
    st.error(failed)

st.caption(
    f"Policy: {'file ' + str(ctx.settings.policy) if ctx.settings.policy else 'default (keep the total)'}"
    f" · objective {policy.objective.value} · max daily change {policy.max_daily_change:.0%}"
    " · expected outcomes are daily, at the recommended budget, with 90% credible intervals"
)
shown = review.assign(
    current_budget=review["current_budget"].map(lambda v: money(v, currency)),
    recommended_budget=[
        money(edits.get(b, r), currency) + (" (edited)" if b in edits else "")
        for b, r in zip(review["budget_id"], review["recommended_budget"], strict=True)
    ],
    change=review["change"].map(percent),
    expected_revenue=[
        f"{money(round(Decimal(repr(m)), 2), currency)} ({money(round(Decimal(repr(lo)), 2), currency)}–"
        f"{money(round(Decimal(repr(hi)), 2), currency)})"
        for m, lo, hi in zip(
            review["expected_revenue"],
            review["expected_revenue_low"],
            review["expected_revenue_high"],
            strict=True,
        )
    ],
    expected_conversions=[
        f"{m:.1f} ({lo:.1f}–{hi:.1f})"
        for m, lo, hi in zip(
            review["expected_conversions"],
            review["expected_conversions_low"],
            review["expected_conversions_high"],
            strict=True,
        )
    ],
    allowed_budget=review["allowed_budget"].map(lambda v: money(v, currency)),
)[
    [
        "name",
        "level",
        "current_budget",
        "recommended_budget",
        "change",
        "expected_revenue",
        "expected_conversions",
        "verdict",
        "allowed_budget",
        "guardrail",
        "reason",
        "budget_id",
    ]
]
st.dataframe(shown, hide_index=True, width="stretch", key="recommendations")

ids = review["budget_id"].tolist()
label = {b: f"{names.get(b, b)} ({b})" for b in ids}
with st.expander("Edit a recommendation"):
    which = st.selectbox("Budget", ids, format_func=label.__getitem__, key="edit_id")
    base = edits.get(which, recs.set_index("budget_id").loc[which, "recommended_budget"])
    value = st.number_input(
        f"New daily budget ({currency})",
        min_value=0.0,
        value=float(base),
        step=1.0,
        key="edit_value",
    )
    one, two = st.columns(2)
    if one.button("Save edit", key="save_edit"):
        try:
            edits[which] = parse_edit(value, currency, which)
            st.rerun()
        except AdpilotError as exc:
            st.error(str(exc))
    if two.button("Clear edits", key="clear_edits"):
        edits.clear()
        st.rerun()

changeable = [
    b for b, v in zip(review["budget_id"], review["verdict"], strict=True) if v in ("ok", "clipped")
]


def _approve_all() -> None:
    st.session_state["approved"] = list(changeable)


def _apply(checked: list[CheckedChange]) -> None:
    """Runs before the next script run, so it may reset the widgets it leaves behind."""
    try:
        client = actions.client_for(ctx.settings)
        report = actions.apply_checked(client, ctx.store, ctx.account_id, currency, checked)
    except AdpilotError as exc:
        st.session_state["apply_error"] = f"Nothing applied: {exc}"
        return
    st.session_state["last_apply"] = (
        f"Run {report.run_id}: {report.applied} applied, {report.skipped} skipped, "
        f"{report.failed} failed" + (f" ({'; '.join(report.failures)})" if report.failures else "")
    )
    st.session_state["apply_error"] = None
    _cancel()
    edits.clear()


def _cancel() -> None:
    st.session_state["confirming"] = None
    st.session_state["approved"] = []


st.subheader("Approve and apply")
approved = st.multiselect(
    "Approved changes", changeable, format_func=label.__getitem__, key="approved"
)
left, right = st.columns(2)
left.button("Approve all", on_click=_approve_all, key="approve_all", disabled=not changeable)
if right.button("Review approved changes", key="review", disabled=not approved, type="primary"):
    st.session_state["confirming"] = list(approved)

confirming: list[str] | None = st.session_state.get("confirming")
if confirming:
    checked = guard(
        proposals(recs, edits=edits, approved=set(confirming)),
        policy,
        current,
        recent_changes=recent,
        adset_campaigns=campaign_of,
    )
    st.warning(
        f"Apply {len(checked)} budget change(s) to the ad account? This changes live budgets."
    )
    st.dataframe(
        confirmation_frame(checked, currency, names),
        hide_index=True,
        width="stretch",
        key="confirm_table",
    )
    yes, no = st.columns(2)
    yes.button("Confirm and apply", key="confirm", type="primary", on_click=_apply, args=(checked,))
    no.button("Cancel", key="cancel", on_click=_cancel)
