"""Applying an approved recommendation set (``adpilot apply FILE``): all of it, or nothing.

The file is what ``adpilot recommend --json`` or ``--csv`` printed, possibly edited by the person who
approved it. Every row goes through the same guardrail check as the nightly job, against the values in force
read from Meta just before, and from the values the file says were current: if any change is refused (its
starting value no longer holds, a bound, Meta's hourly limit) nothing is planned or sent. Its run id is the
account and a hash of the file, so applying the same file twice applies it once.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pandas as pd

from budgets import BudgetPolicy, check_changes, raise_on_refusal
from optimizer.apply.changes import from_checked
from optimizer.apply.in_force import read_in_force
from optimizer.apply.ledger import plan, recent_budget_changes
from optimizer.apply.proposals import effective_policy, proposals
from optimizer.apply.push import ApplyReport, push
from optimizer.errors import InputError
from optimizer.meta.client import MetaClient
from optimizer.store import Store

ACTOR = "adpilot apply"
REQUIRED = ("budget_id", "level", "current_budget", "recommended_budget")


def read_approved(path: Path) -> tuple[pd.DataFrame, str | None, str]:
    """The rows of an approved file (JSON or CSV), its account id if it names one, and its run id."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    account: str | None = None
    if path.suffix.lower() == ".json":
        try:
            body = json.loads(data)
        except ValueError as exc:
            raise InputError(f"{path}: not valid JSON: {exc}") from None
        rows = body.get("recommendations") if isinstance(body, dict) else body
        if not isinstance(rows, list):
            raise InputError(f"{path}: expected a list of recommendations")
        account = body.get("account_id") if isinstance(body, dict) else None
        table = pd.DataFrame(rows)
    else:
        table = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
        table = table.replace({"": None})
        if "account_id" in table and table["account_id"].notna().any():
            account = str(table["account_id"].dropna().iloc[0])
    missing = [c for c in REQUIRED if c not in table]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}")
    for column in ("campaign_id", "current_bid", "recommended_bid", "reason"):
        if column not in table:
            table[column] = None
    for index, row in enumerate(table.itertuples(index=False), start=1):
        if row.level not in ("adset", "campaign"):
            raise InputError(
                f"{path}: row {index}: level: expected adset or campaign, got {row.level!r}"
            )
    table["reason"] = table["reason"].fillna("approved recommendation")
    digest = hashlib.sha256(data).hexdigest()[:12]
    return table, account, digest


def approved_run_id(account_id: str, digest: str) -> str:
    return f"apply-{account_id}-{digest}"


def apply_approved(
    client: MetaClient,
    store: Store,
    table: pd.DataFrame,
    account_id: str,
    run_id: str,
    *,
    policy: BudgetPolicy | None = None,
    actor: str = ACTOR,
) -> ApplyReport:
    """Check every row of ``table`` under ``policy`` (refusing the whole set on any refusal), plan, push.

    ``actor`` is who the audit log names for these changes ("adpilot apply", "adpilot dashboard", ...).
    """
    if store.audit_entries(run_id=run_id):  # planned before: resume it, never re-plan it
        return push(client, store, run_id, account_id)
    found = read_in_force(client, account_id)
    account = store.account(account_id)
    currency = account.currency if account is not None else (policy.currency if policy else "USD")
    base = policy or BudgetPolicy(currency=currency, account_id=account_id)
    tonight = effective_policy(
        base, found.campaigns, found.adsets, held=store.experiment_object_ids(account_id)
    )
    unknown = [str(b) for b in table["budget_id"] if not found.known(str(b))]
    if unknown:
        raise InputError(f"budget_id: not in account {account_id}: {', '.join(unknown[:5])}")
    proposed = proposals(table, found, currency, stated=True)
    checked = check_changes(
        proposed,
        tonight,
        current_budgets=found.daily_budgets(currency),
        recent_changes=recent_budget_changes(store, account_id),
        adset_campaigns=found.campaign_of,
    )
    raise_on_refusal(checked)
    changes = [c for c in (from_checked(v, currency) for v in checked) if c is not None]
    plan(store, run_id, account_id, changes, actor=actor)
    return push(client, store, run_id, account_id, in_force=found)
