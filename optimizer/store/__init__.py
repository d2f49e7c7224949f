"""The SQLModel store: tables, engine from a URL, idempotent upserts, the audit log.

Open one with ``Store(url)`` (SQLite file by default, PostgreSQL by URL); write inside
``store.transaction()``; read frames with ``insights_frame`` and ``history``.
"""

from optimizer.store import experiments as experiments  # noqa: F401  (tables for create_all)
from optimizer.store.audit import TRANSITIONS, AuditEntry, AuditStatus
from optimizer.store.budgets import BudgetObservation
from optimizer.store.entities import DEFAULT_PURCHASE_ACTION, Account, Ad, AdSet, Campaign, Creative
from optimizer.store.insights import DailyInsight, InsightLevel, LifetimeInsight
from optimizer.store.runs import SyncRun, SyncStatus
from optimizer.store.store import Store
from optimizer.store.types import Money, UTCDateTime

__all__ = [
    "DEFAULT_PURCHASE_ACTION",
    "TRANSITIONS",
    "Account",
    "Ad",
    "AdSet",
    "AuditEntry",
    "AuditStatus",
    "BudgetObservation",
    "Campaign",
    "Creative",
    "DailyInsight",
    "InsightLevel",
    "LifetimeInsight",
    "Money",
    "Store",
    "SyncRun",
    "SyncStatus",
    "UTCDateTime",
]
