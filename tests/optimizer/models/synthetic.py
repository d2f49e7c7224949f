"""A small known-truth generator for model tests: power curves, NB noise, weekday effects, delay."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Truth:
    rate: np.ndarray  # conversions per unit spend at reference spend
    elasticity: np.ndarray
    reference: np.ndarray
    order_value: np.ndarray
    weekday: np.ndarray
    campaign: list[str]

    def expected(self, i: int, spend: float, weekday: int | None = None) -> float:
        factor = 1.0 if weekday is None else float(self.weekday[weekday])
        ref = self.reference[i]
        return float(self.rate[i] * ref * (spend / ref) ** self.elasticity[i] * factor)


def simulate(
    n_adsets: int = 12,
    days: int = 60,
    *,
    seed: int = 0,
    campaigns: int = 3,
    size: float = 5.0,
    completeness: tuple[float, ...] = (),
    weekday_amp: float = 0.0,
    start: date = date(2026, 1, 5),
    spend_level: float = 100.0,
) -> tuple[pd.DataFrame, Truth]:
    rng = np.random.default_rng(seed)
    campaign = [f"c{i % campaigns}" for i in range(n_adsets)]
    camp_effect = rng.normal(0, 0.3, campaigns)
    rate = np.exp(np.log(0.05) + camp_effect[[i % campaigns for i in range(n_adsets)]]
                  + rng.normal(0, 0.2, n_adsets))  # fmt: skip
    elasticity = np.clip(rng.normal(0.6, 0.1, n_adsets), 0.2, 0.9)
    reference = spend_level * np.exp(rng.normal(0, 0.5, n_adsets))
    order_value = 40.0 * np.exp(rng.normal(0, 0.2, n_adsets))
    weekday = 1.0 + weekday_amp * np.sin(np.arange(7) * 2 * np.pi / 7)
    weekday = weekday / weekday.mean()
    truth = Truth(rate, elasticity, reference, order_value, weekday, campaign)
    rows = []
    for d in range(days):
        day = start + timedelta(days=d)
        lag = days - 1 - d
        share = completeness[lag] if lag < len(completeness) else 1.0
        for i in range(n_adsets):
            budget = reference[i] * np.exp(rng.normal(0, 0.25))
            spend = budget * rng.uniform(0.85, 1.0)
            mu = truth.expected(i, spend, day.weekday()) * share
            lam = rng.gamma(size, mu / size) if mu > 0 else 0.0
            conv = int(rng.poisson(lam))
            # the auction bends delivery as it bends conversions: impressions ~ spend^b, clicks ~ 2%
            impressions = int(
                rng.poisson(60.0 * reference[i] * (spend / reference[i]) ** elasticity[i])
            )
            revenue = float(rng.gamma(2.0, order_value[i] / 2.0, size=conv).sum()) if conv else 0.0
            rows.append(
                {
                    "date": day,
                    "adset_id": f"a{i:03d}",
                    "campaign_id": campaign[i],
                    "spend": round(spend, 2),
                    "impressions": impressions,
                    "clicks": int(rng.binomial(impressions, 0.02)),
                    "conversions": conv,
                    "revenue": round(revenue, 2),
                    "daily_budget": round(budget, 2),
                }
            )
    return pd.DataFrame(rows), truth
