"""The store facade: one object the sync, the importers, the nightly job and the dashboard share.

Writes happen inside :meth:`Store.transaction` so a sync run is all or nothing: every ``upsert_*`` first
validates the whole batch (raising InputError naming the row and field before a single row is written),
checks that parents exist, then upserts in chunks. Readers open their own short sessions. Sync-run records
commit on their own, so a failed run is still recorded as failed after its data rolled back.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlmodel import SQLModel

from optimizer.config import default_db_url
from optimizer.errors import InputError
from optimizer.store import audit, frames, specs, writes
from optimizer.store.audit import AuditEntry, AuditStatus
from optimizer.store.budgets import BudgetObservation
from optimizer.store.dialect import insert_missing, make_engine, normalize_url
from optimizer.store.entities import Account, Ad, AdSet, Campaign, Creative
from optimizer.store.experiments import Experiment, ExperimentArm
from optimizer.store.insights import DailyInsight, LifetimeInsight
from optimizer.store.rows import validate_rows
from optimizer.store.runs import SyncRun, SyncStatus
from optimizer.store.schema import ensure_schema
from optimizer.store.types import utcnow
from optimizer.store.writes import table_of

#: Experiment statuses whose arms own their budgets.
LIVE_EXPERIMENT_STATUSES = ("creating", "running")

#: Rows as mappings, dataclass records or SQLModel instances (see ``rows.validate_rows``).
Rows = Iterable[Any]


class Store:
    """adpilot's database, chosen by URL (SQLite file by default, PostgreSQL by URL); tables made on open."""

    def __init__(self, url: str | None = None) -> None:
        self.url = normalize_url(url or default_db_url())
        self.engine: Engine = make_engine(self.url)
        try:
            ensure_schema(self.engine)
        except BaseException:
            self.engine.dispose()
            raise

    def close(self) -> None:
        """Release every pooled connection (tests drop their databases afterwards)."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.engine.url.render_as_string(hide_password=True)!r})"

    # -- sessions -----------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose writes commit together at the end, or roll back together on any error."""
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def _reader(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    # -- upserts ------------------------------------------------------------------------------

    def upsert_accounts(self, session: Session, rows: Rows) -> int:
        """Accounts by id; re-upserting overwrites name, time zone and conversion action.

        The currency may not change (CurrencyError): every stored amount is denominated in it.
        """
        clean = validate_rows("accounts", specs.ACCOUNT, rows)
        writes.refuse_currency_change(session, clean)
        return writes.write(session, Account, clean, ["id"])

    def upsert_campaigns(self, session: Session, rows: Rows) -> int:
        """Campaigns by id (their account must be stored)."""
        clean = validate_rows("campaigns", specs.CAMPAIGN, rows)
        writes.require(session, "campaigns", clean, "account_id", Account)
        return writes.write(session, Campaign, clean, ["id"])

    def upsert_adsets(self, session: Session, rows: Rows) -> int:
        """Ad sets by id (account and campaign must be stored)."""
        clean = validate_rows("adsets", specs.ADSET, rows)
        writes.require(session, "adsets", clean, "account_id", Account)
        writes.require(session, "adsets", clean, "campaign_id", Campaign)
        return writes.write(session, AdSet, clean, ["id"])

    def upsert_ads(self, session: Session, rows: Rows) -> int:
        """Ads by id (account, campaign and ad set must be stored)."""
        clean = validate_rows("ads", specs.AD, rows)
        writes.require(session, "ads", clean, "account_id", Account)
        writes.require(session, "ads", clean, "campaign_id", Campaign)
        writes.require(session, "ads", clean, "adset_id", AdSet)
        return writes.write(session, Ad, clean, ["id"])

    def upsert_creatives(self, session: Session, rows: Rows) -> int:
        """Creatives by id (their account must be stored)."""
        clean = validate_rows("creatives", specs.CREATIVE, rows)
        writes.require(session, "creatives", clean, "account_id", Account)
        return writes.write(session, Creative, clean, ["id"])

    def observe_budgets(
        self, session: Session, account_id: str, observed: date, campaigns: Rows, adsets: Rows
    ) -> int:
        """Record the budgets of stored ``campaigns`` and ``adsets`` rows as seen on ``observed``.

        The first observation of a day is kept (see :mod:`optimizer.store.budgets`); returns rows offered.
        """
        rows = [
            {
                "object_id": str(row["id"]), "observed": observed, "account_id": account_id,
                "level": level, "daily_budget": row.get("daily_budget"),
                "bid_amount": row.get("bid_amount") if level == "adset" else None,
            }
            for level, items in (("campaign", campaigns), ("adset", adsets))
            for row in items
        ]  # fmt: skip
        insert_missing(session, table_of(BudgetObservation), rows, ["object_id", "observed"])
        return len(rows)

    def upsert_insights(self, session: Session, rows: Rows) -> int:
        """Daily insights by (level, object_id, date): a re-pulled day replaces the stored one (restatement).

        The account must be stored and the row's currency must be the account's. Campaign, ad set and ad
        ids are not foreign keys: Meta reports insights for objects deleted since.
        """
        clean = validate_rows("daily_insights", specs.DAILY_INSIGHT, rows, specs.check_insight)
        writes.require_account_currency(session, "daily_insights", clean)
        return writes.write(session, DailyInsight, clean, ["level", "object_id", "date"])

    def upsert_lifetime_insights(self, session: Session, rows: Rows) -> int:
        """Lifetime totals by (level, object_id), for sources without a daily breakdown."""
        name = "lifetime_insights"
        clean = validate_rows(name, specs.LIFETIME_INSIGHT, rows, specs.check_insight)
        writes.require_account_currency(session, name, clean)
        return writes.write(session, LifetimeInsight, clean, ["level", "object_id"])

    # -- sync runs ----------------------------------------------------------------------------

    def start_sync_run(
        self, account_id: str, since: date | None = None, until: date | None = None
    ) -> int:
        """Record a sync as running (committed at once) and return its id."""
        run = SyncRun(account_id=account_id, since=since, until=until)
        with self._reader() as session, session.begin():
            session.add(run)
            session.flush()
            assert run.id is not None
            return run.id

    def finish_sync_run(
        self,
        run_id: int,
        *,
        ok: bool,
        api_calls: int = 0,
        rows: int = 0,
        error: str | None = None,
    ) -> SyncRun:
        """Close a run as succeeded (``ok``) or failed, with its counts; committed on its own."""
        with self._reader() as session, session.begin():
            run = session.get(SyncRun, run_id)
            if run is None:
                raise InputError(f"run_id: no sync run {run_id}")
            if run.status != SyncStatus.RUNNING.value:
                raise InputError(f"run_id: sync run {run_id} already finished ({run.status})")
            run.status = (SyncStatus.SUCCEEDED if ok else SyncStatus.FAILED).value
            run.finished_at = utcnow()
            run.api_calls = api_calls
            run.rows_written = rows
            run.error = error
            return run

    def last_synced_until(self, account_id: str) -> date | None:
        """The last day covered by the latest succeeded sync of ``account_id`` (None if never synced)."""
        table = table_of(SyncRun)
        stmt = select(func.max(table.c.until)).where(
            table.c.account_id == account_id, table.c.status == SyncStatus.SUCCEEDED.value
        )
        with self._reader() as session:
            value = session.scalar(stmt)
        return value if isinstance(value, date) else None

    def sync_runs(self, account_id: str | None = None) -> list[SyncRun]:
        """Sync runs, newest first."""
        table = table_of(SyncRun)
        stmt = select(SyncRun).order_by(table.c.id.desc())
        if account_id is not None:
            stmt = stmt.where(table.c.account_id == account_id)
        with self._reader() as session:
            return list(session.scalars(stmt))

    # -- readers ------------------------------------------------------------------------------

    def accounts(self) -> list[Account]:
        """Every stored account, by id."""
        with self._reader() as session:
            return list(session.scalars(select(Account).order_by(table_of(Account).c.id)))

    def account(self, account_id: str) -> Account | None:
        """One account, or None."""
        with self._reader() as session:
            return session.get(Account, account_id)

    def campaigns(self, account_id: str) -> list[Campaign]:
        """One account's campaigns, by id."""
        return self._children(Campaign, account_id)

    def adsets(self, account_id: str) -> list[AdSet]:
        """One account's ad sets, by id."""
        return self._children(AdSet, account_id)

    def ads(self, account_id: str) -> list[Ad]:
        """One account's ads, by id."""
        return self._children(Ad, account_id)

    def creatives(self, account_id: str) -> list[Creative]:
        """One account's creatives, by id."""
        return self._children(Creative, account_id)

    def _children(self, model: type[Any], account_id: str) -> list[Any]:
        table = table_of(model)
        stmt = select(model).where(table.c.account_id == account_id).order_by(table.c.id)
        with self._reader() as session:
            return list(session.scalars(stmt))

    def count(self, model: type[SQLModel]) -> int:
        """Rows in ``model``'s table (for checks and benchmarks)."""
        with self._reader() as session:
            return int(session.scalar(select(func.count()).select_from(table_of(model))) or 0)

    def insights_frame(
        self,
        account_id: str,
        level: str = "adset",
        since: date | None = None,
        until: date | None = None,
    ) -> pd.DataFrame:
        """Stored daily insights of one account at ``level`` (money as exact Decimal)."""
        with self._reader() as session:
            return frames.insights_frame(session, account_id, level, since, until)

    def lifetime_insights(self, account_id: str, level: str = "ad") -> list[LifetimeInsight]:
        """Stored lifetime totals of one account at ``level``, by object id."""
        table = table_of(LifetimeInsight)
        stmt = (
            select(LifetimeInsight)
            .where(table.c.account_id == account_id, table.c.level == level)
            .order_by(table.c.object_id)
        )
        with self._reader() as session:
            return list(session.scalars(stmt))

    def lifetime_frame(self, account_id: str, level: str = "ad") -> pd.DataFrame:
        """Stored lifetime totals of one account at ``level`` as a frame (money as exact Decimal)."""
        with self._reader() as session:
            return frames.lifetime_frame(session, account_id, level)

    def history(
        self, account_id: str, since: date | None = None, until: date | None = None
    ) -> pd.DataFrame:
        """The allocator's input: one row per ad set and day (see :func:`frames.history`)."""
        with self._reader() as session:
            return frames.history(session, account_id, since, until)

    # -- audit log ----------------------------------------------------------------------------

    def record_audit(
        self,
        session: Session,
        *,
        run_id: str,
        account_id: str,
        object_type: str,
        object_id: str,
        field: str,
        before: str | int | None,
        after: str | int | None,
        actor: str,
        reason: str | None = None,
        status: AuditStatus | str = AuditStatus.PLANNED,
    ) -> AuditEntry:
        """Plan a change, or get back the entry this run already has for it (see :func:`audit.record`)."""
        return audit.record(
            session,
            run_id=run_id,
            account_id=account_id,
            object_type=object_type,
            object_id=object_id,
            field=field,
            before=before,
            after=after,
            actor=actor,
            reason=reason,
            status=status,
        )

    def update_audit_status(
        self,
        session: Session,
        entry_id: int,
        status: AuditStatus | str,
        *,
        api_response: str | None = None,
        applied_at: datetime | None = None,
    ) -> AuditEntry:
        """Move an entry along the allowed transitions (see :func:`audit.update_status`)."""
        return audit.update_status(
            session, entry_id, status, api_response=api_response, applied_at=applied_at
        )

    def audit_entries(
        self, run_id: str | None = None, account_id: str | None = None
    ) -> list[AuditEntry]:
        """Audit entries, oldest first, optionally of one run or one account."""
        table = table_of(AuditEntry)
        stmt = select(AuditEntry).order_by(table.c.id)
        if run_id is not None:
            stmt = stmt.where(table.c.run_id == run_id)
        if account_id is not None:
            stmt = stmt.where(table.c.account_id == account_id)
        with self._reader() as session:
            return list(session.scalars(stmt))

    # -- experiments ---------------------------------------------------------------------------

    def experiment_object_ids(
        self, account_id: str, statuses: Iterable[str] = LIVE_EXPERIMENT_STATUSES
    ) -> set[str]:
        """Ad set and campaign ids that arms of ``account_id``'s live experiments run on.

        Their budgets belong to the experiment (its traffic split), so the nightly allocation and hand
        edits must leave them alone until the experiment ends.
        """
        arms, runs = table_of(ExperimentArm), table_of(Experiment)
        stmt = (
            select(arms.c.adset_id, arms.c.campaign_id)
            .join(runs, runs.c.id == arms.c.experiment_id)
            .where(runs.c.account_id == account_id, runs.c.status.in_(list(statuses)))
        )
        with self._reader() as session:
            return {str(v) for row in session.execute(stmt) for v in row if v is not None}
