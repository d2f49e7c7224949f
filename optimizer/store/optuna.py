"""Where Optuna keeps its studies for an app database: beside it, never inside adpilot's own tables.

Optuna's RDB storage brings its own tables and an ``alembic_version`` table, so it gets a separate
database: for SQLite a sibling file ``<name>.optuna.db``; for PostgreSQL the schema ``optuna`` of the same
database (created if missing). Experiments (one study per experiment) and tuning (``adpilot tune``) both
open their studies through :func:`optuna_storage`.
"""

from __future__ import annotations

from pathlib import Path

from optuna.storages import BaseStorage, InMemoryStorage, RDBStorage
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from optimizer.errors import InputError

__all__ = ["OPTUNA_SCHEMA", "optuna_storage", "optuna_storage_url"]

OPTUNA_SCHEMA = "optuna"

_storages: dict[str, BaseStorage] = {}


def optuna_storage_url(db_url: str) -> str:
    """Where the Optuna studies of the app database ``db_url`` live (see the module docstring)."""
    url = make_url(db_url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        database = url.database or ""
        if not database or database == ":memory:":
            return "sqlite:///:memory:"
        path = Path(database).expanduser()
        return f"sqlite:///{path.with_name(path.stem + '.optuna.db')}"
    if backend == "postgresql":
        return url.render_as_string(hide_password=False)
    raise InputError(f"database URL {db_url!r}: Optuna storage needs SQLite or PostgreSQL")


def optuna_storage(db_url: str) -> BaseStorage:
    """The Optuna storage for app database ``db_url`` (cached per URL within the process)."""
    if db_url in _storages:
        return _storages[db_url]
    target = optuna_storage_url(db_url)
    storage: BaseStorage
    if target == "sqlite:///:memory:":
        storage = InMemoryStorage()
    elif make_url(target).get_backend_name() == "postgresql":
        engine = create_engine(target)
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{OPTUNA_SCHEMA}"'))
        engine.dispose()
        storage = RDBStorage(
            target,
            engine_kwargs={"connect_args": {"options": f"-c search_path={OPTUNA_SCHEMA}"}},
        )
    else:
        Path(make_url(target).database or ".").parent.mkdir(parents=True, exist_ok=True)
        storage = RDBStorage(target, engine_kwargs={"connect_args": {"timeout": 30.0}})
    _storages[db_url] = storage
    return storage
