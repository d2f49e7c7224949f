"""Sync: pull entities and daily insights from the Graph API into the store, all or nothing per run."""
