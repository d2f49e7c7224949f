"""The write path's checks against what is already stored, then the upsert itself.

Validation (``rows.py``) checks each row alone; these checks need the database: the parent a row points to
must be stored (a clear InputError instead of a foreign-key failure mid-batch), an insight's currency must
be its account's, an account's currency never changes, and one batch may not carry the same key twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlmodel import SQLModel

from optimizer.errors import CurrencyError, InputError
from optimizer.store.dialect import upsert
from optimizer.store.entities import Account
from optimizer.store.rows import describe

#: Ids per ``IN (...)`` lookup: below SQLite's and PostgreSQL's bound-parameter limits.
ID_CHUNK = 900

Row = Mapping[str, Any]


def table_of(model: type[SQLModel]) -> Table:
    """The Core table behind a SQLModel table class."""
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


def write(session: Session, model: type[SQLModel], rows: Sequence[Row], keys: Sequence[str]) -> int:
    """Upsert validated ``rows`` by ``keys``; a key twice in one batch is refused (which would win?)."""
    name = table_of(model).name
    seen: set[tuple[Any, ...]] = set()
    for index, row in enumerate(rows, start=1):
        key = tuple(row[k] for k in keys)
        if key in seen:
            duplicate = dict(zip(keys, key, strict=True))
            raise InputError(
                f"{describe(name, index, row)}: duplicate key {duplicate} within one batch"
            )
        seen.add(key)
    try:
        return upsert(session, table_of(model), rows, keys)
    except IntegrityError as exc:
        raise InputError(f"{name}: rejected by the database: {exc.orig}") from None


def existing(session: Session, model: type[SQLModel], ids: set[str]) -> dict[str, Any]:
    """Which of ``ids`` are stored in ``model``'s table (mapped to their currency, if it has one)."""
    table = table_of(model)
    columns = [table.c.id, *([table.c.currency] if "currency" in table.c else [])]
    found: dict[str, Any] = {}
    wanted = sorted(ids)
    for start in range(0, len(wanted), ID_CHUNK):
        chunk = wanted[start : start + ID_CHUNK]
        for row in session.execute(select(*columns).where(table.c.id.in_(chunk))):
            found[row[0]] = row[1] if len(row) > 1 else None
    return found


def require(
    session: Session, name: str, rows: Sequence[Row], field: str, parent: type[SQLModel]
) -> dict[str, Any]:
    """Every row's ``field`` must name a stored ``parent``; returns what :func:`existing` found."""
    found = existing(session, parent, {row[field] for row in rows})
    for index, row in enumerate(rows, start=1):
        if row[field] not in found:
            raise InputError(
                f"{describe(name, index, row)}: {field}: {row[field]!r} is not stored "
                f"in {table_of(parent).name} (upsert it first)"
            )
    return found


def require_account_currency(session: Session, name: str, rows: Sequence[Row]) -> None:
    """Every row's account must be stored and the row's currency must be that account's."""
    currencies = require(session, name, rows, "account_id", Account)
    for index, row in enumerate(rows, start=1):
        if row["currency"] != currencies[row["account_id"]]:
            raise CurrencyError(
                f"{describe(name, index, row)}: currency: {row['currency']} is not the "
                f"account's currency {currencies[row['account_id']]}"
            )


def refuse_currency_change(session: Session, rows: Sequence[Row]) -> None:
    """Meta never changes an account's currency, and every stored amount is in it."""
    stored = existing(session, Account, {row["id"] for row in rows})
    for index, row in enumerate(rows, start=1):
        if row["id"] in stored and stored[row["id"]] != row["currency"]:
            raise CurrencyError(
                f"{describe('accounts', index, row)}: currency: account is stored in "
                f"{stored[row['id']]}, cannot change it to {row['currency']}"
            )
