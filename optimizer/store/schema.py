"""Creating the tables on open, and refusing a database whose tables are older than this code.

``create_all`` makes missing tables but never alters existing ones: a database written by an older adpilot
would fail later with an obscure SQL error on the first missing column. Comparing each table's columns with
the model's at open time turns that into one clear message naming the table and the columns.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from optimizer.errors import InputError
from optimizer.store.dialect import table_columns


def ensure_schema(engine: Engine) -> None:
    """Create missing tables; raise InputError if an existing table lacks columns the models need."""
    present = table_columns(engine)
    tables = SQLModel.metadata.sorted_tables
    absent = [table for table in tables if table.name not in present]
    if absent:
        SQLModel.metadata.create_all(engine, tables=absent)
    stale: list[str] = []
    for table in tables:
        if table.name in present:
            missing = [c.name for c in table.columns if c.name not in present[table.name]]
            if missing:
                stale.append(f"{table.name} lacks {', '.join(missing)}")
    if stale:
        url = engine.url.render_as_string(hide_password=True)
        raise InputError(
            f"database {url} was created by an older adpilot ({'; '.join(stale)}): "
            "point --db at a new file or database, or re-sync into a fresh one"
        )
