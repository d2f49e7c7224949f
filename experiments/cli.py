"""``adpilot experiment``: create, status, step, stop, summary, list. Each command parses, calls one library
function and prints; errors end with their message and exit code 1."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from optimizer.cli_support import AsJson, Db, Sandbox, err
from optimizer.cli_support import failures as _failures
from optimizer.cli_support import settings_for as _settings
from optimizer.config import Settings
from optimizer.errors import AdpilotError, InputError

app = typer.Typer(
    help="CTA and creative experiments: arms as real ads, adaptive budgets, client summaries.",
    no_args_is_help=True,
    add_completion=False,
)
out = Console()

ExperimentId = Annotated[int, typer.Argument(help="The experiment's id (see `list`).")]


def _today(settings: Settings, client: Any, account_id: str) -> date:
    """The account's today: the sandbox's simulated day, or the date in the account's time zone."""
    from optimizer.meta.connect import sandbox_today
    from optimizer.sync.records import account_record
    from optimizer.sync.window import account_today

    if settings.sandbox_url:
        return sandbox_today(settings.sandbox_url)
    return account_today(account_record(client.account(account_id)).timezone_name)


def _account_of(store: Any, experiment_id: int) -> tuple[str, str]:
    from optimizer.store.experiments import Experiment

    with store.transaction() as session:
        experiment = session.get(Experiment, experiment_id)
        if experiment is None:
            raise InputError(f"experiment: no experiment with id {experiment_id}")
        return str(experiment.account_id), str(experiment.currency)


def _print_evaluation(evaluation: Any) -> None:
    from experiments.summary.content import Branding, build_summary, pct, signed_pct

    summary = build_summary(evaluation, Branding(), "", generated_on=date.today())
    table = Table(title=f"{summary.title}: {summary.metric.label}", show_lines=False)
    for column in ("arm", "impressions", "clicks", "purchases", "spend", summary.metric.label):
        table.add_column(column, justify="left" if column == "arm" else "right")
    for column in ("lift (95%)", "chance > control", "P(best)", "exp. loss"):
        table.add_column(column, justify="right")
    for a in summary.arms:
        lift = (
            f"{signed_pct(a.lift)} ({signed_pct(a.lift_low)}..{signed_pct(a.lift_high)})"
            if a.lift is not None and a.lift_low is not None and a.lift_high is not None
            else "–"
        )
        table.add_row(
            a.name
            + (" (control)" if a.is_control else "")
            + ("" if a.status in {"live", "concluded", "stopped"} else f" [{a.status}]"),
            f"{a.impressions:,}",
            f"{a.clicks:,}",
            f"{a.purchases:,}",
            f"{a.spend:.2f}",
            "–" if a.metric is None else f"{a.metric:.4g}",
            lift,
            "–" if a.chance_to_beat_control is None else pct(a.chance_to_beat_control),
            "–" if a.prob_best is None else pct(a.prob_best),
            "–" if a.expected_loss is None else f"{a.expected_loss:.2%}",
        )
    out.print(table)
    out.print(f"[bold]{summary.status_label}[/]: {summary.verdict}", highlight=False)
    for reason in summary.reasons:
        out.print(f"  rule: {reason}", highlight=False)


def _evaluation_json(evaluation: Any) -> dict[str, Any]:
    table = evaluation.table
    return {
        "status": evaluation.decision.status.value,
        "winner": evaluation.decision.winner,
        "reasons": list(evaluation.decision.reasons),
        "runtime_days": evaluation.runtime_days,
        "arms": [] if table is None else json.loads(table.to_json(orient="records")),
        "caveats": list(evaluation.caveats),
    }


