"""``allocate(history, policy) -> DataFrame``: the one entry point for the CLI, the nightly job and the UI.

Fit (or take) the posteriors, turn them into concave value curves for the policy's objective and risk
attitude, water-fill the movable budget, blend in a Thompson draw for exploration, round to whole minor
units exactly, and report each unit's expected outcome with 90% credible bounds and the reason for its
budget. Every constraint (total, bounds, maximum change, campaign limits) holds exactly on the rounded
budgets; if the total cannot be met within the change limits the result gets as close as allowed and says so.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from budgets.pacing import pace_policy
from budgets.policy import BudgetPolicy, Objective
from optimizer.allocation.bids import recommend_bid
from optimizer.allocation.curves import Curves, PosteriorArrays, draw_curves, risk_curves
from optimizer.allocation.outcomes import expected_outcomes
from optimizer.allocation.reasons import budget_reason
from optimizer.allocation.rounding import round_grouped
from optimizer.allocation.units import build_units, to_minor_floor, unit_bounds
from optimizer.allocation.waterfill import water_fill
from optimizer.errors import InputError
from optimizer.models.fitting import ModelConfig, default_as_of, fit
from optimizer.models.history import validate_history
from optimizer.models.posterior import FitResult, FitStatus
from optimizer.money import major_to_minor, minor_to_major, offset, parse_decimal

__all__ = ["COLUMNS", "allocate", "as_policy", "objective_terms"]

COLUMNS = [
    "budget_id",
    "level",
    "adset_id",
    "campaign_id",
    "current_budget",
    "recommended_budget",
    "expected_conversions",
    "expected_conversions_low",
    "expected_conversions_high",
    "expected_revenue",
    "expected_revenue_low",
    "expected_revenue_high",
    "fit_status",
    "bid_strategy",
    "current_bid",
    "recommended_bid",
    "reason",
]


def as_policy(policy: BudgetPolicy | Mapping[str, Any]) -> BudgetPolicy:
    """A policy object from a BudgetPolicy or a plain dict (validated by ``BudgetPolicy.from_dict``)."""
    if isinstance(policy, BudgetPolicy):
        return policy
    if isinstance(policy, Mapping):
        return BudgetPolicy.from_dict(policy)
    raise InputError(f"policy: expected a BudgetPolicy or a dict, got {type(policy).__name__}")


def objective_terms(policy: BudgetPolicy) -> tuple[bool, float, float]:
    """(revenue_valued, value per conversion or per unit of revenue, cost per unit of spend)."""
    match policy.objective:
        case Objective.PROFIT:
            return True, float(policy.margin), 1.0
        case Objective.REVENUE:
            return True, 1.0, 0.0
        case Objective.CONVERSIONS:
            return False, 1.0, 0.0
        case Objective.TARGET_CPA:  # a conversion is worth the target CPA: marginal CPA <= target
            assert policy.target_cpa is not None
            return False, float(policy.target_cpa), 1.0
        case (
            Objective.TARGET_ROAS
        ):  # revenue / target ROAS per unit of spend: marginal ROAS >= target
            assert policy.target_roas is not None
            return True, 1.0 / float(policy.target_roas), 1.0
    raise InputError(f"policy.objective: unsupported {policy.objective!r}")


def _aggregate(curves: Curves, unit_of: np.ndarray, n_units: int, ref: np.ndarray) -> Curves:
    """Ad-set curves summed into unit curves (a CBO campaign splits in proportion to reference spend)."""
    k = curves.scale * curves.value
    k_u = np.bincount(unit_of, weights=k, minlength=n_units)
    kb = np.bincount(unit_of, weights=k * curves.elasticity, minlength=n_units)
    elasticity = np.where(k_u > 0, kb / np.where(k_u > 0, k_u, 1.0), 0.5)
    return Curves(
        scale=k_u, elasticity=elasticity, reference=ref, value=np.ones(n_units), cost=curves.cost
    )


def _daily_total(
    policy: BudgetPolicy,
    managed_current: int,
    daily_total: Decimal | None,
    month_spend: Decimal,
    as_of: date,
) -> int:
    """The day's total in minor units: given, the policy's, the monthly budget paced, or the current one."""
    if daily_total is not None:
        if daily_total < 0:
            raise InputError(f"daily_total: must not be negative, got {daily_total}")
        return to_minor_floor(Decimal(daily_total), policy.currency)
    if policy.total_daily_budget is not None:
        return to_minor_floor(policy.total_daily_budget, policy.currency)
    if policy.monthly_budget is not None:
        return to_minor_floor(pace_policy(policy, month_spend, as_of).daily_total, policy.currency)
    return managed_current


def _month_spend(frame: pd.DataFrame, adset_ids: list[str], as_of: date, currency: str) -> Decimal:
    """Spend of the managed ad sets in ``as_of``'s month before ``as_of`` (for monthly pacing)."""
    first = pd.Timestamp(as_of.replace(day=1))
    rows = frame[(frame["date"] >= first) & frame["adset_id"].isin(adset_ids)]
    return minor_to_major(
        major_to_minor(Decimal(repr(float(rows["spend"].sum()))), currency), currency
    )


