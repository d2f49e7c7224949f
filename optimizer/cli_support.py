"""What every ``adpilot`` command set shares: the stderr console, the common options, settings from them,
date parsing, and turning adpilot's own errors into a message and exit code 1 (never a traceback)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated

import typer
from rich.console import Console

from optimizer.config import Settings
from optimizer.errors import AdpilotError, InputError

err = Console(stderr=True, soft_wrap=True)

Account = Annotated[str | None, typer.Option("--account", help="Ad account id (act_123...).")]
Db = Annotated[
    str | None,
    typer.Option("--db", help="Database URL or SQLite path (default ~/.adpilot/adpilot.db)."),
]
Sandbox = Annotated[
    str | None,
    typer.Option(
        "--sandbox", envvar="ADPILOT_SANDBOX_URL", help="Use the Graph API sandbox at this URL."
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print a JSON result on stdout.")]


def settings_for(db: str | None, sandbox: str | None) -> Settings:
    """Settings with ``--db`` (a URL, or a SQLite path) and ``--sandbox`` applied on top."""
    overrides: dict[str, str] = {}
    if db:
        overrides["db"] = db if "://" in db else f"sqlite:///{db}"
    if sandbox:
        overrides["sandbox_url"] = sandbox
    return Settings(**overrides)  # type: ignore[arg-type]


def parse_day(value: str | None, option: str) -> date | None:
    """A YYYY-MM-DD option value, or an InputError naming the option."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option}: {value!r} is not a date (YYYY-MM-DD)") from None


@contextmanager
def failures() -> Iterator[None]:
    """adpilot's own errors end the command with their message and exit code 1, not a traceback."""
    try:
        yield
    except AdpilotError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(1) from None