@app.command()
def create(
    name: Annotated[str, typer.Option(help="What the test is called in reports.")],
    arms: Annotated[str, typer.Option(help="Arms as CTA:creative, comma-separated (2 to 12).")],
    control: Annotated[str, typer.Option(help="The control arm (name, CTA or creative).")],
    metric: Annotated[
        str,
        typer.Option(
            help="ctr, conversion_rate, cost_per_purchase, revenue_per_impression or roas."
        ),
    ],
    daily_budget: Annotated[
        str, typer.Option("--daily-budget", help="Total daily budget over all arms (e.g. 400.00).")
    ],
    guardrail: Annotated[
        list[str] | None, typer.Option(help="Guardrail metric (repeatable).")
    ] = None,
    traffic: Annotated[
        str, typer.Option(help="top_two_thompson (find the winner), thompson or even.")
    ] = "top_two_thompson",
    floor: Annotated[float, typer.Option(help="Smallest traffic share of an arm.")] = 0.05,
    control_share: Annotated[
        float | None,
        typer.Option(help="Smallest share of the control once budgets adapt, e.g. 0.25."),
    ] = None,
    max_budget_change: Annotated[
        float | None,
        typer.Option(help="Largest nightly budget change per arm, e.g. 0.2 (Meta's learning)."),
    ] = None,
    min_days: Annotated[float, typer.Option(help="Minimum runtime in days.")] = 7.0,
    max_days: Annotated[float, typer.Option(help="Maximum runtime in days.")] = 28.0,
    min_impressions: Annotated[
        int, typer.Option(help="Minimum impressions per arm before a call.")
    ] = 1000,
    min_chance: Annotated[float, typer.Option(help="Chance to beat control needed.")] = 0.99,
    max_loss: Annotated[float, typer.Option(help="Expected loss allowed (relative).")] = 0.01,
    creatives: Annotated[
        str | None, typer.Option(help="Design space: all creatives, comma-separated.")
    ] = None,
    ctas: Annotated[
        str | None, typer.Option(help="Design space: all CTAs, comma-separated.")
    ] = None,
    max_live_arms: Annotated[
        int | None, typer.Option(help="Arms at once when the design space is larger.")
    ] = None,
    hypothesis: Annotated[str, typer.Option(help="The question, in the client's words.")] = "",
    seed: Annotated[int, typer.Option(help="Seed of Optuna and of the allocation draws.")] = 0,
    account: Annotated[str | None, typer.Option("--account", help="Ad account (act_...).")] = None,
    db: Db = None,
    sandbox: Sandbox = None,
    as_json: AsJson = False,
) -> None:
    """Create the experiment: one campaign and ad set per arm, each with its creative and CTA ad."""
    from experiments.runner import create_experiment
    from experiments.spec import ExperimentSpec, parse_arms, resolve_control
    from experiments.stats.decision import DecisionPolicy
    from optimizer.meta.connect import connect, pick_account
    from optimizer.money import parse_decimal
    from optimizer.store import Store

    with _failures():
        parsed = parse_arms(arms)
        spec = ExperimentSpec(
            name=name,
            arms=parsed,
            control=resolve_control(parsed, control),
            metric=metric,  # type: ignore[arg-type]  # validated by the spec
            daily_budget=parse_decimal(daily_budget, "--daily-budget"),
            guardrails=tuple(guardrail or ()),  # type: ignore[arg-type]
            policy=DecisionPolicy(
                min_chance=min_chance,
                max_expected_loss=max_loss,
                min_runtime_days=min_days,
                max_runtime_days=max_days,
                min_units_per_arm=min_impressions,
            ),
            traffic=traffic,  # type: ignore[arg-type]
            floor=floor,
            control_share=control_share,
            max_budget_change=max_budget_change,
            space_creatives=tuple(c.strip() for c in (creatives or "").split(",") if c.strip()),
            space_ctas=tuple(c.strip().upper() for c in (ctas or "").split(",") if c.strip()),
            max_live_arms=max_live_arms,
            hypothesis=hypothesis,
            seed=seed,
        )
        settings = _settings(db, sandbox)
        client = connect(settings)
        account_id = pick_account(client, account)
        with Store(settings.db) as store:
            experiment_id = create_experiment(
                store, client, account_id, spec, today=_today(settings, client, account_id)
            )
    if as_json:
        typer.echo(json.dumps({"id": experiment_id, "arms": [a.name for a in spec.arms]}))
        return
    err.print(f"created experiment {experiment_id} with {len(spec.arms)} arms", highlight=False)


@app.command()
def status(
    experiment_id: ExperimentId,
    pull: Annotated[bool, typer.Option(help="Pull the latest results from Meta first.")] = True,
    db: Db = None,
    sandbox: Sandbox = None,
    as_json: AsJson = False,
) -> None:
    """Pull the arms' results, analyse them and show the table and the decision."""
    from experiments.runner import load_evaluation, pull_results
    from optimizer.meta.connect import connect
    from optimizer.store import Store

    with _failures():
        settings = _settings(db, sandbox)
        with Store(settings.db) as store:
            if pull:
                account_id, _ = _account_of(store, experiment_id)
                client = connect(settings)
                today = _today(settings, client, account_id)
                pull_results(store, client, experiment_id, today=today)
            evaluation = load_evaluation(store, experiment_id)
    if as_json:
        typer.echo(json.dumps(_evaluation_json(evaluation), indent=2, default=str))
        return
    _print_evaluation(evaluation)


