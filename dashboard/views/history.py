"""History / audit: every change adpilot planned or applied, who or what did it, before and after; rollback."""

from __future__ import annotations

import streamlit as st

from dashboard import actions, loaders
from dashboard.audit import changes_frame, runs_frame
from dashboard.session import context
from optimizer.errors import AdpilotError

ctx = context()
names = loaders.entity_names(ctx.url, ctx.data_key, ctx.account_id)
entries = ctx.store.audit_entries(account_id=ctx.account_id)
st.title("History")
done = st.session_state.get("last_rollback")
if done:
    st.success(done)
if not entries:
    st.info(
        "No change has been planned or applied yet: the nightly job and approved recommendations land here."
    )
    st.stop()

runs = runs_frame(entries)
st.subheader("Runs")
st.dataframe(runs, hide_index=True, width="stretch", key="runs")


def _roll_back(run_id: str) -> None:
    try:
        report = actions.roll_back(actions.client_for(ctx.settings), ctx.store, run_id)
    except AdpilotError as exc:
        st.session_state["last_rollback"] = None
        st.session_state["rollback_error"] = f"Rollback of {run_id} failed: {exc}"
        return
    st.session_state["rollback_error"] = None
    st.session_state["last_rollback"] = (
        f"Rolled back {run_id}: {report.applied} restored, {report.skipped} skipped, {report.failed} failed"
    )
    st.session_state["rollback_confirm"] = False


rollbackable = runs.loc[runs["can_roll_back"], "run_id"].tolist()
if rollbackable:
    with st.expander("Roll back a run"):
        run = st.selectbox("Run", rollbackable, key="rollback_run")
        sure = st.checkbox(
            "Restore the budgets this run changed (those changed since are left alone)",
            key="rollback_confirm",
        )
        st.button("Roll back", key="rollback", disabled=not sure, on_click=_roll_back, args=(run,))
error = st.session_state.get("rollback_error")
if error:
    st.error(error)

st.subheader("Changes")
table = changes_frame(entries, ctx.currency, names)
pick = st.multiselect("Runs", runs["run_id"].tolist(), key="history_runs", placeholder="All runs")
if pick:
    table = table[table["run_id"].isin(pick)]
st.dataframe(table, hide_index=True, width="stretch", key="changes")
