"""The client summary as Markdown, HTML (jinja2, autoescaped) or PDF (WeasyPrint from the same HTML).

The chart and the logo are embedded as data URIs, so a report is one self-contained file that can be
mailed, and the PDF needs no network either.
"""

from __future__ import annotations

import base64
import mimetypes
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from jinja2 import Environment, PackageLoader, select_autoescape

from experiments.stats.models import ArmStats
from experiments.summary.chart import posterior_svg
from experiments.summary.content import (
    Summary,
    cta_label,
    metric_value,
    money,
    pct,
    signed_pct,
)
from optimizer.errors import InputError

__all__ = ["FORMATS", "Format", "render", "render_html", "render_markdown", "render_pdf"]

Format = Literal["md", "html", "pdf"]
FORMATS: tuple[str, ...] = ("md", "html", "pdf")

_STATUS_COLOURS = {
    "winner": "#2f855a",
    "no_winner": "#2b6cb0",
    "keep_running": "#b7791f",
    "stop_inconclusive": "#718096",
}

_env = Environment(
    loader=PackageLoader("experiments.summary", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)


def _data_uri(content: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(content).decode('ascii')}"


def _logo(path: Path | None) -> str | None:
    if path is None:
        return None
    if not path.is_file():
        raise InputError(f"agency_logo: no image file at {path}")
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if not mime.startswith("image/"):
        raise InputError(f"agency_logo: {path} is not an image ({mime})")
    return _data_uri(path.read_bytes(), mime)


def _chart(summary: Summary, stats: Mapping[str, ArmStats] | None) -> str | None:
    if not stats:
        return None
    labels = {a.name: a.label for a in summary.arms if a.name in stats}
    svg = posterior_svg(
        stats,
        labels,
        title=summary.metric.label,
        percent=summary.metric.kind == "proportion" or summary.metric.name == "conversion_rate",
    )
    return _data_uri(svg.encode("utf-8"), "image/svg+xml")


def render_html(summary: Summary, stats: Mapping[str, ArmStats] | None = None) -> str:
    """The report as one HTML page; ``stats`` (per compared arm) draws the posterior chart."""
    template = _env.get_template("report.html.j2")
    return template.render(
        s=summary,
        logo=_logo(summary.agency.logo),
        chart=_chart(summary, stats),
        colour=_STATUS_COLOURS[summary.status.value],
        pct=pct,
        signed=signed_pct,
        money=money,
        cta=cta_label,
        value=lambda v: "–" if v is None else metric_value(v, summary.metric, summary.currency),
    )


def render_pdf(summary: Summary, stats: Mapping[str, ArmStats] | None = None) -> bytes:
    """The HTML report printed to PDF by WeasyPrint (no browser)."""
    from weasyprint import HTML  # imported here: it loads Pango, which costs a second

    pdf: bytes = HTML(string=render_html(summary, stats)).write_pdf()
    return pdf


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(summary: Summary) -> str:
    """The report as Markdown (for e-mail, chat or a ticket)."""
    m = summary.metric
    lines = [
        f"# {summary.title}",
        "",
        f"*{summary.agency.name}, {summary.generated_on}*",
        "",
        f"**Question:** {summary.question}",
        "",
        f"**{summary.status_label}.** {summary.verdict}",
        "",
        "## The arms",
        "",
        f"| Arm | Creative | Call to action | Spend | Impressions | Clicks | Purchases | {m.label} "
        "| vs control | Chance better | Chance best |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for a in summary.arms:
        name = a.label + (" (control)" if a.is_control else "")
        name += " (retired early)" if a.status == "retired" else ""
        value = "–" if a.metric is None else metric_value(a.metric, m, summary.currency)
        lift = (
            "–"
            if a.lift is None or a.lift_low is None or a.lift_high is None
            else f"{signed_pct(a.lift)} ({signed_pct(a.lift_low)} to {signed_pct(a.lift_high)})"
        )
        chance = "–" if a.chance_to_beat_control is None else pct(a.chance_to_beat_control)
        best = "–" if a.prob_best is None else pct(a.prob_best)
        cells = [
            name,
            a.creative,
            cta_label(a.cta),
            money(a.spend, summary.currency),
            f"{a.impressions:,}",
            f"{a.clicks:,}",
            f"{a.purchases:,}",
            value,
            lift,
            chance,
            best,
        ]
        lines.append("| " + " | ".join(_md_escape(c) for c in cells) + " |")
    period = f" ({summary.first_day} to {summary.last_day})" if summary.first_day else ""
    lines += [
        "",
        f"Test ran {summary.runtime_days:g} days{period}; total spend "
        f"{money(summary.total_spend, summary.currency)}. Ranges are 95% credible intervals.",
        "",
        "## What to do next",
        "",
        *[f"- {step}" for step in summary.next_steps],
        "",
        "## Things to keep in mind",
        "",
        *[f"- {c}" for c in summary.caveats],
        "",
        f"Decision rule: {'; '.join(summary.reasons)}.",
        "",
    ]
    return "\n".join(lines)


def render(summary: Summary, fmt: str, stats: Mapping[str, ArmStats] | None = None) -> str | bytes:
    """The report in ``fmt`` (md, html or pdf)."""
    if fmt == "md":
        return render_markdown(summary)
    if fmt == "html":
        return render_html(summary, stats)
    if fmt == "pdf":
        return render_pdf(summary, stats)
    raise InputError(f"format must be one of {list(FORMATS)}, got {fmt!r}")
