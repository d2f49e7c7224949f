"""How the recommendation and nightly commands print: rich tables for people, JSON and CSV for machines.

``recommend --json``/``--csv`` write exactly what ``adpilot apply FILE`` reads back (the approval loop), so
the columns named in :data:`APPROVAL_COLUMNS` are a contract between the two commands.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pandas as pd
from rich.table import Table

#: What ``apply FILE`` needs of each row (the other columns are for the reader).
APPROVAL_COLUMNS = [
    "budget_id", "level", "campaign_id", "current_budget", "recommended_budget", "current_bid",
    "recommended_bid",
]  # fmt: skip


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "item"):
        return value.item()
    return value


def recommendation_records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain JSON values (money as decimal strings, never floats)."""
    return [{str(k): _plain(v) for k, v in row.items()} for row in table.to_dict(orient="records")]


def recommendation_json(
    table: pd.DataFrame, account_id: str, currency: str, as_of: str, run_id: str
) -> str:
    body = {
        "account_id": account_id,
        "currency": currency,
        "as_of": as_of,
        "run_id": run_id,
        "recommendations": recommendation_records(table),
    }
    return json.dumps(body, indent=2)


def recommendation_csv(table: pd.DataFrame, account_id: str) -> str:
    frame = pd.DataFrame(recommendation_records(table), columns=list(table.columns))
    frame.insert(0, "account_id", account_id)
    return str(frame.to_csv(index=False))


def _money(value: Any) -> str:
    value = _plain(value)
    return "" if value is None else str(value)


def recommendation_table(table: pd.DataFrame, currency: str) -> Table:
    out = Table(title=f"Recommended daily budgets ({currency})", show_lines=False)
    for name, justify in (
        ("object", "left"), ("level", "left"), ("current", "right"), ("recommended", "right"),
        ("change", "right"), ("exp. conv. (90%)", "right"), ("exp. revenue (90%)", "right"),
        ("bid", "right"), ("reason", "left"),
    ):  # fmt: skip
        out.add_column(name, justify=justify)  # type: ignore[arg-type]
    for row in table.itertuples(index=False):
        now, new = Decimal(str(row.current_budget)), Decimal(str(row.recommended_budget))
        change = f"{(new - now) / now:+.0%}" if now else "new"
        bid = ""
        if _plain(row.recommended_bid) is not None:
            bid = f"{_money(row.current_bid)} -> {_money(row.recommended_bid)}"
        out.add_row(
            str(row.budget_id),
            str(row.level),
            _money(now),
            _money(new),
            change if new != now else "",
            f"{row.expected_conversions:.1f} ({row.expected_conversions_low:.1f}-"
            f"{row.expected_conversions_high:.1f})",
            f"{row.expected_revenue:,.0f} ({row.expected_revenue_low:,.0f}-"
            f"{row.expected_revenue_high:,.0f})",
            bid,
            str(row.reason),
        )
    return out


def nightly_table(rows: list[dict[str, Any]], title: str) -> Table:
    out = Table(title=title)
    for name in (
        "object",
        "level",
        "field",
        "current",
        "recommended",
        "approved",
        "status",
        "reason",
    ):
        out.add_column(name)
    for row in rows:
        out.add_row(
            row["object_id"], row["level"], row["field"], row["current"] or "",
            row["recommended"] or "", row["approved"] or "", row["status"], row["reason"] or "",
        )  # fmt: skip
    return out
