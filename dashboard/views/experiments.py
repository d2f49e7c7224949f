"""Experiments: list and detail (filled in once the experiment store lands)."""

from __future__ import annotations

import streamlit as st

st.title("Experiments")
st.info("No experiments yet.")
