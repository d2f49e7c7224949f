"""The ``adpilot`` command line: each command parses, calls one library function and prints."""

from __future__ import annotations

import json
import logging
import sys
import warnings
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, Literal, cast

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from experiments.cli import app as experiment_app
from optimizer.cli_support import (
    Account,
    AsJson,
    Db,
    Sandbox,
    err,
)
from optimizer.cli_support import failures as _failures
from optimizer.cli_support import parse_day as _day
from optimizer.cli_support import settings_for as _settings
from optimizer.config import Settings
from optimizer.errors import InputError
from optimizer.sandbox.cli import app as sandbox_app

if TYPE_CHECKING:
    from budgets import BudgetPolicy
    from optimizer.models import ModelConfig

app = typer.Typer(
    name="adpilot",
    help="Meta ads optimizer: sync, Bayesian budget allocation, experiments, dashboard.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(experiment_app, name="experiment")


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


@app.command("import-csv")
def import_csv_command(
    paths: Annotated[
        list[str], typer.Argument(help="CSV files (or 'bundled' for the shipped examples).")
    ],
    missing: Annotated[
        str, typer.Option(help="A/B rows missing metrics: error, skip or keep (spend only).")
    ] = "error",
    account: Account = None,
    currency: Annotated[str, typer.Option(help="Currency of the Kaggle conversion file.")] = "USD",
    db: Db = None,
    as_json: AsJson = False,
) -> None:
    """Import ad data that did not come from the API (Kaggle conversion file, A/B campaign pair)."""
    from pathlib import Path

    from optimizer.importers import BUNDLED, bundled, import_csv
    from optimizer.importers.ab_campaigns import MissingMetricsWarning
    from optimizer.store import Store

    with _failures():
        if missing not in ("error", "skip", "keep"):
            raise InputError(f"--missing: must be error, skip or keep, got {missing!r}")
        files = [bundled(n) for n in BUNDLED] if paths == ["bundled"] else [Path(p) for p in paths]
        settings = _settings(db, None)
        with Store(settings.db) as store, warnings.catch_warnings():
            # each report lists its missing-metric warnings; they are printed below
            warnings.simplefilter("ignore", MissingMetricsWarning)
            reports = import_csv(
                store,
                files,
                missing=cast(Literal["error", "skip", "keep"], missing),  # checked above
                account_id=account,
                currency=currency,
            )
    if as_json:
        typer.echo(json.dumps([r.__dict__ for r in reports], indent=2, default=str))
        return
    for report in reports:
        err.print(str(report), highlight=False)
        for warning in report.warnings:
            err.print(f"[yellow]warning:[/] {warning}", highlight=False)


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
                    result.db_url,
                    dashboard_port,
                    result.sandbox_url,
                    say=lambda m: err.print(m, highlight=False),
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


PolicyFile = Annotated[
    str | None,
    typer.Option("--policy", help="Budget policy file (.toml/.yaml); default: keep the total."),
]
AsOf = Annotated[str | None, typer.Option("--as-of", help="The night to run for (YYYY-MM-DD).")]


def _policy(path: str | None) -> BudgetPolicy | None:
    from budgets import BudgetPolicy

    return None if path is None else BudgetPolicy.from_file(path)


def _tuned(path: str | None) -> tuple[BudgetPolicy | None, ModelConfig | None]:
    """The policy file, with the knobs of ``adpilot tune`` when its ``<policy>.tuned.toml`` exists."""
    from pathlib import Path

    from optimizer.tuning import apply_knobs, read_tuned, tuned_path

    policy = _policy(path)
    if path is None or policy is None or not tuned_path(Path(path)).exists():
        return policy, None
    knobs = read_tuned(tuned_path(Path(path)))
    err.print(f"tuned knobs from {tuned_path(Path(path))}", highlight=False)
    return apply_knobs(policy, knobs), knobs.model


def _connected(db: str | None, sandbox: str | None, account: str | None) -> tuple[Any, Any, str]:
    """Settings, an API client and the account to work on."""
    from optimizer.meta.connect import connect, pick_account

    settings = _settings(db, sandbox)
    client = connect(settings)
    return settings, client, pick_account(client, account)


def _tonight(settings: Settings, client: Any, account_id: str, as_of: str | None) -> date:
    """--as-of, else the sandbox's day, else today where the account lives."""
    from optimizer.meta.connect import sandbox_today
    from optimizer.sync.window import account_today

    day = _day(as_of, "--as-of")
    if day is not None:
        return day
    if settings.sandbox_url:
        return sandbox_today(settings.sandbox_url)
    return account_today(str(client.account(account_id).get("timezone_name") or "UTC"))


@app.command()
def nightly(
    account: Account = None,
    sandbox: Sandbox = None,
    db: Db = None,
    policy: PolicyFile = None,
    as_of: AsOf = None,
    apply: Annotated[
        bool, typer.Option("--apply", help="Push the changes (default: dry run).")
    ] = False,
    as_json: AsJson = False,
    accounts: Annotated[
        str | None,
        typer.Option(
            "--accounts",
            help="File of account ids (one a line): run them all on Dask.",
            metavar="FILE",
        ),
    ] = None,
    all_accounts: Annotated[
        bool, typer.Option("--all-accounts", help="Run every account the token sees, on Dask.")
    ] = False,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            envvar="ADPILOT_DASK_SCHEDULER",
            help="Dask scheduler (tcp://HOST:8786); default: a LocalCluster here.",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers", min=1, help="LocalCluster worker processes (default: one per core)."
        ),
    ] = None,
    app_calls_per_hour: Annotated[
        int | None,
        typer.Option(
            "--app-calls-per-hour", min=1, help="App-level call budget shared by all workers."
        ),
    ] = None,
) -> None:
    """Sync, fit, allocate, check and audit tonight's budgets; --apply pushes them. Exit 2 if any failed.

    With --accounts FILE or --all-accounts, every account runs as a Dask task (one table row each).
    """
    from optimizer.nightly import run_nightly

    if accounts is not None or all_accounts:
        _nightly_fleet(
            accounts, all_accounts, sandbox=sandbox, db=db, policy=policy, as_of=as_of,
            apply=apply, as_json=as_json, scheduler=scheduler, workers=workers,
            app_calls_per_hour=app_calls_per_hour, single=account,
        )  # fmt: skip
        return
    from optimizer.store import Store
    from optimizer.tables import nightly_table

    with _failures():
        settings, client, account_id = _connected(db, sandbox, account)
        night = _tonight(settings, client, account_id, as_of)
        tuned_policy, tuned_model = _tuned(policy)
        with Store(settings.db) as store, Progress(
            SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
            console=err, transient=True,
        ) as progress:  # fmt: skip
            task = progress.add_task(f"nightly {account_id} {night}")
            report = run_nightly(
                client, store, account_id, as_of=night, policy=tuned_policy, apply=apply,
                model_config=tuned_model,
                progress=lambda stage: progress.update(task, description=f"{account_id}: {stage}"),
            )  # fmt: skip
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2))
    else:
        mode = "applied" if apply else "dry run: nothing sent"
        Console().print(nightly_table(report.rows, f"{report.run_id} ({mode})"))
        counts = ", ".join(f"{n} {status}" for status, n in sorted(report.counts().items()))
        err.print(f"{report.run_id}: {counts or 'no changes'}", highlight=False)
        for failure in report.push.failures if report.push else []:
            err.print(f"[red]failed:[/] {failure}", highlight=False)
    if not report.ok:
        raise typer.Exit(2)


