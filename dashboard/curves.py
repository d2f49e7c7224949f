"""The Response curves page's numbers: a fitted curve with its band, observed days, and two marked spends.

Everything comes from the posterior's own closed forms (:class:`optimizer.models.FitResult`): the curve is
the posterior mean of expected daily conversions (or revenue) at each spend, the band its 90% credible
interval, the marginal return d E[outcome] / d spend. Nothing is re-derived here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from optimizer.errors import InputError
from optimizer.models import FitResult

__all__ = [
    "Effect",
    "Outcome",
    "SpendMark",
    "curve_frame",
    "effect",
    "marks",
    "observed_points",
    "spend_marks",
    "unit_members",
]

Outcome = Literal["conversions", "revenue"]
BAND = 0.9


def _check(outcome: str) -> None:
    if outcome not in ("conversions", "revenue"):
        raise InputError(f"outcome: expected 'conversions' or 'revenue', got {outcome!r}")


def expected(fit: FitResult, spend: np.ndarray | float, outcome: Outcome) -> np.ndarray:
    """Posterior mean of the expected daily outcome at ``spend`` (average weekday)."""
    _check(outcome)
    if outcome == "revenue":
        return fit.expected_revenue(spend)
    return fit.expected_conversions(spend)


def marginal(fit: FitResult, spend: np.ndarray | float, outcome: Outcome) -> np.ndarray:
    """Posterior mean of the outcome bought by the next unit of spend at ``spend``."""
    _check(outcome)
    slope = fit.marginal_conversions(spend)
    return slope * fit.order_value if outcome == "revenue" else slope


def curve_frame(
    fit: FitResult, top: float, outcome: Outcome = "revenue", points: int = 80
) -> pd.DataFrame:
    """``spend``, ``expected``, ``low``, ``high``, ``marginal`` on a grid from 0 to ``top``."""
    if not np.isfinite(top) or top <= 0:
        raise InputError(f"top: the spend axis needs a positive end, got {top!r}")
    spend = np.linspace(top / points, top, points)
    if outcome == "revenue":
        low, high = fit.revenue_interval(spend, BAND)
    else:
        low, high = fit.conversions_interval(spend, BAND)
    return pd.DataFrame(
        {
            "spend": spend,
            "expected": expected(fit, spend, outcome),
            "low": low,
            "high": high,
            "marginal": marginal(fit, spend, outcome),
        }
    )


def observed_points(history: pd.DataFrame, adset_id: str) -> pd.DataFrame:
    """The ad set's observed days (``date``, ``spend``, ``conversions``, ``revenue``) from the history frame."""
    rows = history[history["adset_id"] == adset_id]
    return rows[["date", "spend", "conversions", "revenue"]].reset_index(drop=True)


@dataclass(frozen=True)
class SpendMark:
    """A marked spend on the curve and what the posterior says there."""

    label: str
    spend: float
    expected: float
    marginal: float


def spend_marks(
    fit: FitResult, current: float | None, recommended: float | None, outcome: Outcome
) -> list[SpendMark]:
    """The current and recommended daily spend of the ad set (those known and positive), evaluated."""
    out = []
    for label, spend in (("current", current), ("recommended", recommended)):
        if spend is None or not np.isfinite(spend) or spend <= 0:
            continue
        out.append(
            SpendMark(
                label,
                float(spend),
                float(expected(fit, spend, outcome)),
                float(marginal(fit, spend, outcome)),
            )
        )
    return out


def marks(
    recommendations: pd.DataFrame,
    posteriors: Mapping[str, FitResult],
    adset_id: str,
    campaign_of: Mapping[str, str],
) -> tuple[float | None, float | None]:
    """(current, recommended) daily spend of one ad set from the allocator's recommendation table.

    An ad set row carries its own budgets. A CBO campaign's budget is shared among its ad sets in
    proportion to their reference spend, the same split the allocator uses for their expected outcomes.
    """
    own = recommendations[recommendations["adset_id"] == adset_id]
    if len(own):
        row = own.iloc[0]
        return float(row["current_budget"]), float(row["recommended_budget"])
    campaign = campaign_of.get(adset_id)
    unit = recommendations[
        (recommendations["level"] == "campaign") & (recommendations["budget_id"] == campaign)
    ]
    if campaign is None or not len(unit) or adset_id not in posteriors:
        return None, None
    _, shares = unit_members(campaign, "campaign", posteriors, campaign_of)
    share = shares.get(adset_id, 0.0)
    row = unit.iloc[0]
    return float(row["current_budget"]) * share, float(row["recommended_budget"]) * share


@dataclass(frozen=True)
class Effect:
    """Change in expected daily outcome from one spend to another: posterior mean and 90% interval."""

    mean: float
    low: float
    high: float


def _draws(
    fit: FitResult, spends: tuple[float, float], n: int, rng: np.random.Generator, revenue: bool
) -> tuple[np.ndarray, np.ndarray]:
    """The same ``n`` posterior draws of expected daily outcome evaluated at two spends."""
    params = fit.sample(n, rng)
    scale = np.ones(n)
    if revenue:
        log_value = rng.normal(fit.order_value_log_mean, np.sqrt(fit.order_value_log_var), size=n)
        scale = np.exp(log_value) if fit.order_value > 0 else np.zeros(n)

    def at(spend: float) -> np.ndarray:
        if spend <= 0:
            return np.zeros(n)
        x = np.log(spend / fit.reference_spend)
        return np.asarray(fit.reference_spend * np.exp(params[:, 0] + params[:, 1] * x) * scale)

    return at(spends[0]), at(spends[1])


def effect(
    members: Mapping[str, FitResult],
    shares: Mapping[str, float],
    current: float,
    recommended: float,
    outcome: Outcome = "revenue",
    *,
    draws: int = 4000,
    seed: int = 0,
) -> Effect:
    """Expected daily ``outcome`` at ``recommended`` minus at ``current`` spend, with its 90% interval.

    A budget unit is one ad set, or a CBO campaign whose ad sets (``members``) take ``shares`` of its
    budget. Both spends are evaluated on the same posterior draws, so the uncertainty they share cancels
    instead of adding up (the curve's level is uncertain, the change along it much less so).
    """
    _check(outcome)
    if not members:
        raise InputError("members: a budget unit needs at least one fitted ad set")
    rng = np.random.default_rng(seed)
    total = np.zeros(draws)
    for adset_id in sorted(members):
        share = shares.get(adset_id, 0.0)
        old, new = _draws(
            members[adset_id],
            (current * share, recommended * share),
            draws,
            rng,
            outcome == "revenue",
        )
        total += new - old
    low, high = np.quantile(total, [(1 - BAND) / 2, (1 + BAND) / 2])
    return Effect(float(total.mean()), float(low), float(high))


def unit_members(
    budget_id: str,
    level: str,
    posteriors: Mapping[str, FitResult],
    campaign_of: Mapping[str, str],
) -> tuple[dict[str, FitResult], dict[str, float]]:
    """The fitted ad sets behind one budget and the share of it each spends (by reference spend)."""
    if level != "campaign":
        fit = posteriors.get(budget_id)
        return ({budget_id: fit}, {budget_id: 1.0}) if fit is not None else ({}, {})
    members = {
        a: posteriors[a] for a, c in campaign_of.items() if c == budget_id and a in posteriors
    }
    total = sum(f.reference_spend for f in members.values())
    shares = {a: (f.reference_spend / total if total > 0 else 0.0) for a, f in members.items()}
    return members, shares
