"""The stopping rule: when may an experiment's result be called, and what is the call?

A variant is declared the winner only when all of these hold (GrowthBook/Statsig-style Bayesian rule):

* the minimum runtime has passed (novelty and day-of-week effects) and every arm has the minimum units;
* its chance to beat control reaches ``min_chance``, tightened Bonferroni-style to
  1 − (1 − min_chance) / (arms − 1) when several variants compete, so that more arms do not mean more
  false winners;
* its expected loss (E[θ_best − θ_arm] over all arms, relative to control, from ``analyze``) is at most
  ``max_expected_loss``: choosing it can cost little even if it is not truly the best.

The product looks every day. The defaults (99% chance, 1% loss, 7 to 28 days, 1,000 units per arm) are
tuned by the A/A simulation in :mod:`experiments.simulation`: the chance of ever declaring a false winner
with daily looks from day 7 to day 28 measured 3.5% for 2 arms and 3.5% for 4 arms at 20,000 units per
arm per day (4,000 replications; lower at lower traffic; the Gaussian limit is about 4.3%). A naive 95%
bar without the arm correction gives about 30% with 4 arms. A longer horizon means more looks: re-check
with :func:`experiments.simulation.simulate_aa` before raising ``max_runtime_days``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from optimizer.errors import InputError

__all__ = ["Decision", "DecisionPolicy", "Status", "decide", "passes", "required_chance"]


class Status(StrEnum):
    """What to do with the experiment now."""

    WINNER = "winner"  # ship the winning variant
    NO_WINNER = "no_winner"  # control is confidently best: keep it, stop the test
    KEEP_RUNNING = "keep_running"
    INCONCLUSIVE = "stop_inconclusive"  # maximum runtime reached without a confident call


@dataclass(frozen=True)
class DecisionPolicy:
    """Thresholds of the stopping rule; ``max_expected_loss`` is relative to the control's mean."""

    min_chance: float = 0.99
    max_expected_loss: float = 0.01
    min_runtime_days: float = 7.0
    min_units_per_arm: int = 1000
    max_runtime_days: float = 28.0
    correct_for_arms: bool = True

    def __post_init__(self) -> None:
        if not 0.5 < self.min_chance < 1:
            raise InputError(f"min_chance must be in (0.5, 1), got {self.min_chance}")
        if self.max_expected_loss < 0:
            raise InputError(
                f"max_expected_loss must not be negative, got {self.max_expected_loss}"
            )
        if self.min_units_per_arm < 0:
            raise InputError(
                f"min_units_per_arm must not be negative, got {self.min_units_per_arm}"
            )
        if not 0 <= self.min_runtime_days <= self.max_runtime_days:
            raise InputError(
                "min_runtime_days must be between 0 and max_runtime_days, got "
                f"{self.min_runtime_days} and {self.max_runtime_days}"
            )


@dataclass(frozen=True)
class Decision:
    """The call, the winning arm if any, and the reasons in plain words."""

    status: Status
    winner: str | None
    reasons: tuple[str, ...]
    required_chance: float


def required_chance(policy: DecisionPolicy, n_arms: int) -> float:
    """Chance to beat control a variant needs, corrected for the number of variants."""
    variants = max(n_arms - 1, 1)
    if not policy.correct_for_arms:
        return policy.min_chance
    return 1.0 - (1.0 - policy.min_chance) / variants


def passes(
    chance: ArrayLike, expected_loss: ArrayLike, policy: DecisionPolicy, n_arms: int
) -> NDArray[np.bool_]:
    """Elementwise: does a variant clear both the chance and the expected-loss thresholds?"""
    ok: NDArray[np.bool_] = (np.asarray(chance) >= required_chance(policy, n_arms)) & (
        np.asarray(expected_loss) <= policy.max_expected_loss
    )
    return ok


def _pct(x: float) -> str:
    return f"{x:.1%}"


def decide(
    table: pd.DataFrame, runtime_days: float, policy: DecisionPolicy | None = None
) -> Decision:
    """Apply the stopping rule to an ``analyze(..., relative=True)`` table after ``runtime_days`` of running.

    Raises InputError for a table that is not such an output (missing columns, no single control row,
    absolute lifts) or a negative runtime.
    """
    policy = policy or DecisionPolicy()
    needed = {"arm", "is_control", "units", "chance_to_beat_control", "expected_loss", "prob_best"}
    missing = sorted(needed - set(table.columns))
    if missing:
        raise InputError(
            f"decision table is missing column(s) {missing}: pass the output of analyze"
        )
    if table.attrs.get("relative") is False:
        raise InputError(
            "decision table has absolute lifts: the expected-loss threshold is relative to control, "
            "pass analyze(..., relative=True)"
        )
    if runtime_days < 0:
        raise InputError(f"runtime_days must not be negative, got {runtime_days}")
    if int(table["is_control"].sum()) != 1:
        raise InputError("decision table must have exactly one control row")
    need = required_chance(policy, len(table))
    over = runtime_days >= policy.max_runtime_days

    waiting: list[str] = []
    if runtime_days < policy.min_runtime_days:
        waiting.append(f"day {runtime_days:g} of a minimum {policy.min_runtime_days:g}")
    for _, row in table[table["units"] < policy.min_units_per_arm].iterrows():
        waiting.append(
            f"arm {row['arm']!r} has {int(row['units'])} units of a minimum {policy.min_units_per_arm}"
        )
    if waiting:
        status = Status.INCONCLUSIVE if over else Status.KEEP_RUNNING
        return Decision(status, None, tuple(waiting), need)

    variants = table[~table["is_control"].astype(bool)]
    ok = passes(variants["chance_to_beat_control"], variants["expected_loss"], policy, len(table))
    if ok.any():
        best = (
            variants[ok]
            .sort_values(["prob_best", "chance_to_beat_control"], ascending=False)
            .iloc[0]
        )
        reason = (
            f"arm {best['arm']!r}: {_pct(best['chance_to_beat_control'])} chance to beat control "
            f"(needed {_pct(need)}), expected loss {_pct(best['expected_loss'])} "
            f"(allowed {_pct(policy.max_expected_loss)})"
        )
        return Decision(Status.WINNER, str(best["arm"]), (reason,), need)

    control = table[table["is_control"].astype(bool)].iloc[0]
    control_wins = (variants["chance_to_beat_control"] <= 1.0 - need).all() and (
        control["expected_loss"] <= policy.max_expected_loss
    )
    if control_wins:
        reason = (
            f"no variant beats control: every variant has at most {_pct(1 - need)} chance, "
            f"keeping control risks {_pct(control['expected_loss'])}"
        )
        return Decision(Status.NO_WINNER, None, (reason,), need)

    lead = variants.sort_values("chance_to_beat_control", ascending=False).iloc[0]
    reasons = (
        f"best variant {lead['arm']!r}: {_pct(lead['chance_to_beat_control'])} chance to beat control "
        f"(needed {_pct(need)}), expected loss {_pct(lead['expected_loss'])} "
        f"(allowed {_pct(policy.max_expected_loss)})",
    )
    if over:
        return Decision(
            Status.INCONCLUSIVE,
            None,
            (f"maximum runtime {policy.max_runtime_days:g} days reached",) + reasons,
            need,
        )
    return Decision(Status.KEEP_RUNNING, None, reasons, need)
