"""The closed loop in-process: a sandbox market, a budget policy setting budgets each night, true profit.

Every policy starts from the same market (same seed, same history, same hidden truth) and sets the daily
budgets of the same ad sets each night for ``days`` days; every proposal passes the same guardrail check
(:func:`budgets.check_changes`: 20% a day, the total as a ceiling) before it reaches the market. Profit is
measured on the truth, not on noisy reports: each day, the true expected revenue at the spend each ad set
actually had (learning-phase penalties included), minus that spend.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_FLOOR, Decimal

import numpy as np
import pandas as pd

from budgets import BudgetPolicy, ProposedChange, check_changes
from optimizer.allocation import allocate
from optimizer.sandbox.market import Market, MarketConfig

START = date(2026, 1, 5)
SCENARIOS = ("steady", "sparse", "drop", "new_adset")
POLICIES = ("nightly", "fixed", "equal", "roas", "oracle")
DROP_DAY, NEW_DAY = 20, 10
WINDOW_DAYS = 90


def make_market(scenario: str, seed: int, history_days: int = 60, adsets: int = 12) -> Market:
    """The starting market of a scenario (a fresh copy is taken for each policy)."""
    config = MarketConfig(
        seed=seed, campaigns=3, adsets=adsets, ads_per_adset=2, history_days=history_days,
        cbo_campaigns=0, start_date=START,
    )  # fmt: skip
    if scenario != "sparse":
        return Market(config)
    # a tenth of the conversions at ten times the order value: the same economics, far fewer events
    market = Market(MarketConfig(**{**config.__dict__, "history_days": 0}))
    market._model.set_cvr *= 0.1
    market._model.set_aov *= 10.0
    market.config = config
    market._run_history()
    return market


@dataclass
class World:
    """One policy's copy of the market and what it may move."""

    market: Market
    account_id: str
    movable: list[str]
    total: Decimal
    policy: BudgetPolicy
    seed: int
    profit: float = 0.0
    daily: list[float] = field(default_factory=list)

    def budgets(self) -> dict[str, Decimal]:
        return {a: Decimal(self.market.adsets[a].daily_budget or 0) / 100 for a in self.movable}


def _world(market: Market, seed: int) -> World:
    account_id = next(iter(market.accounts))
    # bid-capped ad sets spend what their cap lets them, whatever the budget: bids are another lever,
    # so they keep their budgets and stay out of the comparison
    movable = sorted(
        a.id
        for a in market.adsets.values()
        if a.status == "ACTIVE" and a.daily_budget and a.bid_amount is None
    )
    total = sum((Decimal(market.adsets[a].daily_budget or 0) for a in movable), Decimal(0)) / 100
    return World(market, account_id, movable, total, _policy(total, movable), seed)


def _policy(total: Decimal, movable: list[str]) -> BudgetPolicy:
    return BudgetPolicy(currency="USD", total_daily_budget=total, adsets=movable)


def history_frame(market: Market, account_id: str) -> pd.DataFrame:
    """What the store would hold after a sync: per ad set and day, as reported today, with budgets now."""
    until = market.today - timedelta(days=1)
    since = max(START, until - timedelta(days=WINDOW_DAYS - 1))
    rows = market.metrics(account_id, since, until)
    frame = pd.DataFrame(
        {
            "date": [r.date for r in rows],
            "adset_id": [r.adset_id for r in rows],
            "campaign_id": [r.campaign_id for r in rows],
            "spend": [float(r.spend) for r in rows],
            "impressions": [r.impressions for r in rows],
            "clicks": [r.clicks for r in rows],
            "conversions": [r.purchases for r in rows],
            "revenue": [float(r.purchase_value) for r in rows],
        }
    )
    keys = ["date", "adset_id", "campaign_id"]
    frame = (
        frame.groupby(keys, as_index=False).sum().astype({"impressions": float, "clicks": float})
    )
    frame["conversions"] = frame["conversions"].astype(float)
    frame["date"] = pd.to_datetime(frame["date"])
    adsets = market.adsets
    frame["daily_budget"] = [(adsets[a].daily_budget or np.nan) / 100 for a in frame["adset_id"]]
    frame["bid_amount"] = [(adsets[a].bid_amount or np.nan) / 100 for a in frame["adset_id"]]
    frame["campaign_budget"] = np.nan
    frame["bid_strategy"] = [adsets[a].bid_strategy for a in frame["adset_id"]]
    return frame


# -- the policies: each proposes tomorrow's budgets (major units); the guardrails do the rest ---------------


def nightly(world: World, day: int) -> dict[str, Decimal]:
    """adpilot's allocator on the reported history (attribution delay and all)."""
    table = allocate(
        history_frame(world.market, world.account_id),
        world.policy,
        as_of=world.market.today,
        seed=world.seed * 1000 + day,
    )
    return {str(r.budget_id): Decimal(str(r.recommended_budget)) for r in table.itertuples()}


