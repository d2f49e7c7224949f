"""Cached reads: every loader is keyed by (database URL, data version, account) so pages stay fast.

``data_version`` is a handful of cheap aggregate queries (sync runs, entity updates, experiment results,
the audit log) that change whenever something is written; a cached frame is then recomputed once and
shared by every session. 1,000 ad sets x 90 days is read and shaped once, not on every widget click.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import streamlit as st
from sqlalchemy import func, select

from budgets import BudgetPolicy
from dashboard.data import prepare
from dashboard.recommendations import effects_frame
from experiments.evaluation import Evaluation
from experiments.runner import load_evaluation
from experiments.summary import Branding, report
from optimizer.models import FitResult, default_as_of, fit
from optimizer.nightly import Recommendation, default_policy, recommend
from optimizer.store import Account, AdSet, AuditEntry, Campaign, DailyInsight, Store, SyncRun
from optimizer.store.experiments import Experiment, ExperimentArmDay

__all__ = [
    "accounts",
    "data_version",
    "entity_names",
    "effects",
    "evaluation",
    "experiment_rows",
    "history",
    "load_policy",
    "overview_frame",
    "posteriors",
    "next_day",
    "recommendation",
    "store_for",
    "summary",
]


def _close(store: Store) -> None:
    store.close()


@st.cache_resource(show_spinner=False, on_release=_close)
def store_for(url: str) -> Store:
    """One store (engine and connection pool) per database URL, shared by every session; its
    connections are released when the cache entry is (``st.cache_resource.clear()``)."""
    return Store(url)


def data_key(version: str) -> str:
    """The part of a :func:`data_version` that syncs change (insights, entities): curves, history."""
    return version.split("#")[0]


def data_version(store: Store) -> str:
    """A fingerprint of everything the pages show: ``insights#experiments#audit`` parts.

    The first part changes with every sync (runs, entities), the second with every experiment step, the
    third with every apply or rollback. Loaders key on the part they depend on (see
    :class:`dashboard.session.Context`), so an apply does not refit the response curves.
    """
    runs = SyncRun.__table__  # type: ignore[attr-defined]
    audit = AuditEntry.__table__  # type: ignore[attr-defined]
    adsets = AdSet.__table__  # type: ignore[attr-defined]
    campaigns = Campaign.__table__  # type: ignore[attr-defined]
    experiments = Experiment.__table__  # type: ignore[attr-defined]
    arm_days = ExperimentArmDay.__table__  # type: ignore[attr-defined]
    parts = [
        [
            select(func.count(), func.max(runs.c.id), func.max(runs.c.finished_at)),
            select(func.count(), func.max(adsets.c.updated_at)),
            select(func.count(), func.max(campaigns.c.updated_at)),
        ],
        [
            select(experiments.c.status, func.count()).group_by(experiments.c.status),
            select(func.count(), func.max(arm_days.c.pulled_at)),
        ],
        [
            select(func.count(), func.max(audit.c.id), func.max(audit.c.applied_at)),
            select(audit.c.status, func.count()).group_by(audit.c.status),
        ],
    ]
    with store.engine.connect() as conn:
        return "#".join(
            "|".join(str([tuple(row) for row in conn.execute(q).all()]) for q in part)
            for part in parts
        )


@st.cache_data(show_spinner=False, max_entries=16)
def accounts(url: str, version: str) -> list[Account]:
    """Stored accounts that have daily insights (an account without data has nothing to show)."""
    store = store_for(url)
    table = DailyInsight.__table__  # type: ignore[attr-defined]
    with store.engine.connect() as conn:
        with_data = set(conn.scalars(select(table.c.account_id).distinct()))
    return [a for a in store.accounts() if a.id in with_data]


@st.cache_data(show_spinner=False, max_entries=16)
def entity_names(url: str, version: str, account_id: str) -> dict[str, str]:
    """Campaign and ad set names by id."""
    store = store_for(url)
    names = {c.id: c.name for c in store.campaigns(account_id)}
    names.update({a.id: a.name for a in store.adsets(account_id)})
    return names


@st.cache_data(show_spinner=False, max_entries=16)
def adset_campaigns(url: str, version: str, account_id: str) -> dict[str, str]:
    """Each ad set's campaign id."""
    return {a.id: a.campaign_id for a in store_for(url).adsets(account_id)}


