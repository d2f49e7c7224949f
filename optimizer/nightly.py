"""The nightly job: sync -> fit -> allocate -> guardrails -> apply -> audit, for one account and one night.

Orchestration only; each step is a library call (:func:`~optimizer.sync.run.sync_account`,
:func:`optimizer.allocate`, :func:`budgets.check_changes`, :mod:`optimizer.apply`). The run id is derived from
the account and the night (``nightly-act_1-2026-01-31``), so a scheduler re-running the same night lands on
the same audit entries: what the run already planned stands, what it applied is never applied again, and a
run killed half-way resumes. The allocation on a re-run starts from the budgets as they were before the run
(the audit log's ``before``), so a changed recommendation never stacks a second step on the applied one.
Dry-run by default: changes are audited as ``planned`` (refusals ``skipped``) and nothing is sent.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pandas as pd

from budgets import BudgetPolicy, check_changes, pace_policy
from optimizer.allocation import allocate
from optimizer.apply import ApplyReport, InForce, plan, push, recent_budget_changes
from optimizer.apply.changes import from_checked
from optimizer.apply.proposals import effective_policy, proposals
from optimizer.apply.push import BATCH_SIZE, BetweenBatches
from optimizer.errors import InputError, PolicyError
from optimizer.meta.client import MetaClient
from optimizer.models import ModelConfig
from optimizer.money import minor_to_major, offset
from optimizer.store import AuditEntry, Store
from optimizer.sync.run import SyncReport, sync_account

ACTOR = "adpilot nightly"
Progress = Callable[[str], None]


def run_id_for(account_id: str, as_of: date) -> str:
    """The nightly run id of one account and night: re-running the night re-uses it."""
    return f"nightly-{account_id}-{as_of.isoformat()}"


def default_policy(currency: str, account_id: str | None = None) -> BudgetPolicy:
    """No policy file: keep the account's current total under the default guardrails."""
    return BudgetPolicy(currency=currency, account_id=account_id)


@dataclass
class Recommendation:
    """The allocation of one night and the policy it was made under."""

    account_id: str
    as_of: date
    currency: str
    policy: BudgetPolicy
    table: pd.DataFrame
    daily_total: Decimal | None


@dataclass
class NightlyReport:
    """What one nightly run recommended, approved, planned and applied, and how long each stage took."""

    run_id: str
    account_id: str
    as_of: date
    currency: str
    applied_mode: bool
    rows: list[dict[str, Any]] = field(default_factory=list)
    sync: SyncReport | None = None
    push: ApplyReport | None = None
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.push is None or self.push.ok

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for row in self.rows:
            out[row["status"]] = out.get(row["status"], 0) + 1
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "account_id": self.account_id,
            "as_of": self.as_of.isoformat(),
            "currency": self.currency,
            "mode": "apply" if self.applied_mode else "dry-run",
            "ok": self.ok,
            "counts": self.counts(),
            "changes": self.rows,
            "sync": None if self.sync is None else self.sync.as_dict(),
            "push": None if self.push is None else self.push.as_dict(),
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
        }


def _seed(run_id: str) -> int:
    return int(hashlib.sha256(run_id.encode()).hexdigest()[:8], 16)


def _baseline(history: pd.DataFrame, entries: list[AuditEntry], currency: str) -> pd.DataFrame:
    """History with the budgets this run already changed put back to what they were before it."""
    if not entries or history.empty:
        return history
    frame = history.copy()
    scale = float(offset(currency))
    for entry in entries:
        if entry.before is None:
            continue
        value = int(entry.before) / scale
        if entry.field == "bid_amount":
            frame.loc[frame["adset_id"] == entry.object_id, "bid_amount"] = value
        elif entry.object_type == "campaign":
            frame.loc[frame["campaign_id"] == entry.object_id, "campaign_budget"] = value
        else:
            frame.loc[frame["adset_id"] == entry.object_id, "daily_budget"] = value
    return frame


def recommend(
    store: Store,
    account_id: str,
    *,
    as_of: date,
    policy: BudgetPolicy | None = None,
    model_config: ModelConfig | None = None,
    seed: int | None = None,
    earlier: list[AuditEntry] | None = None,
) -> Recommendation:
    """Fit and allocate from the store alone: tomorrow's budgets for ``account_id`` as of ``as_of``."""
    account = store.account(account_id)
    if account is None:
        raise InputError(f"--account: {account_id} is not in the store; sync it first")
    base = policy or default_policy(account.currency, account_id)
    if base.currency != account.currency:
        raise PolicyError(
            f"policy: currency: {base.currency}, but account {account_id} is in {account.currency}"
        )
    if base.account_id is not None and base.account_id != account_id:
        raise PolicyError(f"policy: account_id: {base.account_id}, not {account_id}")
    tonight = effective_policy(
        base,
        store.campaigns(account_id),
        store.adsets(account_id),
        held=store.experiment_object_ids(account_id),
    )
    history = store.history(account_id, until=as_of)
    history = history[history["date"] < pd.Timestamp(as_of)]
    daily_total: Decimal | None = None
    if tonight.monthly_budget is not None:
        month = history[history["date"] >= pd.Timestamp(as_of.replace(day=1))]
        spent = Decimal(str(round(float(month["spend"].sum()), 2)))
        daily_total = pace_policy(tonight, spent, as_of).daily_total
    history = _baseline(history, earlier or [], account.currency)
    table = allocate(
        history,
        tonight,
        as_of=as_of,
        seed=_seed(run_id_for(account_id, as_of)) if seed is None else seed,
        daily_total=daily_total,
        model_config=model_config,
    )
    return Recommendation(account_id, as_of, account.currency, tonight, table, daily_total)


