"""The ``adpilot`` command line: each command parses, calls one library function and prints."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from optimizer.config import Settings
from optimizer.errors import AdpilotError, InputError
from optimizer.sandbox.cli import app as sandbox_app

app = typer.Typer(
    name="adpilot",
    help="Meta ads optimizer: sync, Bayesian budget allocation, experiments, dashboard.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(sandbox_app, name="sandbox")


err = Console(stderr=True)

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


def _settings(db: str | None, sandbox: str | None) -> Settings:
    overrides: dict[str, str] = {}
    if db:
        overrides["db"] = db if "://" in db else f"sqlite:///{db}"
    if sandbox:
        overrides["sandbox_url"] = sandbox
    return Settings(**overrides)  # type: ignore[arg-type]


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option}: {value!r} is not a date (YYYY-MM-DD)") from None


@contextmanager
def _failures() -> Iterator[None]:
    """adpilot's own errors end the command with their message and exit code 1, not a traceback."""
    try:
        yield
    except AdpilotError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(1) from None


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log more.")] = False,
) -> None:
    """Meta ads optimizer: sync, Bayesian budget allocation, experiments, dashboard."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


@app.command()
def sync(
    account: Account = None,
    since: Annotated[str | None, typer.Option(help="First day (YYYY-MM-DD).")] = None,
    until: Annotated[
        str | None, typer.Option(help="Last day (YYYY-MM-DD); default yesterday.")
    ] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Treat this day as today.")] = None,
    lookback: Annotated[int, typer.Option(help="Days re-pulled each run (restatements).")] = 28,
    db: Db = None,
    sandbox: Sandbox = None,
    as_json: AsJson = False,
) -> None:
    """Pull entities and daily insights (ad set and ad level) into the store."""
    from optimizer.meta.connect import connect, pick_account, sandbox_today
    from optimizer.store import Store
    from optimizer.sync.run import sync_account

    with _failures():
        settings = _settings(db, sandbox)
        client = connect(settings)
        account_id = pick_account(client, account)
        today = _day(as_of, "--as-of")
        if today is None and settings.sandbox_url:
            today = sandbox_today(settings.sandbox_url)
        with Store(settings.db) as store, Progress(
            SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
            console=err, transient=True,
        ) as progress:  # fmt: skip
            task = progress.add_task(f"syncing {account_id}")

            def tell(stage: str, rows: int) -> None:
                progress.update(task, description=f"{account_id}: {stage} ({rows:,} rows)")

            report = sync_account(
                client,
                store,
                account_id,
                since=_day(since, "--since"),
                until=_day(until, "--until"),
                today=today,
                lookback_days=lookback,
                progress=tell,
            )
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2))
        return
    rows = sum(report.insight_rows.values())
    err.print(
        f"synced {report.account_id} {report.since}..{report.until}: "
        f"{report.entities.get('adsets', 0)} ad sets, {report.entities.get('ads', 0)} ads, "
        f"{rows:,} insight rows; {report.http_calls} API calls, {report.pages} pages, "
        f"{report.report_runs} report runs; conversions = {report.purchase_action}",
        highlight=False,
    )


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Sandbox port on 127.0.0.1.")] = 8765,
    seed: Annotated[int, typer.Option(help="Seed of the sandbox market.")] = 7,
    data_dir: Annotated[str, typer.Option(help="Where the demo database lives.")] = ".adpilot",
    dashboard_port: Annotated[int, typer.Option(help="Dashboard port on 127.0.0.1.")] = 8501,
    nights: Annotated[int, typer.Option(help="Simulated nightly runs before the dashboard.")] = 7,
    no_dashboard: Annotated[bool, typer.Option(help="Stop after the nightly runs.")] = False,
) -> None:
    """Everything on one machine: sandbox, sync, nightly runs, then the dashboard (what `make run` does)."""
    from pathlib import Path

    from optimizer.demo import prepare, serve_dashboard

    with _failures():
        server, result = prepare(
            Path(data_dir),
            port=port,
            seed=seed,
            nights=nights,
            say=lambda m: err.print(m, highlight=False),
        )
        try:
            if not no_dashboard:
                serve_dashboard(
                    result.db_url, dashboard_port, say=lambda m: err.print(m, highlight=False)
                )
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()


@app.command()
def dashboard(
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8501,
    address: Annotated[
        str, typer.Option(help="Address to bind; 127.0.0.1 keeps it on this machine.")
    ] = "127.0.0.1",
    db: Db = None,
    sandbox: Sandbox = None,
    policy: Annotated[
        str | None, typer.Option(help="Budget policy file (TOML/YAML) for recommendations.")
    ] = None,
) -> None:
    """Serve the Streamlit dashboard (set ADPILOT_DASHBOARD_PASSWORD to require a password)."""
    import subprocess

    from dashboard.launch import streamlit_command

    settings = _settings(db, sandbox)
    command = streamlit_command(
        port=port, address=address, db=settings.db, sandbox=settings.sandbox_url, policy=policy
    )
    err.print(f"dashboard: http://{address}:{port}  ({settings.db})", highlight=False)
    try:
        raise typer.Exit(subprocess.call(command))
    except KeyboardInterrupt:
        pass


@app.command()
def version() -> None:
    """Print adpilot's version."""
    from importlib.metadata import version as dist_version

    typer.echo(dist_version("adpilot"))


if __name__ == "__main__":  # pragma: no cover
    app()
