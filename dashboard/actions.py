"""The dashboard's write actions, each one call into the shared applier (:mod:`optimizer.apply`).

There is no second apply path: approved changes are turned into audit-log changes by
:func:`optimizer.apply.from_checked`, planned with :func:`optimizer.apply.plan` and pushed with
:func:`optimizer.apply.push`, exactly as the nightly job does; a rollback is :func:`optimizer.apply.rollback`.
The dashboard only names its runs and its actor.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import uuid4

from budgets import CheckedChange
from optimizer.apply import ApplyReport, from_checked, plan, push, rollback
from optimizer.config import Settings
from optimizer.meta.client import MetaClient
from optimizer.meta.connect import connect
from optimizer.store import Store
from optimizer.store.types import utcnow

__all__ = ["ACTOR", "apply_checked", "client_for", "new_run_id", "roll_back"]

ACTOR = "dashboard"


def new_run_id(now: datetime | None = None) -> str:
    """A unique run id for one confirmed apply from the dashboard."""
    return f"dashboard-{(now or utcnow()):%Y%m%dT%H%M%SZ}-{uuid4().hex[:6]}"


def client_for(settings: Settings) -> MetaClient:
    """The API client the settings point at (the sandbox, or Meta with a token)."""
    return connect(settings)


def apply_checked(
    client: MetaClient,
    store: Store,
    account_id: str,
    currency: str,
    checked: Sequence[CheckedChange],
    *,
    actor: str = ACTOR,
    run_id: str | None = None,
) -> ApplyReport:
    """Plan the guardrail-checked changes in the audit log (refusals as skipped), then push them."""
    run = run_id or new_run_id()
    changes = [c for c in (from_checked(v, currency) for v in checked) if c is not None]
    plan(store, run, account_id, changes, actor=actor)
    return push(client, store, run, account_id)


def roll_back(client: MetaClient, store: Store, run_id: str) -> ApplyReport:
    """Restore what ``run_id`` applied (the shared rollback)."""
    return rollback(client, store, run_id)