def _nightly_fleet(
    accounts: str | None,
    all_accounts: bool,
    *,
    sandbox: str | None,
    db: str | None,
    policy: str | None,
    as_of: str | None,
    apply: bool,
    as_json: bool,
    scheduler: str | None,
    workers: int | None,
    app_calls_per_hour: int | None,
    single: str | None,
) -> None:
    """`nightly --accounts FILE | --all-accounts`: the fan-out on Dask, one row per account."""
    from contextlib import ExitStack

    from rich.progress import BarColumn, MofNCompleteColumn

    from optimizer.fleet import (
        AccountJob,
        InProcess,
        OnDask,
        dask_client,
        read_account_file,
        require_postgres,
        run_fleet,
        visible_accounts,
    )
    from optimizer.fleet.table import fleet_table
    from optimizer.meta.connect import connect, sandbox_today

    with _failures():
        if single is not None or (accounts is not None and all_accounts):
            raise InputError("nightly: give one of --account, --accounts FILE or --all-accounts")
        settings = _settings(db, sandbox)
        address = scheduler or None  # typer reads $ADPILOT_DASK_SCHEDULER too
        require_postgres(settings.db, workers, address)
        ids = read_account_file(accounts) if accounts else visible_accounts(connect(settings))
        night = _day(as_of, "--as-of")
        if night is None and settings.sandbox_url:
            night = sandbox_today(settings.sandbox_url)
        rules = _policy(policy)
        jobs = [
            AccountJob(
                account_id, night, settings.db, settings.sandbox_url, policy=rules,
                apply=apply, app_calls_per_hour=app_calls_per_hour,
                budget_name=f"nightly-{night or 'today'}",
            )
            for account_id in ids
        ]  # fmt: skip
        with ExitStack() as stack:
            if address is None and workers == 1:
                executor: Any = InProcess()
                stack.callback(executor.close)
            else:
                client, link = stack.enter_context(dask_client(address, workers))
                executor = OnDask(client)
                where = f"LocalCluster dashboard: {link}" if link else f"scheduler {address}"
                err.print(f"{len(jobs)} accounts on {executor.workers} worker(s); {where}")
            progress = stack.enter_context(
                Progress(
                    SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                    MofNCompleteColumn(), TimeElapsedColumn(), console=err, transient=True,
                )
            )  # fmt: skip
            task = progress.add_task("nightly", total=len(jobs))

            def tell(row: Any, final: bool) -> None:
                verb = row.status.value if final else f"{row.status.value}, back later"
                progress.update(
                    task, advance=1 if final else 0, description=f"{row.account_id}: {verb}"
                )

            report = run_fleet(executor, jobs, progress=tell)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2))
    else:
        mode = "applied" if apply else "dry run: nothing sent"
        Console().print(fleet_table(report, f"nightly {night or 'today'} ({mode})"))
    if not report.ok:
        raise typer.Exit(2)