def allocate(
    history: pd.DataFrame,
    policy: BudgetPolicy | Mapping[str, Any],
    *,
    posteriors: Mapping[str, FitResult] | None = None,
    seed: int = 0,
    as_of: date | None = None,
    daily_total: Decimal | None = None,
    model_config: ModelConfig | None = None,
    cbo_campaigns: Collection[str] = (),
    bids: Mapping[str, Decimal] | None = None,
) -> pd.DataFrame:
    """Recommend tomorrow's budget (and bid) for every unit; one row per ad set or CBO campaign.

    ``history`` is the daily frame of :func:`optimizer.models.validate_history`; ``policy`` a BudgetPolicy or
    a dict. ``posteriors`` skips the fit (e.g. the nightly job fitted already); ``daily_total`` overrides the
    policy's total (a monthly budget's paced day); ``cbo_campaigns`` adds CBO campaigns not visible in
    history (a ``campaign_budget`` column marks the others); ``bids`` gives ad sets' current bid caps or
    cost caps (major units) where history has no ``bid_amount``. ``seed`` fixes the exploration draw.
    """
    pol = as_policy(policy)
    frame = validate_history(history)
    if as_of is None:
        as_of = default_as_of(frame) or date.today()
    frame = frame[frame["date"] < pd.Timestamp(as_of)]
    units, campaign_of = build_units(frame, pol, as_of, cbo_campaigns=cbo_campaigns)
    for unit in units:
        if bids and unit.level == "adset" and unit.budget_id in bids:
            amount = parse_decimal(bids[unit.budget_id], f"bids[{unit.budget_id}]")
            if amount <= 0:
                raise InputError(f"bids[{unit.budget_id}]: a bid must be above zero, got {amount}")
            unit.current_bid = major_to_minor(amount, pol.currency)
    if not units:
        return pd.DataFrame(columns=COLUMNS)
    adset_ids = [a for u in units for a in u.adset_ids]
    if posteriors is None:
        posteriors = fit(
            frame, config=model_config, as_of=as_of, adsets={a: campaign_of[a] for a in adset_ids}
        )
    missing = [a for a in adset_ids if a not in posteriors]
    if missing:
        raise InputError(f"posteriors: no posterior for ad set(s) {', '.join(missing[:5])}")
    scale = offset(pol.currency)
    unit_of = np.asarray([i for i, u in enumerate(units) for _ in u.adset_ids], dtype=int)
    n_units = len(units)
    post = PosteriorArrays.stack([posteriors[a] for a in adset_ids], weekday=as_of.weekday())
    # a CBO campaign's reference spend is split among its ad sets in proportion to theirs
    ref_u = np.bincount(unit_of, weights=post.reference, minlength=n_units)

    managed = [u for u in units if u.role in ("movable", "frozen")]
    managed_adsets = [a for u in managed for a in u.adset_ids]
    month_spend = _month_spend(frame, managed_adsets, as_of, pol.currency)
    total = _daily_total(pol, sum(u.current for u in managed), daily_total, month_spend, as_of)
    frozen_total = sum(u.current for u in units if u.role == "frozen")
    movable = [i for i, u in enumerate(units) if u.role == "movable"]
    lo = np.zeros(n_units, dtype=np.int64)
    hi = np.zeros(n_units, dtype=np.int64)
    for i, u in enumerate(units):
        if u.role == "movable":
            lo[i], hi[i] = unit_bounds(u, pol)
        else:
            lo[i] = hi[i] = u.current
    budget_total = total - frozen_total
    notes: list[str] = []

    # campaign limits over the ad sets of non-CBO campaigns (frozen members count toward them)
    group = np.full(n_units, -1)
    g_lo: list[float] = []
    g_hi: list[float] = []
    for campaign, limits in pol.campaigns.items():
        members = [
            i for i in movable if units[i].level == "adset" and units[i].campaign_id == campaign
        ]
        if not members:
            continue
        fixed = sum(u.current for u in units if u.role == "frozen" and u.campaign_id == campaign)
        group[members] = len(g_lo)
        g_lo.append(0.0 if limits.min is None else float(limits.min * scale) - fixed)
        g_hi.append(np.inf if limits.max is None else float(limits.max * scale) - fixed)

    recommended = np.asarray([u.current for u in units], dtype=np.int64)
    marginal = np.full(
        n_units, np.nan
    )  # objective value of the next unit of spend, at the recommendation
    account_marginal = float("nan")
    status = "optimal"
    if movable:
        idx = np.asarray(movable)
        revenue_valued, value, cost = objective_terms(pol)
        curve_args = {"revenue_valued": revenue_valued, "value_per_unit": value, "cost": cost}
        base = risk_curves(post, risk=pol.risk, quantile=pol.risk_quantile, **curve_args)  # type: ignore[arg-type]
        lo_m, hi_m = lo[idx] / scale, hi[idx] / scale
        sub_group = group[idx]
        # compact group numbering for the movable subset
        groups_used = sorted({int(g) for g in sub_group if g >= 0})
        remap = {g: k for k, g in enumerate(groups_used)}
        sub_group = np.asarray([remap.get(int(g), -1) for g in sub_group], dtype=int)
        glo = np.asarray([g_lo[g] for g in groups_used], dtype=float) / scale
        ghi = np.asarray([g_hi[g] for g in groups_used], dtype=float) / scale
        cap = max(budget_total, 0) / scale

        def solve(curves: Curves) -> tuple[np.ndarray, str, float]:
            unit_curves = _aggregate(curves, unit_of, n_units, ref_u).take(idx)
            sol = water_fill(
                unit_curves, lo_m, hi_m, cap, group=sub_group, group_lo=glo, group_hi=ghi
            )
            return sol.spend, sol.status, sol.multiplier

        spend, status, account_marginal = solve(base)
        if pol.exploration_share > 0:
            rng = np.random.default_rng(seed)
            drawn, _, _ = solve(draw_curves(post, rng, **curve_args))  # type: ignore[arg-type]
            spend = (1 - pol.exploration_share) * spend + pol.exploration_share * drawn
        target = int(round(float(spend.sum()) * scale))
        target = max(min(target, max(budget_total, 0)), int(lo[idx].sum()))
        target = min(target, int(hi[idx].sum()))
        recommended[idx] = round_grouped(
            spend * scale, lo[idx], hi[idx], target, sub_group, glo * scale, ghi * scale
        )
        unit_base = _aggregate(base, unit_of, n_units, ref_u).take(idx)
        marginal[idx] = unit_base.marginal(recommended[idx] / scale)
        if status == "total_below_minimum":
            notes.append(
                f"the total ({minor_to_major(max(budget_total, 0), pol.currency)}) is below what the "
                "change limits and minimums allow: every budget at its lowest allowed value"
            )
        elif status == "total_above_maximum":
            notes.append("the total cannot be reached within the change limits and maximums")

    spend_adset = recommended[unit_of] / scale * post.reference / ref_u[unit_of]
    outcome = expected_outcomes(post, spend_adset, unit_of, n_units)
    rows = []
    for i, u in enumerate(units):
        fit_results = [posteriors[a] for a in u.adset_ids]
        statuses = {r.status for r in fit_results}
        fit_status = FitStatus.FITTED if statuses == {FitStatus.FITTED} else FitStatus.PRIOR
        reasons = budget_reason(
            u, int(recommended[i]), int(lo[i]), int(hi[i]), notes, marginal[i], account_marginal
        )
        reasons += [r.reason for r in fit_results if r.reason and len(fit_results) == 1]
        new_bid, bid_reason = recommend_bid(
            u, pol, recommended[i] / scale, outcome["conversions"][i], fit_results
        )
        if bid_reason:
            reasons.append(bid_reason)
        rows.append(
            {
                "budget_id": u.budget_id,
                "level": u.level,
                "adset_id": u.budget_id if u.level == "adset" else None,
                "campaign_id": u.campaign_id,
                "current_budget": minor_to_major(u.current, pol.currency),
                "recommended_budget": minor_to_major(int(recommended[i]), pol.currency),
                **{
                    f"expected_{name}": float(outcome[name][i])
                    for name in ("conversions", "revenue")
                },
                **{
                    f"expected_{name}_{side}": float(outcome[f"{name}_{side}"][i])
                    for name in ("conversions", "revenue")
                    for side in ("low", "high")
                },
                "fit_status": str(fit_status),
                "bid_strategy": u.bid_strategy,
                "current_bid": None
                if u.current_bid is None
                else minor_to_major(u.current_bid, pol.currency),
                "recommended_bid": new_bid,
                "reason": "; ".join(reasons),
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)
