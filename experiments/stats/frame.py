"""Turn an arms frame into validated per-arm sufficient statistics.

Every entry point that takes a frame (``analyze``, the summary, the CLI) goes through :func:`read_arms`, so
bad input is rejected in one place with a message naming the arm and the field.
"""

from __future__ import annotations

import math
from typing import Literal

import pandas as pd

from experiments.stats.models import ArmStats, MeanStats, ProportionStats, RatioStats
from optimizer.errors import InputError

__all__ = ["METRIC_COLUMNS", "Metric", "read_arms"]

Metric = Literal["proportion", "mean", "ratio"]

#: Columns each metric type needs besides ``arm``.
METRIC_COLUMNS: dict[str, tuple[str, ...]] = {
    "proportion": ("units", "conversions"),
    "mean": ("units", "sum", "sum_squares"),
    "ratio": (
        "units",
        "num_sum",
        "num_sum_squares",
        "den_sum",
        "den_sum_squares",
        "num_den_sum_products",
    ),
}


def _number(arm: str, field: str, value: object) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"arm {arm!r}: field {field!r} is not a number: {value!r}") from None
    if not math.isfinite(number):
        raise InputError(f"arm {arm!r}: field {field!r} is missing or not finite ({value!r})")
    return number


def _count(arm: str, field: str, value: float) -> int:
    if value < 0:
        raise InputError(f"arm {arm!r}: field {field!r} must not be negative, got {value:g}")
    if value != int(value):
        raise InputError(f"arm {arm!r}: field {field!r} must be a whole count, got {value:g}")
    return int(value)


def _build(arm: str, metric: str, values: dict[str, float]) -> ArmStats:
    units = _count(arm, "units", values["units"])
    if metric == "proportion":
        return ProportionStats(units, _count(arm, "conversions", values["conversions"]))
    if metric == "mean":
        return MeanStats(units, values["sum"], values["sum_squares"])
    return RatioStats(
        units,
        values["num_sum"],
        values["num_sum_squares"],
        values["den_sum"],
        values["den_sum_squares"],
        values["num_den_sum_products"],
    )


def read_arms(
    arms: pd.DataFrame,
    metric: Metric,
    *,
    control: str | None = None,
    require_traffic: bool = True,
) -> dict[str, ArmStats]:
    """Validate ``arms`` and return ``{arm: stats}`` in frame order.

    Raises InputError for: a missing column, fewer than two arms, duplicate arm names, a control that is
    not an arm, a non-numeric/negative/fractional count, conversions above units, impossible sums of
    squares, and (with ``require_traffic``) an arm with zero units.
    """
    if metric not in METRIC_COLUMNS:
        raise InputError(f"metric must be one of {sorted(METRIC_COLUMNS)}, got {metric!r}")
    needed = ("arm", *METRIC_COLUMNS[metric])
    missing = [c for c in needed if c not in arms.columns]
    if missing:
        raise InputError(f"arms frame is missing column(s) {missing} needed for metric {metric!r}")
    names = [str(a) for a in arms["arm"]]
    if len(names) < 2:
        raise InputError(f"arms: an experiment needs at least 2 arms, got {len(names)} ({names})")
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise InputError(f"arms: arm names must be unique, repeated: {duplicated}")
    if control is not None and control not in names:
        raise InputError(f"control: {control!r} is not among the arms {names}")

    result: dict[str, ArmStats] = {}
    for name, (_, row) in zip(names, arms.iterrows(), strict=True):
        values = {field: _number(name, field, row[field]) for field in METRIC_COLUMNS[metric]}
        try:
            stats = _build(name, metric, values)
        except InputError as exc:
            if str(exc).startswith("arm "):
                raise
            raise InputError(f"arm {name!r}: {exc}") from None
        if require_traffic and stats.units == 0:
            raise InputError(
                f"arm {name!r}: field 'units' is 0: an arm without traffic cannot be analysed"
            )
        result[name] = stats
    return result