@app.command()
def recommend(
    account: Account = None,
    db: Db = None,
    policy: PolicyFile = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="Recommend for this day; default the day after the last sync."
        ),
    ] = None,
    as_json: AsJson = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV on stdout.")] = False,
) -> None:
    """Print tomorrow's recommended budgets from the store (no API calls); --json/--csv feed `apply`."""
    from datetime import timedelta

    from optimizer.nightly import recommend as make
    from optimizer.nightly import run_id_for
    from optimizer.store import Store
    from optimizer.tables import recommendation_csv, recommendation_json, recommendation_table

    with _failures():
        settings = _settings(db, None)
        with Store(settings.db) as store:
            known = [a.id for a in store.accounts()]
            account_id = account or (known[0] if len(known) == 1 else None)
            if account_id is None:
                raise InputError(f"--account is needed: the store holds {len(known)} accounts")
            if not account_id.startswith("act_"):
                account_id = f"act_{account_id}"
            day = _day(as_of, "--as-of")
            if day is None:
                last = store.last_synced_until(account_id)
                if last is None:
                    raise InputError(f"--account: {account_id} was never synced; run adpilot sync")
                day = last + timedelta(days=1)
            rec = make(store, account_id, as_of=day, policy=_policy(policy))
    run_id = run_id_for(account_id, day)
    if as_json:
        typer.echo(
            recommendation_json(rec.table, account_id, rec.currency, day.isoformat(), run_id)
        )
    elif as_csv:
        typer.echo(recommendation_csv(rec.table, account_id), nl=False)
    else:
        Console().print(recommendation_table(rec.table, rec.currency))