def fixed(world: World, day: int) -> dict[str, Decimal]:
    """(a) the hand-set starting budgets, held."""
    return {}


def equal(world: World, day: int) -> dict[str, Decimal]:
    """(b) the total split equally."""
    share = (world.total / len(world.movable)).quantize(Decimal("0.01"), rounding=ROUND_FLOOR)
    return dict.fromkeys(world.movable, share)


def roas(world: World, day: int) -> dict[str, Decimal]:
    """(c) last week's reported ROAS: above the account's gets up to +20%, below up to -20%."""
    frame = history_frame(world.market, world.account_id)
    week = frame[frame["date"] >= pd.Timestamp(world.market.today - timedelta(days=7))]
    sums = week.groupby("adset_id")[["spend", "revenue"]].sum()
    spent = {str(k): float(v) for k, v in sums["spend"].items()}
    earned = {str(k): float(v) for k, v in sums["revenue"].items()}
    overall = sum(earned.values()) / max(sum(spent.values()), 1e-9)
    out: dict[str, Decimal] = {}
    if overall <= 0:  # nothing reported yet: no signal to follow
        return out
    for adset_id, budget in world.budgets().items():
        if spent.get(adset_id, 0.0) <= 0:
            continue
        ratio = earned[adset_id] / spent[adset_id] / overall - 1.0
        step = Decimal(str(round(0.2 * min(max(ratio, -1.0), 1.0), 4)))
        out[adset_id] = (budget * (1 + step)).quantize(Decimal("0.01"))
    return out


def oracle(world: World, day: int) -> dict[str, Decimal]:
    """(d) clairvoyant: today's true curves, and the budgets within today's limits (20% from each budget
    in force, the total as a ceiling) that maximise today's true expected profit: equal marginal returns,
    each clipped to its window, the price of the total found by bisection."""
    truth, today = world.market.truth, world.market.today
    level = np.array([truth.revenue_curve(a, [1.0], today)[0] for a in world.movable])
    b = np.array([truth.exponent(a) for a in world.movable])
    now = np.array([float(world.budgets()[a]) for a in world.movable])
    step = world.policy.max_daily_change
    low, high = np.maximum(now * (1 - step), 1.0), np.maximum(now * (1 + step), 1.0)

    def spend_at(lam: float) -> np.ndarray:
        best = (level * b / (1.0 + lam)) ** (1.0 / (1.0 - b))
        return np.asarray(np.clip(best, low, high))

    cap = float(world.total)
    lam = 0.0
    if spend_at(0.0).sum() > cap:
        lo, hi = 0.0, 1.0
        while spend_at(hi).sum() > cap and hi < 1e9:
            hi *= 2.0
        for _ in range(100):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if spend_at(mid).sum() > cap else (lo, mid)
        lam = hi
    best = spend_at(lam)
    return {a: Decimal(f"{s:.2f}") for a, s in zip(world.movable, best, strict=True)}


POLICY_FUNCTIONS: dict[str, Callable[[World, int], dict[str, Decimal]]] = {
    "nightly": nightly, "fixed": fixed, "equal": equal, "roas": roas, "oracle": oracle,
}  # fmt: skip


# -- the loop ------------------------------------------------------------------------------------------------


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
    if scenario == "drop" and day == DROP_DAY:
        # the ad set with the best true marginal return collapses (a tired offer, a broken landing page)
        today = market.today
        best = max(
            world.movable, key=lambda a: market.truth.marginal_roas(a, world.budgets()[a], today)
        )
        market._model.set_cvr[market._position[best]] *= 0.3
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
        world.movable = sorted([*world.movable, adset.id])
        world.total += Decimal(20)
        world.policy = _policy(world.total, world.movable)


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


def run_policy(start: Market, scenario: str, policy: str, seed: int, days: int) -> World:
    """One policy through ``days`` nights on its own copy of ``start``; returns its world (with profit)."""
    world = _world(copy.deepcopy(start), seed)
    decide = POLICY_FUNCTIONS[policy]
    for day in range(days):
        _scenario_event(world, scenario, day)
        _guard_and_apply(world, decide(world, day))
        world.market.advance(1)
        _book_day(world)
    return world


@dataclass(frozen=True)
class LoopResult:
    scenario: str
    seed: int
    profits: dict[str, float]
    seconds: dict[str, float]

    def share(self, policy: str) -> float:
        return self.profits[policy] / self.profits["oracle"]


def run_scenario(scenario: str, seed: int, days: int) -> LoopResult:
    import time as clock

    start = make_market(scenario, seed)
    profits, seconds = {}, {}
    for policy in POLICIES:
        began = clock.perf_counter()
        profits[policy] = run_policy(start, scenario, policy, seed, days).profit
        seconds[policy] = clock.perf_counter() - began
    return LoopResult(scenario, seed, profits, seconds)
