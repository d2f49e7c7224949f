"""The per-account table a fleet run ends with (rich, for the terminal)."""

from __future__ import annotations

from rich.table import Table

from optimizer.fleet.result import FleetReport

STYLE = {"ok": "green", "failed": "bold red", "throttled": "yellow", "busy": "yellow"}


def fleet_table(report: FleetReport, title: str) -> Table:
    """One row per account: status, ad sets, changes applied, API calls, throttle waits, time, reason."""
    table = Table(title=title, title_justify="left")
    table.add_column("account", no_wrap=True)
    table.add_column("status", no_wrap=True)
    for name in ("ad sets", "planned", "applied", "API calls", "throttles", "waited s", "time s"):
        table.add_column(name, justify="right")
    table.add_column("reason", overflow="fold", max_width=60)
    for row in report.results:
        status = row.status.value
        table.add_row(
            row.account_id,
            f"[{STYLE.get(status, 'white')}]{status}[/]",
            str(row.adsets),
            str(row.changes_planned),
            str(row.changes_applied),
            str(row.api_calls),
            str(row.throttles),
            f"{row.throttle_wait:.0f}",
            f"{row.seconds:.1f}",
            row.reason or "",
        )
    totals = report.totals()
    table.caption = (
        f"{totals['accounts']:.0f} accounts, {totals['failed']:.0f} failed, "
        f"{totals['api_calls']:.0f} API calls, {report.seconds:.1f}s on {report.workers} worker(s) "
        f"({totals['accounts_per_minute']} accounts/min)"
    )
    return table