@app.command()
def step(
    experiment_id: Annotated[
        int | None, typer.Argument(help="The experiment (default: every running one).")
    ] = None,
    db: Db = None,
    sandbox: Sandbox = None,
    as_json: AsJson = False,
) -> None:
    """The daily step: pull, analyse, then reallocate the arms' budgets or conclude."""
    from experiments import runner
    from optimizer.meta.connect import connect
    from optimizer.store import Store

    with _failures():
        settings = _settings(db, sandbox)
        client = connect(settings)
        with Store(settings.db) as store:
            if experiment_id is None:
                results = runner.step_all(
                    store, client, today=lambda account: _today(settings, client, account)
                )
            else:
                account_id, _ = _account_of(store, experiment_id)
                today = _today(settings, client, account_id)
                results = {experiment_id: runner.step(store, client, experiment_id, today=today)}
    report: dict[str, Any] = {}
    for key, result in results.items():
        if isinstance(result, AdpilotError):
            report[str(key)] = {"error": str(result)}
            continue
        report[str(key)] = {
            **_evaluation_json(result.evaluation),
            "concluded": result.concluded,
            "budgets": result.budgets,
            "retired": result.retired,
            "launched": result.launched,
            "errors": result.errors,
        }
    if as_json:
        typer.echo(json.dumps(report, indent=2, default=str))
        return
    for shown, item in report.items():
        if "error" in item:
            err.print(f"experiment {shown}: [bold red]error:[/] {item['error']}", highlight=False)
            continue
        budgets = ", ".join(f"{arm} {minor}" for arm, minor in item["budgets"].items())
        state = "concluded" if item["concluded"] else item["status"]
        err.print(f"experiment {shown}: {state}; budgets (minor units): {budgets or '–'}")
    if any("error" in item or item.get("errors") for item in report.values()):
        raise typer.Exit(1)


@app.command()
def stop(
    experiment_id: ExperimentId,
    db: Db = None,
    sandbox: Sandbox = None,
) -> None:
    """Stop by hand: pause every arm; Optuna records the unfinished arms as pruned."""
    from experiments.runner import stop_experiment
    from optimizer.meta.connect import connect
    from optimizer.store import Store

    with _failures():
        settings = _settings(db, sandbox)
        client = connect(settings)
        with Store(settings.db) as store:
            account_id, _ = _account_of(store, experiment_id)
            stop_experiment(
                store, client, experiment_id, today=_today(settings, client, account_id)
            )
    err.print(f"stopped experiment {experiment_id}; its arms are paused", highlight=False)


@app.command()
def summary(
    experiment_id: ExperimentId,
    fmt: Annotated[str, typer.Option("--format", help="html, pdf or md.")] = "html",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
    db: Db = None,
) -> None:
    """The client summary from the stored results (run `status` or `step` first to refresh them)."""
    from experiments.runner import load_evaluation
    from experiments.summary import FORMATS, Branding, report
    from optimizer.store import Store

    with _failures():
        if fmt not in FORMATS:
            raise InputError(f"--format must be one of {list(FORMATS)}, got {fmt!r}")
        if fmt == "pdf" and output is None:
            raise InputError("--output: a PDF needs a file to go to")
        settings = _settings(db, None)
        with Store(settings.db) as store:
            _, currency = _account_of(store, experiment_id)
            evaluation = load_evaluation(store, experiment_id)
        content = report(
            evaluation,
            fmt,
            branding=Branding(settings.agency_name, settings.agency_logo),
            currency=currency,
            generated_on=date.today(),
        )
    if output is None:
        typer.echo(content)
        return
    if isinstance(content, bytes):
        output.write_bytes(content)
    else:
        output.write_text(content, encoding="utf-8")
    err.print(f"wrote {output}", highlight=False)


@app.command("list")
def list_experiments(db: Db = None, as_json: AsJson = False) -> None:
    """Every experiment in the store, newest first."""
    from sqlalchemy import select

    from optimizer.store import Store
    from optimizer.store.experiments import Experiment

    with _failures():
        settings = _settings(db, None)
        with Store(settings.db) as store, store.transaction() as session:
            rows = [
                {
                    "id": e.id,
                    "name": e.name,
                    "account": e.account_id,
                    "status": e.status,
                    "started_on": str(e.started_on or ""),
                }
                for e in session.scalars(select(Experiment))
            ]
    rows.sort(key=lambda r: -int(r["id"] or 0))
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table()
    for column in ("id", "name", "account", "status", "started_on"):
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(row[c]) for c in ("id", "name", "account", "status", "started_on")))
    out.print(table)
