"""Experiment statistics by simulation: A/A false winners, correct calls, top-two Thompson vs even split."""

from __future__ import annotations

from benchmarks.experiment_runs import sandbox_rows
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
    seeds = list(range(1, 9 if quick else 31))
    section.lines.append(
        "**End to end in the sandbox: 4-arm CTA tests as real ads, $100/day, nightly steps "
        "(min 3 days, 3,000 impressions per arm, max 21 days); correct = the arm with the highest "
        "true CTR at launch**\n"
    )
    section.table(*sandbox_rows(seeds))
    return section
