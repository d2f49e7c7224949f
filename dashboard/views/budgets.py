"""Budget recommendations: current vs recommended, expected effect, guardrails; edit, approve, apply."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import streamlit as st

from dashboard import actions, loaders
from dashboard.format import money, percent
from dashboard.recommendations import (
    approved_table,
    confirmation_frame,
    guard,
    parse_edit,
    review_frame,
    with_edits,
)
from dashboard.session import context
from optimizer.apply import InForce, recent_budget_changes
from optimizer.errors import AdpilotError

ctx = context()
assert ctx.account is not None
currency = ctx.currency
names = loaders.entity_names(ctx.url, ctx.data_key, ctx.account_id)
st.title("Budget recommendations")
policy_path = str(ctx.settings.policy) if ctx.settings.policy else None
try:
    policy = loaders.load_policy(ctx.account, policy_path)
    rec = loaders.recommendation(ctx.url, ctx.version, ctx.account_id, policy.model_dump_json())
except AdpilotError as exc:
    st.error(f"No recommendation: {exc}")
    st.stop()
if not len(rec.table):
    st.info("No ad set or campaign budget to recommend for.")
    st.stop()
found = InForce.from_store(ctx.store.campaigns(ctx.account_id), ctx.store.adsets(ctx.account_id))
recent = recent_budget_changes(ctx.store, ctx.account_id)
edits: dict[str, Decimal] = st.session_state.setdefault("budget_edits", {})
flags = guard(rec, found, table=with_edits(rec.table, edits), recent_changes=recent)
review = review_frame(rec.table, flags, names, edits)
changes = loaders.effects(ctx.url, ctx.version, ctx.account_id, policy.model_dump_json())
review = review.merge(changes, on="budget_id", how="left")

for key, show in (("last_apply", st.success), ("apply_error", st.error)):
    message = st.session_state.get(key)
    if message:
        show(message)

st.caption(
    f"For {rec.as_of} · policy {policy_path or 'default (keep the current total)'} · objective "
    f"{rec.policy.objective.value} · max daily change {rec.policy.max_daily_change:.0%} · expected "
    "outcomes are daily, at the recommended budget, with 90% credible intervals; effect = change in "
    "expected daily revenue from the current budget · current budgets as of the last sync"
)


def _interval(mean: float, low: float, high: float, as_money: bool) -> str:
    if as_money:
        parts = [money(round(Decimal(repr(float(v))), 2), currency) for v in (mean, low, high)]
        return f"{parts[0]} ({parts[1]}–{parts[2]})"
    return f"{mean:.1f} ({low:.1f}–{high:.1f})"


def _signed(mean: float, low: float, high: float) -> str:
    """``+$12.30 (−$1.05 to +$25.00)``: a change in money with its interval."""
    if pd.isna(mean):
        return "–"

    def one(value: float) -> str:
        amount = round(Decimal(repr(float(value))), 2)
        return ("+" if amount >= 0 else "−") + money(abs(amount), currency)

    return f"{one(mean)} ({one(low)} to {one(high)})"


shown = review.assign(
    current_budget=review["current_budget"].map(lambda v: money(v, currency)),
    recommended_budget=[
        money(v, currency) + (" (edited)" if e else "")
        for v, e in zip(review["recommended_budget"], review["edited"], strict=True)
    ],
    change=review["change"].map(percent),
    expected_revenue=[
        _interval(*values, as_money=True)
        for values in zip(
            review["expected_revenue"],
            review["expected_revenue_low"],
            review["expected_revenue_high"],
            strict=True,
        )
    ],
    expected_conversions=[
        _interval(*values, as_money=False)
        for values in zip(
            review["expected_conversions"],
            review["expected_conversions_low"],
            review["expected_conversions_high"],
            strict=True,
        )
    ],
    allowed_budget=review["allowed_budget"].map(lambda v: money(v, currency)),
    effect_revenue=[
        _signed(*values)
        for values in zip(
            review["effect"], review["effect_low"], review["effect_high"], strict=True
        )
    ],
)[
    [
        "name",
        "level",
        "current_budget",
        "recommended_budget",
        "change",
        "expected_revenue",
        "effect_revenue",
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
    base = review.set_index("budget_id").loc[which, "recommended_budget"]
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


def _cancel() -> None:
    st.session_state["confirming"] = None
    st.session_state["approved"] = []


def _apply(run_id: str, chosen: list[str]) -> None:
    """Runs before the next script run, so it may reset the widgets it leaves behind."""
    assert ctx.account is not None
    try:
        client = actions.client_for(ctx.settings)
        table = approved_table(rec.table, edits, chosen)
        report = actions.apply_set(
            client, ctx.store, ctx.account_id, table, rec.policy, run_id=run_id
        )
    except AdpilotError as exc:
        st.session_state["apply_error"] = f"Nothing applied: {exc}"
        st.session_state["last_apply"] = None
        return
    st.session_state["last_apply"] = (
        f"Run {report.run_id}: {report.applied} applied, {report.skipped} skipped, "
        f"{report.failed} failed" + (f" ({'; '.join(report.failures)})" if report.failures else "")
    )
    st.session_state["apply_error"] = None
    _cancel()
    edits.clear()


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
    table = approved_table(rec.table, edits, confirming)
    checked = guard(rec, found, table=table, recent_changes=recent)
    st.warning(
        f"Apply {len(checked)} change(s) to the ad account? This changes live budgets; "
        "values in force are read from the ad account again and any refusal stops the whole set."
    )
    st.dataframe(
        confirmation_frame(checked, currency, names),
        hide_index=True,
        width="stretch",
        key="confirm_table",
    )
    run_id = actions.run_id_for(ctx.account_id, table, ctx.version)
    yes, no = st.columns(2)
    yes.button(
        "Confirm and apply",
        key="confirm",
        type="primary",
        on_click=_apply,
        args=(run_id, list(confirming)),
    )
    no.button("Cancel", key="cancel", on_click=_cancel)
