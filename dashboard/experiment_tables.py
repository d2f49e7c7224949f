"""The Experiments page's tables: the list of experiments and, per experiment, one row per arm.

The numbers are the experiment layer's own: :func:`experiments.runner.load_evaluation` evaluates what is
stored (``analyze`` for posteriors, chance to beat control, probability best and expected loss; ``decide``
for the call; the split check for sample-ratio problems). Here they are only joined for display.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import pandas as pd

from experiments.evaluation import Evaluation
from experiments.spec import ExperimentSpec
from optimizer.store.experiments import Experiment

__all__ = ["ARM_COLUMNS", "LIST_COLUMNS", "arms_frame", "experiments_frame", "split_frame"]

LIST_COLUMNS = [
    "id",
    "name",
    "status",
    "metric",
    "arms",
    "control",
    "started_on",
    "stopped_on",
    "decision",
    "winner",
]
ARM_COLUMNS = [
    "arm",
    "cta",
    "creative",
    "is_control",
    "status",
    "spend",
    "impressions",
    "clicks",
    "purchases",
    "revenue",
    "units",
    "mean",
    "mean_low",
    "mean_high",
    "lift_mean",
    "lift_low",
    "lift_high",
    "chance_to_beat_control",
    "prob_best",
    "expected_loss",
]


def experiments_frame(rows: Sequence[Experiment]) -> pd.DataFrame:
    """One row per experiment, newest first, with its metric and its last stored decision."""
    out = []
    for row in sorted(rows, key=lambda r: r.id or 0, reverse=True):
        spec = ExperimentSpec.from_json(row.spec)
        decision = json.loads(row.decision) if row.decision else {}
        out.append(
            {
                "id": row.id,
                "name": row.name,
                "status": row.status,
                "metric": spec.metric,
                "arms": len(spec.arms),
                "control": spec.control,
                "started_on": row.started_on,
                "stopped_on": row.stopped_on,
                "decision": decision.get("status"),
                "winner": decision.get("winner"),
            }
        )
    return pd.DataFrame(out, columns=LIST_COLUMNS)


def arms_frame(evaluation: Evaluation) -> pd.DataFrame:
    """Each arm's delivery totals beside its posterior summary (NaN where not analysed yet)."""
    table = evaluation.table.set_index("arm") if evaluation.table is not None else None
    rows = []
    for arm in evaluation.arms:
        totals = evaluation.totals.get(arm.name)
        row: dict[str, object] = {
            "arm": arm.name,
            "cta": arm.cta,
            "creative": arm.creative,
            "is_control": arm.is_control,
            "status": arm.status,
            "spend": totals.spend if totals else None,
            "impressions": totals.impressions if totals else 0,
            "clicks": totals.clicks if totals else 0,
            "purchases": totals.purchases if totals else 0,
            "revenue": totals.revenue if totals else None,
        }
        for column in ARM_COLUMNS[10:]:
            row[column] = (
                table.loc[arm.name, column]
                if table is not None and arm.name in table.index
                else float("nan")
            )
        rows.append(row)
    return pd.DataFrame(rows, columns=ARM_COLUMNS)


def split_frame(evaluation: Evaluation) -> pd.DataFrame:
    """Planned against delivered share of spend per arm (empty before any spend)."""
    split = evaluation.split
    if split is None:
        return pd.DataFrame(columns=["arm", "planned", "delivered"])
    return pd.DataFrame(
        [
            {"arm": arm, "planned": split.planned[arm], "delivered": split.delivered.get(arm, 0.0)}
            for arm in split.planned
        ],
        columns=["arm", "planned", "delivered"],
    )
