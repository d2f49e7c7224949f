"""The ``adpilot`` command line: each command parses, calls one library function and prints."""

from __future__ import annotations

import typer

from optimizer.sandbox.cli import app as sandbox_app

app = typer.Typer(
    name="adpilot",
    help="Meta ads optimizer: sync, Bayesian budget allocation, experiments, dashboard.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(sandbox_app, name="sandbox")


@app.command()
def version() -> None:
    """Print adpilot's version."""
    from importlib.metadata import version as dist_version

    typer.echo(dist_version("adpilot"))


if __name__ == "__main__":  # pragma: no cover
    app()
