"""The store facade: one object the sync, the importers, the nightly job and the dashboard share.

Writes happen inside :meth:`Store.transaction` so a sync run is all or nothing: every ``upsert_*`` first
validates the whole batch (raising InputError naming the row and field before a single row is written),
checks that parents exist, then upserts in chunks. Readers open their own short sessions. Sync-run records
commit on their own, so a failed run is still recorded as failed after its data rolled back.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Table, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlmodel import SQLModel

from optimizer.config import default_db_url
from optimizer.errors import CurrencyError, InputError
from optimizer.store import frames, specs
from optimizer.store.audit import TRANSITIONS, AuditEntry, AuditStatus
from optimizer.store.dialect import insert_missing, make_engine, normalize_url, upsert
from optimizer.store.entities import Account, Ad, AdSet, Campaign, Creative
from optimizer.store.insights import DailyInsight, LifetimeInsight
from optimizer.store.rows import describe, validate_rows
from optimizer.store.runs import SyncRun, SyncStatus
from optimizer.store.types import utcnow

Rows = Iterable[Mapping[str, Any] | SQLModel]
_ID_CHUNK = 900


def _table(model: type[SQLModel]) -> Table:
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


class Store:
    """adpilot's database, chosen by URL (SQLite file by default, PostgreSQL by URL); tables made on open."""

    def __init__(self, url: str | None = None) -> None:
        self.url = normalize_url(url or default_db_url())
        self.engine: Engine = make_engine(self.url)
        SQLModel.metadata.create_all(self.engine)

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

        An account's currency never changes at Meta, and every stored amount is in it: a row that
        would change it is refused (CurrencyError) rather than silently re-denominating history.
        """
        clean = validate_rows("accounts", specs.ACCOUNT, rows)
        stored = self._existing(session, Account, {row["id"] for row in clean})
        for index, row in enumerate(clean, start=1):
            if row["id"] in stored and stored[row["id"]] != row["currency"]:
                raise CurrencyError(
                    f"{describe('accounts', index, row)}: currency: account is stored in "
                    f"{stored[row['id']]}, cannot change it to {row['currency']}"
                )
        return self._write(session, Account, clean, ["id"])

    def upsert_campaigns(self, session: Session, rows: Rows) -> int:
        """Campaigns by id (their account must be stored)."""
        clean = validate_rows("campaigns", specs.CAMPAIGN, rows)
        self._require(session, "campaigns", clean, "account_id", Account)
        return self._write(session, Campaign, clean, ["id"])

    def upsert_adsets(self, session: Session, rows: Rows) -> int:
        """Ad sets by id (account and campaign must be stored)."""
        clean = validate_rows("adsets", specs.ADSET, rows)
        self._require(session, "adsets", clean, "account_id", Account)
        self._require(session, "adsets", clean, "campaign_id", Campaign)
        return self._write(session, AdSet, clean, ["id"])

    def upsert_ads(self, session: Session, rows: Rows) -> int:
        """Ads by id (account, campaign and ad set must be stored)."""
        clean = validate_rows("ads", specs.AD, rows)
        self._require(session, "ads", clean, "account_id", Account)
        self._require(session, "ads", clean, "campaign_id", Campaign)
        self._require(session, "ads", clean, "adset_id", AdSet)
        return self._write(session, Ad, clean, ["id"])

    def upsert_creatives(self, session: Session, rows: Rows) -> int:
        """Creatives by id (their account must be stored)."""
        clean = validate_rows("creatives", specs.CREATIVE, rows)
        self._require(session, "creatives", clean, "account_id", Account)
        return self._write(session, Creative, clean, ["id"])

    def upsert_insights(self, session: Session, rows: Rows) -> int:
        """Daily insights by (level, object_id, date): a re-pulled day replaces the stored one (restatement).

        The account must be stored and the row's currency must be the account's. Campaign, ad set and ad
        ids are not foreign keys: Meta reports insights for objects deleted since.
        """
        clean = validate_rows("daily_insights", specs.DAILY_INSIGHT, rows, specs.check_insight)
        self._require_account_currency(session, "daily_insights", clean)
        return self._write(session, DailyInsight, clean, ["level", "object_id", "date"])

    def upsert_lifetime_insights(self, session: Session, rows: Rows) -> int:
        """Lifetime totals by (level, object_id), for sources without a daily breakdown."""
        clean = validate_rows(
            "lifetime_insights", specs.LIFETIME_INSIGHT, rows, specs.check_insight
        )
        self._require_account_currency(session, "lifetime_insights", clean)
        return self._write(session, LifetimeInsight, clean, ["level", "object_id"])

    def _write(
        self,
        session: Session,
        model: type[SQLModel],
        rows: Sequence[Mapping[str, Any]],
        keys: Sequence[str],
    ) -> int:
        seen: set[tuple[Any, ...]] = set()
        for index, row in enumerate(rows, start=1):
            key = tuple(row[name] for name in keys)
            if key in seen:
                raise InputError(
                    f"{describe(_table(model).name, index, row)}: duplicate key {dict(zip(keys, key, strict=True))} within one batch"
                )
            seen.add(key)
        try:
            return upsert(session, _table(model), rows, keys)
        except IntegrityError as exc:
            raise InputError(
                f"{_table(model).name}: rejected by the database: {exc.orig}"
            ) from None

    def _existing(self, session: Session, model: type[SQLModel], ids: set[str]) -> dict[str, Any]:
        table = _table(model)
        found: dict[str, Any] = {}
        wanted = sorted(ids)
        for start in range(0, len(wanted), _ID_CHUNK):
            chunk = wanted[start : start + _ID_CHUNK]
            columns = [table.c.id]
            if "currency" in table.c:
                columns.append(table.c.currency)
            for row in session.execute(select(*columns).where(table.c.id.in_(chunk))):
                found[row[0]] = row[1] if len(row) > 1 else None
        return found

    def _require(
        self,
        session: Session,
        name: str,
        rows: Sequence[Mapping[str, Any]],
        field: str,
        parent: type[SQLModel],
    ) -> dict[str, Any]:
        found = self._existing(session, parent, {row[field] for row in rows})
        for index, row in enumerate(rows, start=1):
            if row[field] not in found:
                raise InputError(
                    f"{describe(name, index, row)}: {field}: {row[field]!r} is not stored "
                    f"in {_table(parent).name} (upsert it first)"
                )
        return found

    def _require_account_currency(
        self, session: Session, name: str, rows: Sequence[Mapping[str, Any]]
    ) -> None:
        currencies = self._require(session, name, rows, "account_id", Account)
        for index, row in enumerate(rows, start=1):
            if row["currency"] != currencies[row["account_id"]]:
                raise CurrencyError(
                    f"{describe(name, index, row)}: currency: {row['currency']} is not the "
                    f"account's currency {currencies[row['account_id']]}"
                )

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
        table = _table(SyncRun)
        stmt = select(func.max(table.c.until)).where(
            table.c.account_id == account_id, table.c.status == SyncStatus.SUCCEEDED.value
        )
        with self._reader() as session:
            value = session.scalar(stmt)
        return value if isinstance(value, date) else None

    def sync_runs(self, account_id: str | None = None) -> list[SyncRun]:
        """Sync runs, newest first."""
        table = _table(SyncRun)
        stmt = select(SyncRun).order_by(table.c.id.desc())
        if account_id is not None:
            stmt = stmt.where(table.c.account_id == account_id)
        with self._reader() as session:
            return list(session.scalars(stmt))

    # -- readers ------------------------------------------------------------------------------

    def accounts(self) -> list[Account]:
        """Every stored account, by id."""
        with self._reader() as session:
            return list(session.scalars(select(Account).order_by(_table(Account).c.id)))

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
        table = _table(model)
        stmt = select(model).where(table.c.account_id == account_id).order_by(table.c.id)
        with self._reader() as session:
            return list(session.scalars(stmt))

    def count(self, model: type[SQLModel]) -> int:
        """Rows in ``model``'s table (for checks and benchmarks)."""
        with self._reader() as session:
            return int(session.scalar(select(func.count()).select_from(_table(model))) or 0)

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
        table = _table(LifetimeInsight)
        stmt = (
            select(LifetimeInsight)
            .where(table.c.account_id == account_id, table.c.level == level)
            .order_by(table.c.object_id)
        )
        with self._reader() as session:
            return list(session.scalars(stmt))

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
        """Plan a change, or return the entry already recorded for (run, object, field) untouched.

        Returning the earlier entry (with its status) is what lets a re-run see that a change was already
        applied and not apply it twice.
        """
        for name, value in (
            ("run_id", run_id),
            ("object_id", object_id),
            ("field", field),
            ("actor", actor),
        ):
            if not isinstance(value, str) or not value.strip():
                raise InputError(f"audit entry: {name}: must be non-empty text, got {value!r}")
        row = {
            "run_id": run_id,
            "account_id": account_id,
            "object_type": object_type,
            "object_id": object_id,
            "field": field,
            "before": None if before is None else str(before),
            "after": None if after is None else str(after),
            "reason": reason,
            "actor": actor,
            "status": AuditStatus(status).value,
            "api_response": None,
            "created_at": utcnow(),
            "applied_at": None,
        }
        insert_missing(session, _table(AuditEntry), row, ["run_id", "object_id", "field"])
        table = _table(AuditEntry)
        stmt = select(AuditEntry).where(
            table.c.run_id == run_id, table.c.object_id == object_id, table.c.field == field
        )
        return session.scalars(stmt).one()

    def update_audit_status(
        self,
        session: Session,
        entry_id: int,
        status: AuditStatus | str,
        *,
        api_response: str | None = None,
        applied_at: datetime | None = None,
    ) -> AuditEntry:
        """Move an entry along :data:`~optimizer.store.audit.TRANSITIONS`; refuses moves it does not allow."""
        new = AuditStatus(status)
        entry = session.get(AuditEntry, entry_id)
        if entry is None:
            raise InputError(f"audit entry: id: no entry {entry_id}")
        old = AuditStatus(entry.status)
        if new not in TRANSITIONS[old]:
            raise InputError(
                f"audit entry {entry_id}: status: cannot move from {old.value!r} to {new.value!r}"
            )
        entry.status = new.value
        if api_response is not None:
            entry.api_response = api_response
        if new is AuditStatus.APPLIED:
            entry.applied_at = applied_at or utcnow()
        session.flush()
        return entry

    def audit_entries(
        self, run_id: str | None = None, account_id: str | None = None
    ) -> list[AuditEntry]:
        """Audit entries, oldest first, optionally of one run or one account."""
        table = _table(AuditEntry)
        stmt = select(AuditEntry).order_by(table.c.id)
        if run_id is not None:
            stmt = stmt.where(table.c.run_id == run_id)
        if account_id is not None:
            stmt = stmt.where(table.c.account_id == account_id)
        with self._reader() as session:
            return list(session.scalars(stmt))
