"""The closed loop in-process: each night a policy proposes, the guardrails check, the market moves.

Every proposal passes the same guardrail check (:func:`budgets.check_changes`: 20% a day, the total as a
ceiling) before it reaches the market. Profit is measured on the truth, not on noisy reports: each day,
the true expected revenue at the spend each ad set actually had (learning-phase penalties included),
minus that spend.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from budgets import ProposedChange, check_changes
from optimizer.backtest.policies import POLICIES, POLICY_FUNCTIONS
from optimizer.backtest.world import Knobs, World, make_market, new_world
from optimizer.sandbox.market import Market

__all__ = ["DROP_DAY", "NEW_DAY", "LoopResult", "run_policy", "run_scenario"]

DROP_DAY, NEW_DAY = 20, 10


def _guard_and_apply(world: World, proposed: dict[str, Decimal]) -> None:
    current = world.budgets()
    changes = [
        ProposedChange(a, "adset", "daily_budget", current[a], value)
        for a, value in sorted(proposed.items())
        if a in current and value != current[a]
    ]
    for checked in check_changes(changes, world.policy, current_budgets=current):
        if checked.approved is None or checked.approved == checked.change.current:
            continue
        minor = int(Decimal(str(checked.approved)) * 100)
        world.market.update(checked.change.object_id, {"daily_budget": minor})


def _scenario_event(world: World, scenario: str, day: int) -> None:
    market = world.market
    if scenario == "drop" and day == 0:
        # chosen on the first day, from the starting budgets, so every policy meets the same event
        today = market.today
        world.target = max(
            world.movable, key=lambda a: market.truth.marginal_roas(a, world.budgets()[a], today)
        )
    if scenario == "drop" and day == DROP_DAY and world.target is not None:
        # the ad set with the best true marginal return collapses (a tired offer, a broken landing page)
        market._model.set_cvr[market._position[world.target]] *= 0.3
    if scenario == "new_adset" and day == NEW_DAY:
        campaign = market.adsets[world.movable[0]].campaign_id
        adset = market.create_adset(
            world.account_id,
            {
                "campaign_id": campaign, "name": "Launch", "daily_budget": 2000, "status": "ACTIVE",
                "targeting": {"geo_locations": {"countries": ["US"]}, "age_min": 21, "age_max": 40},
                "bid_strategy": "LOWEST_COST_WITHOUT_CAP", "optimization_goal": "OFFSITE_CONVERSIONS",
                "billing_event": "IMPRESSIONS",
            },
        )  # fmt: skip
        creative = market.create_creative(
            world.account_id,
            {"name": "Launch creative", "call_to_action_type": "SHOP_NOW", "title": "New",
             "body": "New in.", "link_url": "https://shop.example.com/launch"},
        )  # fmt: skip
        market.create_ad(
            world.account_id,
            {"name": "Launch ad", "adset_id": adset.id, "creative_id": creative.id},
            created_time=datetime.combine(market.today, time(9, 0), UTC),
        )
        world.set_movable(sorted([*world.movable, adset.id]), world.total + Decimal(20))


def _book_day(world: World) -> None:
    market = world.market
    day = market.today - timedelta(days=1)
    spend: dict[str, float] = {}
    for row in market.metrics(world.account_id, day, day):
        spend[row.adset_id] = spend.get(row.adset_id, 0.0) + float(row.spend)
    profit = 0.0
    for adset_id in world.movable:
        s = spend.get(adset_id, 0.0)
        profit += float(market.truth.revenue_curve(adset_id, [s], day)[0]) - s
    world.daily.append(profit)
    world.profit += profit


def run_policy(
    start: Market, scenario: str, policy: str, seed: int, days: int, knobs: Knobs | None = None
) -> World:
    """One policy through ``days`` nights on its own copy of ``start``; returns its world (with profit)."""
    world = new_world(copy.deepcopy(start), seed, knobs)
    decide = POLICY_FUNCTIONS[policy]
    for day in range(days):
        _scenario_event(world, scenario, day)
        _guard_and_apply(world, decide(world, day))
        world.market.advance(1)
        _book_day(world)
    return world


@dataclass(frozen=True)
class LoopResult:
    """Each policy's true profit over the run of one scenario and seed."""

    scenario: str
    seed: int
    profits: dict[str, float]

    def share(self, policy: str) -> float:
        return self.profits[policy] / self.profits["oracle"]


def run_scenario(
    scenario: str,
    seed: int,
    days: int,
    policies: tuple[str, ...] = POLICIES,
    knobs: Knobs | None = None,
) -> LoopResult:
    """Every policy in ``policies`` (the oracle included: shares are of it) on one scenario and seed."""
    start = make_market(scenario, seed)
    profits = {
        policy: run_policy(start, scenario, policy, seed, days, knobs).profit
        for policy in dict.fromkeys((*policies, "oracle"))
    }
    return LoopResult(scenario, seed, profits)