@app.command("apply")
def apply_command(
    file: Annotated[
        str | None,
        typer.Argument(help="An approved set: the JSON or CSV `adpilot recommend` printed."),
    ] = None,
    run: Annotated[
        str | None, typer.Option("--run", help="Push a planned run instead (e.g. a dry run).")
    ] = None,
    account: Account = None,
    sandbox: Sandbox = None,
    db: Db = None,
    policy: PolicyFile = None,
    as_json: AsJson = False,
) -> None:
    """Apply an approved recommendation set (all or nothing, through the guardrails) or a planned run."""
    from pathlib import Path

    from optimizer.apply import push
    from optimizer.apply.approved import apply_approved, approved_run_id, read_approved
    from optimizer.store import Store

    with _failures():
        if (file is None) == (run is None):
            raise InputError("apply: give either FILE or --run RUN_ID")
        with Store(_settings(db, sandbox).db) as store:
            if run is not None:
                entries = store.audit_entries(run_id=run)
                if not entries:
                    raise InputError(f"--run: no audit entries for run {run!r}")
                settings, client, account_id = _connected(db, sandbox, entries[0].account_id)
                report = push(client, store, run, account_id)
            else:
                table, named, digest = read_approved(Path(str(file)))
                settings, client, account_id = _connected(db, sandbox, account or named)
                report = apply_approved(
                    client, store, table, account_id, approved_run_id(account_id, digest),
                    policy=_policy(policy),
                )  # fmt: skip
    _print_push(report, as_json)


@app.command()
def rollback(
    run_id: Annotated[str, typer.Argument(help="The run whose applied changes to restore.")],
    sandbox: Sandbox = None,
    db: Db = None,
    as_json: AsJson = False,
) -> None:
    """Restore the budgets and bids a run changed (audited as its own run, rollback-RUN_ID)."""
    from optimizer.apply import rollback as roll_back
    from optimizer.store import Store

    with _failures():
        with Store(_settings(db, sandbox).db) as store:
            entries = store.audit_entries(run_id=run_id)
            if not entries:
                raise InputError(f"RUN_ID: no audit entries for run {run_id!r}")
            settings, client, _ = _connected(db, sandbox, entries[0].account_id)
            report = roll_back(client, store, run_id)
    _print_push(report, as_json)


def _print_push(report: Any, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2))
    else:
        typer.echo(
            f"{report.run_id}: {report.applied} applied, {report.failed} failed, "
            f"{report.skipped} skipped, {report.already} already applied"
        )
        for failure in report.failures:
            err.print(f"[red]failed:[/] {failure}", highlight=False)
    if not report.ok:
        raise typer.Exit(2)


