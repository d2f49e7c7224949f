"""adpilot dashboard entry point: password gate, account picker, and the page router.

Run with ``adpilot dashboard`` (or ``streamlit run dashboard/app.py -- --db URL``). Pages live in
``dashboard/views/``; each reads the :class:`dashboard.session.Context` set here.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from dashboard import loaders
from dashboard.session import Context, set_context
from dashboard.settings import from_args, password_ok

VIEWS = Path(__file__).resolve().parent / "views"

st.set_page_config(page_title="adpilot", page_icon=":material/monitoring:", layout="wide")


settings = from_args(sys.argv[1:])

if not st.session_state.get("authenticated"):
    if password_ok("", settings.dashboard_password):
        st.session_state["authenticated"] = True
    else:
        st.title("adpilot")
        given = st.text_input("Password", type="password", key="password")
        if st.button("Sign in"):
            if password_ok(given, settings.dashboard_password):
                st.session_state["authenticated"] = True
                st.rerun()
            st.error("Wrong password.")
        st.stop()

try:
    store = loaders.store_for(settings.db)
    version = loaders.data_version(store)
except SQLAlchemyError as exc:
    st.title("adpilot")
    st.error(
        f"Cannot open the database {make_url(settings.db).render_as_string(hide_password=True)}: "
        f"{type(exc).__name__}: {str(exc).splitlines()[0]}. Check --db / ADPILOT_DB and that the "
        "server is running."
    )
    st.stop()
accounts = loaders.accounts(store.url, loaders.data_key(version))
account = None
if accounts:
    by_id = {a.id: a for a in accounts}
    chosen = st.sidebar.selectbox(
        "Ad account",
        list(by_id),
        format_func=lambda i: f"{by_id[i].name} ({i})",
        key="account_id",
    )
    account = by_id[chosen]
set_context(Context(settings=settings, store=store, version=version, account=account))

if account is None:
    pages = [
        st.Page(
            VIEWS / "first_run.py",
            title="Get started",
            icon=":material/rocket_launch:",
            default=True,
        )
    ]
else:
    pages = [
        st.Page(VIEWS / "overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page(
            VIEWS / "budgets.py",
            title="Budget recommendations",
            icon=":material/payments:",
            url_path="budgets",
        ),
        st.Page(
            VIEWS / "curves.py",
            title="Response curves",
            icon=":material/show_chart:",
            url_path="curves",
        ),
        st.Page(
            VIEWS / "experiments.py",
            title="Experiments",
            icon=":material/science:",
            url_path="experiments",
        ),
        st.Page(
            VIEWS / "history.py", title="History", icon=":material/history:", url_path="history"
        ),
    ]
st.navigation(pages).run()