def run_nightly(
    client: MetaClient,
    store: Store,
    account_id: str,
    *,
    as_of: date,
    policy: BudgetPolicy | None = None,
    apply: bool = False,
    sync: bool = True,
    model_config: ModelConfig | None = None,
    progress: Progress | None = None,
    between_batches: BetweenBatches | None = None,
    batch_size: int = BATCH_SIZE,
    now: datetime | None = None,
) -> NightlyReport:
    """One night for one account; dry-run unless ``apply``. ``report.ok`` is False if any change failed.

    ``now`` is the moment the changes go out, stamped on them and counted for Meta's limit of 4 budget
    changes per object per hour: the wall clock by default (a scheduler catching up five nights within
    the hour is refused the fifth change); a simulation replaying several nights in a minute passes each
    night's simulated time.
    """
    tell = progress or (lambda stage: None)
    run_id = run_id_for(account_id, as_of)
    clock = time.perf_counter()
    seconds: dict[str, float] = {}

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[stage] = seconds.get(stage, 0.0) + now - clock
        clock = now

    synced = None
    if sync:
        tell("sync")
        synced = sync_account(client, store, account_id, today=as_of)
        lap("sync")
    earlier = store.audit_entries(run_id=run_id)
    tell("fit and allocate")
    rec = recommend(
        store, account_id, as_of=as_of, policy=policy, model_config=model_config, earlier=earlier
    )
    lap("fit_allocate")
    tell("guardrails")
    found = InForce.from_store(store.campaigns(account_id), store.adsets(account_id))
    planned = {(e.object_id, e.field): e for e in earlier}
    proposed = proposals(rec.table, found, rec.currency, skip=planned)
    checked = check_changes(
        proposed,
        rec.policy,
        current_budgets=found.daily_budgets(rec.currency),
        recent_changes=recent_budget_changes(store, account_id, now=now),
        adset_campaigns=found.campaign_of,
        daily_total=rec.daily_total,
    )
    changes = [c for c in (from_checked(v, rec.currency) for v in checked) if c is not None]
    lap("guardrails")
    tell("audit")
    plan(store, run_id, account_id, changes, actor=ACTOR)
    lap("audit")
    report = NightlyReport(run_id, account_id, as_of, rec.currency, apply, sync=synced)
    if apply:
        tell("apply")
        report.push = push(
            client,
            store,
            run_id,
            account_id,
            between_batches=between_batches,
            batch_size=batch_size,
            applied_at=now,
        )
        lap("apply")
    report.rows = _rows(rec, store.audit_entries(run_id=run_id), checked_ids=planned)
    report.seconds = seconds
    return report


def _rows(
    rec: Recommendation, entries: list[AuditEntry], checked_ids: Mapping[tuple[str, str], object]
) -> list[dict[str, Any]]:
    """One row per recommended budget (and bid): the recommendation and what became of it."""
    by_key = {(e.object_id, e.field): e for e in entries}
    rows: list[dict[str, Any]] = []
    for rec_row in rec.table.itertuples(index=False):
        object_id = str(rec_row.budget_id)
        for name, now, wanted in (
            ("daily_budget", rec_row.current_budget, rec_row.recommended_budget),
            ("bid_amount", rec_row.current_bid, rec_row.recommended_bid),
        ):
            if wanted is None or (isinstance(wanted, float) and pd.isna(wanted)):
                continue
            entry = by_key.get((object_id, name))
            approved = None
            if entry is not None and entry.after is not None:
                approved = str(minor_to_major(int(entry.after), rec.currency))
            rows.append(
                {
                    "object_id": object_id,
                    "level": str(rec_row.level),
                    "field": name,
                    "current": None if now is None else str(now),
                    "recommended": str(wanted),
                    "approved": approved,
                    "status": "unchanged" if entry is None else entry.status,
                    "earlier_run": (object_id, name) in checked_ids,
                    "reason": (entry.reason if entry is not None else None) or str(rec_row.reason),
                }
            )
    return rows
