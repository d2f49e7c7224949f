"""Client-facing experiment summaries: the content (pure), the posterior chart, and three renderings."""

from __future__ import annotations

from datetime import date

from experiments.evaluation import Evaluation
from experiments.stats.frame import read_arms
from experiments.summary.content import Branding, Summary, build_summary
from experiments.summary.render import FORMATS, Format, render

__all__ = ["FORMATS", "Branding", "Format", "Summary", "build_summary", "report"]


def report(
    evaluation: Evaluation,
    fmt: str,
    *,
    branding: Branding,
    currency: str,
    generated_on: date,
) -> str | bytes:
    """The summary of ``evaluation`` rendered as ``fmt`` (md, html: text; pdf: bytes)."""
    summary = build_summary(evaluation, branding, currency, generated_on=generated_on)
    stats = (
        read_arms(evaluation.metric_frame, evaluation.metric.kind)
        if evaluation.table is not None
        else None
    )
    return render(summary, fmt, stats)
