"""``adpilot sandbox``: serve the Graph API sandbox on 127.0.0.1, and advance its market by days.

``adpilot sandbox --port 8765 --seed 7 [--faults SPEC] [--token T] [--app-secret S] [--adsets N] [--days N]
[--accounts N] [--app-calls-per-hour N]`` generates ``--accounts`` seeded accounts (one: USD in New York;
several: sizes from :func:`account_sizes`, currencies and time zones in turn from :data:`ACCOUNT_MIX`) with ``--days`` of history under one app
and serves them until interrupted;
``adpilot sandbox advance --days N [--url URL]`` asks a running sandbox to simulate N more days.
The fault grammar is documented in :mod:`optimizer.sandbox.graph.faults`.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from typing import Annotated

import typer

from optimizer.errors import InputError
from optimizer.sandbox.graph import FaultSpec, GraphApp, Quotas, SandboxConfig, SandboxServer
from optimizer.sandbox.market import Market, MarketConfig

DEFAULT_URL = "http://127.0.0.1:8765"
#: (currency, time zone) of the accounts of a several-account sandbox, in turn: an agency's mix.
ACCOUNT_MIX = (
    ("USD", "America/New_York"),
    ("EUR", "Europe/Berlin"),
    ("GBP", "Europe/London"),
    ("JPY", "Asia/Tokyo"),
    ("USD", "America/Los_Angeles"),
    ("BRL", "America/Sao_Paulo"),
    ("INR", "Asia/Kolkata"),
    ("AUD", "Australia/Sydney"),
)

app = typer.Typer(
    name="sandbox",
    help="A local Meta Graph API sandbox backed by a market simulator with known truth.",
    invoke_without_command=True,
    add_completion=False,
    epilog=(
        "Faults: comma-separated NAME[=RATE] items, RATE a probability in [0,1] or everyN (every Nth event); "
        "NAME is throttle, transient, server_error, drop, drop_reply, batch_null, async_slow, async_stuck, "
        "async_fail or async_skip; seed=N seeds the draws. Example: throttle=0.1,transient=every5,async_fail=0.3,seed=3."
    ),
)


#: Sizes of a several-account sandbox relative to ``--adsets``, in turn (mean 1: the total is kept).
SIZE_FACTORS = (1.0, 0.5, 1.5, 1.0)


def account_sizes(adsets: int) -> tuple[int, ...]:
    """Ad sets per account, in turn, for a several-account sandbox: small, average and large accounts."""
    return tuple(max(1, round(adsets * factor)) for factor in SIZE_FACTORS)


def build_app(
    *,
    seed: int,
    adsets: int,
    days: int,
    campaigns: int = 3,
    faults: str | None = None,
    token: str | None = None,
    app_secret: str | None = None,
    max_sync_rows: int = 50_000,
    accounts: int = 1,
    app_calls_per_hour: int | None = None,
) -> GraphApp:
    """The market and its wire format as the CLI configures them (also used by demos and benchmarks).

    Several accounts take their currency and time zone in turn from :data:`ACCOUNT_MIX` and their size from
    :func:`account_sizes` (``adsets`` on average). ``app_calls_per_hour`` lowers the app-level limit all accounts share.
    """
    mix = ACCOUNT_MIX[: max(1, min(accounts, len(ACCOUNT_MIX)))]
    sizes = account_sizes(adsets) if accounts > 1 else ()
    market = Market(
        MarketConfig(
            seed=seed, adsets=adsets, campaigns=min(campaigns, *(sizes or (adsets,))),
            history_days=days, accounts=accounts, adsets_per_account=sizes,
            currencies=tuple(currency for currency, _ in mix),
        )
    )  # fmt: skip
    if accounts > 1:
        for k, account in enumerate(market.accounts.values()):
            account.timezone_name = mix[k % len(mix)][1]
    quotas = (
        Quotas() if app_calls_per_hour is None else Quotas(app_calls_per_hour=app_calls_per_hour)
    )
    config = SandboxConfig(
        token=token,
        app_secret=app_secret,
        faults=FaultSpec.parse(faults),
        max_sync_rows=max_sync_rows,
        quotas=quotas,
    )
    return GraphApp(market, config)


@app.callback()
def serve(
    ctx: typer.Context,
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0 picks a free one).")] = 8765,
    seed: Annotated[int, typer.Option(help="Seed of the market: same seed, same history.")] = 7,
    faults: Annotated[
        str | None,
        typer.Option(help='Fault spec, e.g. "throttle=0.1,transient=every5,drop=0.05,seed=3".'),
    ] = None,
    token: Annotated[str | None, typer.Option(help="Accept only this access token.")] = None,
    app_secret: Annotated[
        str | None, typer.Option(help="Require appsecret_proof made with this secret.")
    ] = None,
    adsets: Annotated[int, typer.Option(help="Ad sets in the generated account.")] = 20,
    campaigns: Annotated[int, typer.Option(help="Campaigns in the generated account.")] = 3,
    days: Annotated[int, typer.Option(help="Days of history simulated before serving.")] = 90,
    max_sync_rows: Annotated[
        int, typer.Option(help="Largest synchronous insights answer, in rows.")
    ] = 50_000,
    accounts: Annotated[
        int,
        typer.Option(
            min=1, help="Ad accounts under the app (sizes, currencies and time zones vary)."
        ),
    ] = 1,
    app_calls_per_hour: Annotated[
        int | None,
        typer.Option(min=1, help="App-level call limit per rolling hour (all accounts)."),
    ] = None,
) -> None:
    """Serve the sandbox on 127.0.0.1 until interrupted (Ctrl-C)."""
    if ctx.invoked_subcommand is not None:
        return
    try:
        graph = build_app(
            seed=seed, adsets=adsets, days=days, campaigns=campaigns, faults=faults, token=token,
            app_secret=app_secret, max_sync_rows=max_sync_rows, accounts=accounts,
            app_calls_per_hour=app_calls_per_hour,
        )  # fmt: skip
    except InputError as error:
        raise typer.BadParameter(str(error)) from None
    server = SandboxServer(graph, port=port)
    try:
        base_url = server.start()
        account = next(iter(graph.market.accounts))
        typer.echo(
            f"Graph API sandbox serving on {base_url}  (FacebookSession.GRAPH = {base_url!r})"
        )
        if len(graph.market.accounts) > 1:
            typer.echo(f"{len(graph.market.accounts)} accounts: {', '.join(graph.market.accounts)}")
        typer.echo(
            f"example account: {account}   today: {graph.market.today}   faults: {graph.config.faults.describe()}"
        )
        typer.echo(
            f"try: curl '{base_url}/v26.0/me/adaccounts?access_token={token or 'TOKEN'}&fields=name,currency'"
        )
        typer.echo(f"advance the market: adpilot sandbox advance --days 1 --url {base_url}")
        server.wait()
    except KeyboardInterrupt:
        typer.echo("stopping")
    finally:
        server.stop()


@app.command()
def advance(
    days: Annotated[int, typer.Option(min=0, help="Days to simulate.")] = 1,
    url: Annotated[
        str | None,
        typer.Option(
            help="Base URL of a running sandbox (default: $ADPILOT_SANDBOX_URL or :8765)."
        ),
    ] = None,
) -> None:
    """Simulate more days in a running sandbox (budgets set through the API take effect)."""
    base = (url or os.environ.get("ADPILOT_SANDBOX_URL") or DEFAULT_URL).rstrip("/")
    request = urllib.request.Request(
        f"{base}/_sandbox/advance?days={days}", method="POST", data=b""
    )
    try:
        with urllib.request.urlopen(request, timeout=600) as reply:
            answer = json.loads(reply.read())
    except urllib.error.HTTPError as error:
        typer.echo(f"sandbox at {base} refused: {error.read().decode(errors='replace')}", err=True)
        raise typer.Exit(1) from None
    except OSError as error:
        typer.echo(f"no sandbox reachable at {base}: {error}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"advanced {answer['advanced']} day(s); today is {answer['today']}")