@app.command()
def tune(
    trials: Annotated[
        int, typer.Option("--trials", min=1, help="Trials to add to the study.")
    ] = 20,
    db: Db = None,
    sandbox: Annotated[
        bool,
        typer.Option("--sandbox", help="Score knobs in the sandbox's closed loop (true profit)."),
    ] = False,
    account: Annotated[
        str | None,
        typer.Option("--account", help="Score model knobs on this account's stored history."),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Sampler seed.")] = 0,
    study: Annotated[
        str | None, typer.Option("--study", help="Study name (resumed if it exists).")
    ] = None,
    days: Annotated[int, typer.Option("--days", min=1, help="Sandbox: nights per run.")] = 30,
    seeds: Annotated[
        str, typer.Option("--seeds", help="Sandbox: market seeds, comma-separated.")
    ] = "1",
    scenarios: Annotated[
        str, typer.Option("--scenarios", help="Sandbox: scenarios, comma-separated.")
    ] = "steady",
    policy: PolicyFile = None,
    out: Annotated[
        str | None,
        typer.Option(
            "--out", help="Tuned knobs file (default: <policy>.tuned.toml).", metavar="FILE"
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers", min=1, help="Run trials on this many Dask workers (PostgreSQL --db)."
        ),
    ] = 1,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            envvar="ADPILOT_DASK_SCHEDULER",
            help="Run trials on an existing Dask cluster (tcp://HOST:8786).",
        ),
    ] = None,
) -> None:
    """Tune the policy's own knobs with Optuna by backtesting; the study is kept beside --db.

    --sandbox scores every knob by true profit in the closed loop; --account scores the model's knobs by
    rolling-origin forecasts on the stored history (true profit is unknowable there). Writes the best knobs
    to <policy>.tuned.toml (or --out), which ``adpilot nightly --policy`` then uses.
    """
    from pathlib import Path

    from optimizer.backtest import SCENARIOS
    from optimizer.tuning import RollingOrigin, SandboxLoop, tuned_path, write_tuned
    from optimizer.tuning import tune as run_tune

    with _failures():
        if sandbox == (account is not None):
            raise InputError("tune: give exactly one of --sandbox or --account")
        settings = _settings(db, None)
        objective: Any
        if sandbox:
            names = tuple(s.strip() for s in scenarios.split(",") if s.strip())
            unknown = [n for n in names if n not in SCENARIOS]
            if unknown or not names:
                raise InputError(
                    f"--scenarios: {', '.join(unknown) or 'none'} not in {', '.join(SCENARIOS)}"
                )
            try:
                market_seeds = tuple(int(s) for s in seeds.split(","))
            except ValueError as error:
                raise InputError(f"--seeds: {seeds!r} is not a list of integers") from error
            objective = SandboxLoop(scenarios=names, seeds=market_seeds, days=days)
            name = study or f"tune-sandbox-{'-'.join(names)}-{days}d"
        else:
            from optimizer.store import Store

            assert account is not None
            with Store(settings.db) as store:
                history = store.history(account)
            if history.empty:
                raise InputError(
                    f"--account: no stored history for {account} in {settings.db} (sync first)"
                )
            objective = RollingOrigin(history)
            name = study or f"tune-{account}"
        if workers > 1 or scheduler is not None:
            from optimizer.fleet import dask_client
            from optimizer.fleet.lock import require_postgres
            from optimizer.tuning import tune_on_cluster

            require_postgres(settings.db, workers, scheduler)
            with dask_client(scheduler, workers) as (cluster, link):
                if link:
                    err.print(f"Dask dashboard: {link}", highlight=False)
                result = tune_on_cluster(
                    objective, cluster, trials=trials, workers=workers, db_url=settings.db,
                    study_name=name, seed=seed, policy_knobs=sandbox,
                )  # fmt: skip
        else:
            result = run_tune(
                objective, trials=trials, db_url=settings.db, study_name=name, seed=seed,
                policy_knobs=sandbox,
                on_trial=lambda number, value: err.print(
                    f"trial {number}: {value:.4f}", highlight=False
                ),
            )  # fmt: skip
        target = Path(out) if out else tuned_path(Path(policy) if policy else None)
        write_tuned(
            target, result.knobs,
            {"name": name, "objective": objective.direction + " " + type(objective).__name__,
             "value": result.best_value, "trials": result.trials},
        )  # fmt: skip
    what = "share of the oracle's profit" if sandbox else "RMS log error of 7-day conversions"
    typer.echo(f"study {name}: {result.trials} trials; best {what} {result.best_value:.4f}")
    if result.default_value is not None:
        typer.echo(f"  defaults scored {result.default_value:.4f}")
    for key, value in sorted(result.best_params.items()):
        typer.echo(f"  {key} = {value:.4g}")
    typer.echo(f"written to {target}")


@app.command()
def version() -> None:
    """Print adpilot's version."""
    from importlib.metadata import version as dist_version

    typer.echo(dist_version("adpilot"))


if __name__ == "__main__":  # pragma: no cover
    app()
