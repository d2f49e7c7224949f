"""Delivery divergence: did the arms reach the same kind of audience and placements?

Meta's delivery is not a randomised split: each ad set's delivery optimises on its own, so arms can reach
different age groups, genders or placements (Burtch et al. 2025, 181,890 Meta A/B tests). Then a "creative
effect" is partly an audience effect. Given per-arm counts by segment (Insights breakdowns), this compares
each arm's mix with the pooled mix: a chi-square test of independence says whether the mixes differ at all,
and the total variation distance (TVD, half the L1 distance, in [0, 1]) says by how much. With ad-scale
counts the chi-square test flags trivial differences, so the warning needs both: p < alpha *and* an arm
whose mix is at least ``min_distance`` away from the pooled one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import chi2_contingency  # type: ignore[import-untyped]

from optimizer.errors import InputError

__all__ = ["DeliveryDivergence", "delivery_divergence"]


@dataclass(frozen=True)
class DeliveryDivergence:
    """Per-arm TVD from the pooled mix, the worst arm, the chi-square p-value, and whether to warn."""

    dimension: str
    distance: dict[str, float]
    worst_arm: str
    max_distance: float
    p_value: float
    warn: bool
    message: str


def delivery_divergence(
    breakdown: pd.DataFrame,
    *,
    dimension: str = "segment",
    count: str = "units",
    alpha: float = 0.001,
    min_distance: float = 0.1,
) -> DeliveryDivergence:
    """Compare arms' delivery mixes over ``dimension`` from a long frame of ``arm``, dimension, ``count``."""
    for column in ("arm", dimension, count):
        if column not in breakdown.columns:
            raise InputError(f"breakdown frame is missing column {column!r}")
    values = pd.to_numeric(breakdown[count], errors="coerce")
    bad = breakdown[values.isna() | (values < 0)]
    if len(bad):
        row = bad.iloc[0]
        raise InputError(
            f"arm {row['arm']!r}, {dimension} {row[dimension]!r}: field {count!r} must be a "
            f"non-negative number, got {row[count]!r}"
        )
    table = (
        breakdown.assign(**{count: values})
        .pivot_table(index="arm", columns=dimension, values=count, aggfunc="sum", fill_value=0)
        .astype(float)
    )
    if len(table) < 2:
        raise InputError(f"breakdown: need at least 2 arms, got {list(table.index)}")
    totals = table.sum(axis=1)
    empty = totals[totals == 0]
    if len(empty):
        raise InputError(
            f"arm {empty.index[0]!r}: field {count!r} sums to 0 over every {dimension}"
        )
    table = table.loc[:, table.sum(axis=0) > 0]
    mix = table.div(totals, axis=0)
    pooled = table.sum(axis=0) / totals.sum()
    distance = {str(arm): float(0.5 * np.abs(mix.loc[arm] - pooled).sum()) for arm in mix.index}
    worst = max(distance, key=lambda arm: distance[arm])
    p_value = 1.0 if table.shape[1] < 2 else float(chi2_contingency(table.to_numpy())[1])
    warn = p_value < alpha and distance[worst] >= min_distance
    message = (
        f"delivery differs between arms by {dimension}: arm {worst!r} is {distance[worst]:.0%} away "
        f"from the pooled mix (chi-square p = {p_value:.2g}); differences between arms may reflect "
        "who saw them, not only the creative"
        if warn
        else f"arms reached similar {dimension} mixes (largest distance {distance[worst]:.0%})"
    )
    return DeliveryDivergence(dimension, distance, worst, distance[worst], p_value, warn, message)
