"""What a tuning trial is scored on: true profit in the sandbox's closed loop, or forecast error on an
account's own history (rolling origin), where true profit is unknowable.

Both are deterministic for given knobs (seeded markets and draws), so trials compare knobs, not luck, and
a resumed study scores the same knobs the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

import numpy as np
import pandas as pd

from optimizer.backtest import Knobs, make_market, run_policy
from optimizer.models import ModelConfig, fit
from optimizer.models.history import validate_history

__all__ = ["RollingOrigin", "SandboxLoop", "rolling_origin_error"]


@dataclass
class SandboxLoop:
    """Mean share of the oracle's true profit that the nightly policy earns with the knobs, over
    ``scenarios`` x ``seeds`` runs of ``days`` nights (higher is better). The oracle runs once per
    scenario and seed and is cached."""

    scenarios: Sequence[str] = ("steady",)
    seeds: Sequence[int] = (1,)
    days: int = 30
    adsets: int = 12
    history_days: int = 60
    _oracle: dict[tuple[str, int], float] = field(default_factory=dict, repr=False)

    direction: Literal["maximize", "minimize"] = "maximize"

    def __call__(self, knobs: Knobs) -> float:
        shares = []
        for scenario in self.scenarios:
            for seed in self.seeds:
                start = make_market(scenario, seed, self.history_days, self.adsets)
                key = (scenario, seed)
                if key not in self._oracle:
                    self._oracle[key] = run_policy(
                        start, scenario, "oracle", seed, self.days
                    ).profit
                mine = run_policy(start, scenario, "nightly", seed, self.days, knobs).profit
                shares.append(mine / self._oracle[key])
        return float(np.mean(shares))


def rolling_origin_error(
    history: pd.DataFrame,
    config: ModelConfig,
    *,
    windows: int = 4,
    horizon: int = 7,
    settle: int = 7,
    min_expected: float = 5.0,
) -> float:
    """Root mean squared log error of each ad set's conversions over ``horizon`` days, predicted by a fit
    on the days before (at the spend it actually had), over ``windows`` back-to-back origins that end
    ``settle`` days before the last day (so the scored days' conversions have arrived). Ad sets expected
    to have fewer than ``min_expected`` conversions are skipped (too noisy to score). NaN if nothing
    could be scored."""
    frame = validate_history(history)
    if frame.empty:
        return float("nan")
    last: date = frame["date"].max().date()
    errors: list[float] = []
    for k in range(windows):
        origin = last + timedelta(days=1) - timedelta(days=settle + horizon * (k + 1))
        past = frame[frame["date"] < pd.Timestamp(origin)]
        ahead = frame[
            (frame["date"] >= pd.Timestamp(origin))
            & (frame["date"] < pd.Timestamp(origin + timedelta(days=horizon)))
            & (frame["spend"] > 0)
        ]
        if past["date"].nunique() < 14 or ahead.empty:
            continue
        posteriors = fit(past, config=config, as_of=origin)
        for adset_id, rows in ahead.groupby("adset_id"):
            result = posteriors.get(str(adset_id))
            if result is None:
                continue
            predicted = sum(
                float(result.expected_conversions(s, weekday=d.weekday()))
                for s, d in zip(rows["spend"], rows["date"], strict=True)
            )
            if predicted < min_expected:
                continue
            observed = float(rows["conversions"].sum())
            errors.append(float(np.log((observed + 0.5) / (predicted + 0.5))))
    return float(np.sqrt(np.mean(np.square(errors)))) if errors else float("nan")


@dataclass
class RollingOrigin:
    """Forecast error of the model with the knobs on an account's history (lower is better)."""

    history: pd.DataFrame
    windows: int = 4
    horizon: int = 7

    direction: Literal["maximize", "minimize"] = "minimize"

    def __call__(self, knobs: Knobs) -> float:
        return rolling_origin_error(
            self.history, knobs.model, windows=self.windows, horizon=self.horizon
        )
