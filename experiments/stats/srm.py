"""Sample-ratio mismatch: did each arm get the share of traffic it was meant to get?

A Pearson chi-square goodness-of-fit test of observed units against the intended split (gbstats'
``check_srm``), flagged at p < 0.001 as GrowthBook and Eppo do: the check is re-run at every look, so the
threshold is set low to keep false alarms rare. Under adaptive allocation the intended split changes over
time; :func:`check_srm_periods` tests each period against its own weights and pools the statistics.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scipy.stats import chi2  # type: ignore[import-untyped]

from optimizer.errors import InputError

__all__ = ["SRM_THRESHOLD", "SrmResult", "check_srm", "check_srm_periods"]

SRM_THRESHOLD = 0.001


@dataclass(frozen=True)
class SrmResult:
    """Outcome of the SRM check; ``expected`` is the units each arm should have had."""

    statistic: float
    dof: int
    p_value: float
    flagged: bool
    threshold: float
    observed: dict[str, int]
    expected: dict[str, float]


def _validated(units: Mapping[str, int], weights: Mapping[str, float]) -> None:
    if len(units) < 2:
        raise InputError(f"units: SRM needs at least 2 arms, got {len(units)}")
    if set(units) != set(weights):
        raise InputError(
            f"weights: arms {sorted(weights)} do not match the arms with units {sorted(units)}"
        )
    for arm, count in units.items():
        if not (isinstance(count, int | float) and math.isfinite(count)) or count < 0:
            raise InputError(
                f"arm {arm!r}: field 'units' must be a non-negative count, got {count!r}"
            )
    for arm, weight in weights.items():
        if not (math.isfinite(weight) and weight > 0):
            raise InputError(f"arm {arm!r}: field 'weight' must be positive, got {weight!r}")


def _chi_square(
    units: Mapping[str, int], weights: Mapping[str, float]
) -> tuple[float, dict[str, float]]:
    total = sum(units.values())
    total_weight = sum(weights.values())
    expected = {arm: weights[arm] / total_weight * total for arm in units}
    if total == 0:
        return 0.0, expected
    statistic = sum((units[a] - e) ** 2 / e for a, e in expected.items())
    return float(statistic), expected


def check_srm(
    units: Mapping[str, int], weights: Mapping[str, float], threshold: float = SRM_THRESHOLD
) -> SrmResult:
    """Chi-square test of ``units`` per arm against intended ``weights`` (any positive scale)."""
    _validated(units, weights)
    statistic, expected = _chi_square(units, weights)
    dof = len(units) - 1
    p_value = float(chi2.sf(statistic, dof)) if sum(units.values()) else 1.0
    return SrmResult(
        statistic=statistic,
        dof=dof,
        p_value=p_value,
        flagged=p_value < threshold,
        threshold=threshold,
        observed={a: int(u) for a, u in units.items()},
        expected=expected,
    )


def check_srm_periods(
    periods: Sequence[tuple[Mapping[str, int], Mapping[str, float]]],
    threshold: float = SRM_THRESHOLD,
) -> SrmResult:
    """SRM under a changing split: each (units, weights) period is tested against its own weights.

    Independent periods' chi-square statistics and degrees of freedom add up. ``observed``/``expected``
    are totals over periods.
    """
    if not periods:
        raise InputError("periods: need at least one (units, weights) period")
    statistic, dof = 0.0, 0
    observed: dict[str, int] = {}
    expected: dict[str, float] = {}
    for index, (units, weights) in enumerate(periods):
        try:
            _validated(units, weights)
        except InputError as exc:
            raise InputError(f"period {index}: {exc}") from None
        if sum(units.values()) == 0:
            continue
        part, part_expected = _chi_square(units, weights)
        statistic += part
        dof += len(units) - 1
        for arm in units:
            observed[arm] = observed.get(arm, 0) + int(units[arm])
            expected[arm] = expected.get(arm, 0.0) + part_expected[arm]
    p_value = float(chi2.sf(statistic, dof)) if dof else 1.0
    return SrmResult(statistic, dof, p_value, p_value < threshold, threshold, observed, expected)
