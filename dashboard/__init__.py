"""The Streamlit dashboard: thin pages over adpilot's library functions."""
