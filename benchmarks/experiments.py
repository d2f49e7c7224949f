"""Experiment statistics by simulation: A/A false winners, correct calls, top-two Thompson vs even split."""

from __future__ import annotations

from benchmarks.report import Section
from experiments.bench import experiment_tables


def run(quick: bool = False) -> Section:
    section = Section(
        "Experiments: error rates and sample efficiency", "python -m benchmarks experiments"
    )
    for table in experiment_tables(quick):
        section.lines.append(f"**{table.title}**\n")
        if table.note:
            section.lines.append(f"{table.note}\n")
        section.table(list(table.header), [list(r) for r in table.rows])
    return section
