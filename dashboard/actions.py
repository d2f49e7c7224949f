"""The dashboard's write actions, each one call into the shared applier (:mod:`optimizer.apply`).

There is no second apply path: an approved set goes to :func:`optimizer.apply.approved.apply_approved`, the
function behind ``adpilot apply FILE`` (values in force read from Meta, the guardrail check, all or nothing,
audit log, push); a rollback is :func:`optimizer.apply.rollback`. The dashboard only names its runs.
"""

from __future__ import annotations

import hashlib

import pandas as pd

from budgets import BudgetPolicy
from optimizer.apply import ApplyReport, rollback
from optimizer.apply.approved import apply_approved
from optimizer.config import Settings
from optimizer.meta.client import MetaClient
from optimizer.meta.connect import connect
from optimizer.store import Store
from optimizer.tables import recommendation_csv

__all__ = ["apply_set", "client_for", "roll_back", "run_id_for"]

#: How the audit log names changes approved in the dashboard.
ACTOR = "adpilot dashboard"


def run_id_for(account_id: str, table: pd.DataFrame, version: str) -> str:
    """``dashboard-<account>-<hash>`` of the approved set and the data it was approved on.

    Confirming the same set twice on the same data is one run (applied once); the same set approved again
    after the data changed (a sync, a rollback) is a new run.
    """
    digest = hashlib.sha256(f"{version}\n{recommendation_csv(table, account_id)}".encode())
    return f"dashboard-{account_id}-{digest.hexdigest()[:12]}"[:64]


def client_for(settings: Settings) -> MetaClient:
    """The API client the settings point at (the sandbox, or Meta with a token)."""
    return connect(settings)


def apply_set(
    client: MetaClient,
    store: Store,
    account_id: str,
    table: pd.DataFrame,
    policy: BudgetPolicy,
    *,
    run_id: str,
) -> ApplyReport:
    """Apply an approved set through the shared applier (raises GuardrailViolation if any is refused)."""
    return apply_approved(client, store, table, account_id, run_id, policy=policy, actor=ACTOR)


def roll_back(client: MetaClient, store: Store, run_id: str) -> ApplyReport:
    """Restore what ``run_id`` applied (the shared rollback)."""
    return rollback(client, store, run_id)
