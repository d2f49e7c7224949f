"""What every page needs to know about this run: the settings, the store, its data version, the account.

The entry point (:mod:`dashboard.app`) builds it once per script run and the pages read it, so a page never
opens its own database or parses arguments.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

from dashboard.loaders import data_key
from dashboard.settings import DashboardSettings
from optimizer.store import Account, Store

__all__ = ["Context", "context", "set_context"]

_KEY = "_adpilot_context"


@dataclass(frozen=True)
class Context:
    """This run's settings, store, data version and selected account (None on an empty database)."""

    settings: DashboardSettings
    store: Store
    version: str
    account: Account | None

    @property
    def url(self) -> str:
        return self.store.url

    @property
    def data_key(self) -> str:
        """The part of the data version that syncs change (insights, entities): curves, budgets."""
        return data_key(self.version)

    @property
    def experiments_key(self) -> str:
        """The part of the data version that experiment steps change."""
        return self.version.split("#")[1]

    @property
    def account_id(self) -> str:
        if self.account is None:
            raise LookupError("no account selected")
        return self.account.id

    @property
    def currency(self) -> str:
        return self.account.currency if self.account else "USD"


def set_context(value: Context) -> None:
    state: Any = st.session_state
    state[_KEY] = value


def context() -> Context:
    """The context the entry point set for this run."""
    value = st.session_state.get(_KEY)
    if not isinstance(value, Context):
        raise RuntimeError("dashboard pages run through dashboard/app.py, which sets the context")
    return value
