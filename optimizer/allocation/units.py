"""Budget units: what holds a budget (an ad set, or a CBO campaign for all its ad sets) and its bounds.

Reads the validated history and the policy, and says for each unit its current budget (the latest
``daily_budget`` in force, else its recent mean spend), its role (movable, frozen, excluded, unlisted) and
the integer minor-unit bounds the allocator must respect: the policy's min/max, then the maximum daily
change around the current budget (around the minimum for a unit without a budget yet). When the two
conflict the policy's bounds win, exactly as in ``budgets.guardrails``, and the unit says so.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Literal

import numpy as np
import pandas as pd

from budgets.policy import BudgetPolicy
from optimizer.money import major_to_minor, offset

__all__ = ["Unit", "build_units", "to_minor_floor", "unit_bounds"]

Role = Literal["movable", "frozen", "excluded", "unlisted"]
_RECENT_DAYS = 7


@dataclass
class Unit:
    """One budget holder and the ad sets whose response it buys."""

    budget_id: str
    level: Literal["adset", "campaign"]
    campaign_id: str | None
    adset_ids: list[str]
    current: int  # minor units; 0 = no budget yet
    role: Role
    lo: int = 0
    hi: int = 0
    notes: list[str] = field(default_factory=list)
    bid_strategy: str | None = None
    current_bid: int | None = None  # minor units


def _minor(amount: float, currency: str) -> int:
    return major_to_minor(Decimal(repr(float(amount))), currency)


def _role(policy: BudgetPolicy, budget_id: str, members: list[str]) -> Role:
    ids = [budget_id, *members]
    if any(i in policy.excluded for i in ids):
        return "excluded"
    if any(i in policy.frozen for i in ids):
        return "frozen"
    if policy.adsets is not None and not any(i in policy.adsets for i in ids):
        return "unlisted"
    return "movable"


def build_units(
    frame: pd.DataFrame,
    policy: BudgetPolicy,
    as_of: date,
    *,
    cbo_campaigns: Collection[str] = (),
) -> tuple[list[Unit], dict[str, str | None]]:
    """Units from history (active in the last week, or listed in the policy) and each ad set's campaign."""
    currency = policy.currency
    recent = frame[frame["date"] >= pd.Timestamp(as_of - timedelta(days=_RECENT_DAYS))]
    latest = frame.groupby("adset_id", sort=True).tail(1).set_index("adset_id")
    campaign_of: dict[str, str | None] = {
        str(k): (None if v is None else str(v)) for k, v in latest["campaign_id"].items()
    }
    active = set(recent.loc[(recent["spend"] > 0) | (recent["daily_budget"] > 0), "adset_id"])
    wanted = set(policy.adsets or ()) | set(policy.frozen)
    adset_ids = sorted(active | (wanted & set(campaign_of)) | (set(policy.adsets or ())))
    for adset_id in adset_ids:
        campaign_of.setdefault(adset_id, None)
    cbo = set(cbo_campaigns)
    cbo |= {
        str(c) for c in frame.loc[frame["campaign_budget"].notna(), "campaign_id"].dropna().unique()
    }
    mean_spend = recent.groupby("adset_id")["spend"].sum() / _RECENT_DAYS
    budget_of = {str(k): float(v) for k, v in latest["daily_budget"].items()}
    bid_of = {str(k): float(v) for k, v in latest["bid_amount"].items()}
    strategy_of = {
        str(k): (None if v is None or v != v else str(v)) for k, v in latest["bid_strategy"].items()
    }
    units: list[Unit] = []
    by_campaign: dict[str, list[str]] = {}
    for adset_id in adset_ids:
        campaign = campaign_of[adset_id]
        if campaign is not None and campaign in cbo:
            by_campaign.setdefault(campaign, []).append(adset_id)
            continue
        current = 0
        strategy: str | None = None
        bid: int | None = None
        if adset_id in budget_of:
            budget = budget_of[adset_id]
            if np.isfinite(budget):
                current = _minor(budget, currency)
            else:
                current = _minor(float(mean_spend.get(adset_id, 0.0)), currency)
            if np.isfinite(bid_of[adset_id]) and bid_of[adset_id] > 0:
                bid = _minor(bid_of[adset_id], currency)
                strategy = strategy_of[adset_id]
        units.append(
            Unit(
                budget_id=adset_id,
                level="adset",
                campaign_id=campaign,
                adset_ids=[adset_id],
                current=current,
                role=_role(policy, adset_id, [adset_id]),
                bid_strategy=strategy,
                current_bid=bid,
            )
        )
    for campaign, members in sorted(by_campaign.items()):
        rows = frame[frame["campaign_id"] == campaign]
        last_day = rows["date"].max()
        budgets = rows.loc[rows["date"] == last_day, "campaign_budget"].dropna()
        if len(budgets):
            current = _minor(float(budgets.max()), currency)
        else:
            current = _minor(float(sum(mean_spend.get(m, 0.0) for m in members)), currency)
        units.append(
            Unit(
                budget_id=campaign,
                level="campaign",
                campaign_id=campaign,
                adset_ids=members,
                current=current,
                role=_role(policy, campaign, members),
            )
        )
    return units, campaign_of


def _policy_bounds(unit: Unit, policy: BudgetPolicy) -> tuple[Decimal, Decimal | None]:
    """The unit's own (min, max): ad set limits, or a CBO campaign's limits, over the defaults."""
    if unit.level == "adset":
        return policy.adset_bounds(unit.budget_id)
    return policy.campaign_bounds(unit.budget_id)


def unit_bounds(unit: Unit, policy: BudgetPolicy) -> tuple[int, int]:
    """Integer minor-unit [lo, hi] for a movable unit: policy bounds, then max daily change inside them."""
    scale = offset(policy.currency)
    low_b, high_b = _policy_bounds(unit, policy)
    low = int((low_b * scale).to_integral_value(rounding=ROUND_CEILING))
    high = None if high_b is None else int((high_b * scale).to_integral_value(rounding=ROUND_FLOOR))
    reference = unit.current if unit.current > 0 else low
    if unit.current <= 0:
        unit.notes.append("no budget yet: starts from the minimum")
    step = Decimal(str(policy.max_daily_change))
    window_lo = int((reference * (1 - step)).to_integral_value(rounding=ROUND_CEILING))
    window_hi = int((reference * (1 + step)).to_integral_value(rounding=ROUND_FLOOR))
    lo, hi = max(window_lo, low), window_hi if high is None else min(window_hi, high)
    if lo > hi:  # the policy's bounds come first, as in budgets.guardrails
        if window_hi < low:
            lo = hi = low
            unit.notes.append("raised to the minimum budget, beyond the daily change limit")
        else:
            lo = hi = high if high is not None else window_lo
            unit.notes.append("cut to the maximum budget, beyond the daily change limit")
    return lo, hi


def to_minor_floor(amount: Decimal, currency: str) -> int:
    """A total in major units to whole minor units, never above it."""
    return int((amount * offset(currency)).to_integral_value(rounding=ROUND_FLOOR))