@st.cache_data(show_spinner="Reading insights…", max_entries=8)
def overview_frame(url: str, version: str, account_id: str) -> pd.DataFrame:
    """The account's ad-set-level daily insights, prepared for exact sums (see :func:`prepare`)."""
    return prepare(store_for(url).insights_frame(account_id, level="adset"))


@st.cache_data(show_spinner=False, max_entries=8)
def history(url: str, version: str, account_id: str) -> pd.DataFrame:
    """The response models' input frame (one row per ad set and day)."""
    return store_for(url).history(account_id)


@st.cache_data(show_spinner="Fitting response curves…", max_entries=8)
def posteriors(url: str, version: str, account_id: str) -> dict[str, FitResult]:
    """Every ad set's fitted response curve (the same fit the nightly job runs)."""
    frame = history(url, version, account_id)
    return fit(frame) if len(frame) else {}


def load_policy(account: Account, path_text: str | None) -> BudgetPolicy:
    """The policy file if one is configured, else the nightly job's default (keep the total)."""
    if path_text:
        return BudgetPolicy.from_file(path_text)
    return default_policy(account.currency, account.id)


def next_day(store: Store, account_id: str) -> date | None:
    """The day a recommendation is for: the day after the last synced day (None if never synced)."""
    last = store.last_synced_until(account_id)
    return None if last is None else last + timedelta(days=1)


@st.cache_data(show_spinner="Fitting and allocating…", max_entries=8)
def recommendation(url: str, version: str, account_id: str, policy_json: str) -> Recommendation:
    """The nightly job's recommendation for the next day under the policy (given as its JSON).

    Keyed on the whole data version: an apply changes the budgets in force and an experiment the ad sets
    it holds, both of which the recommendation starts from.
    """
    store = store_for(url)
    policy = BudgetPolicy.model_validate_json(policy_json)
    as_of = next_day(store, account_id)
    if as_of is None:
        frame = history(url, data_key(version), account_id)
        as_of = default_as_of(frame) or datetime.now(UTC).date()
    return recommend(store, account_id, as_of=as_of, policy=policy)


@st.cache_data(show_spinner="Computing expected effects…", max_entries=8)
def effects(url: str, version: str, account_id: str, policy_json: str) -> pd.DataFrame:
    """Expected change in daily revenue of each recommendation, with its 90% interval."""
    rec = recommendation(url, version, account_id, policy_json)
    curves = data_key(version)  # an apply moves the budgets, not the curves: no refit
    return effects_frame(
        rec.table,
        posteriors(url, curves, account_id),
        adset_campaigns(url, curves, account_id),
    )


@st.cache_data(show_spinner=False, max_entries=16)
def experiment_rows(url: str, version: str, account_id: str) -> list[Experiment]:
    """The account's experiments as stored."""
    table = Experiment.__table__  # type: ignore[attr-defined]
    with store_for(url).transaction() as session:
        return list(session.scalars(select(Experiment).where(table.c.account_id == account_id)))


@st.cache_data(show_spinner="Evaluating the experiment…", max_entries=32)
def evaluation(url: str, version: str, experiment_id: int) -> Evaluation:
    """The experiment evaluated from what is stored (the runner's own evaluation, no API calls)."""
    return load_evaluation(store_for(url), experiment_id)


@st.cache_data(show_spinner="Writing the summary…", max_entries=32)
def summary(
    url: str,
    version: str,
    experiment_id: int,
    fmt: str,
    currency: str,
    generated_on: date,
    agency: tuple[str, str | None] = ("adpilot", None),
) -> str | bytes:
    """The experiment's client summary in ``fmt`` (md, html or pdf) with the agency's name and logo."""
    name, logo = agency
    return report(
        evaluation(url, version, experiment_id),
        fmt,
        branding=Branding(name, Path(logo) if logo else None),
        currency=currency,
        generated_on=generated_on,
    )
