"""A closed-loop world: a sandbox market and what a budget policy may move in it.

Every policy starts from the same market (same seed, same history, same hidden truth) and sets the daily
budgets of the same ad sets each night; the policy functions read only :func:`history_frame` (what the
store would hold after a sync, attribution delay and all), except the oracle, which reads the truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd

from budgets import BudgetPolicy
from optimizer.models import ModelConfig
from optimizer.sandbox.market import Market, MarketConfig

__all__ = [
    "SCENARIOS",
    "START",
    "WINDOW_DAYS",
    "Knobs",
    "World",
    "history_frame",
    "make_market",
    "new_world",
    "reported_history",
]

START = date(2026, 1, 5)
SCENARIOS = ("steady", "sparse", "drop", "new_adset")
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


@dataclass(frozen=True)
class Knobs:
    """The nightly policy's own knobs: the model's configuration and the policy's exploration and risk."""

    model: ModelConfig = field(default_factory=ModelConfig)
    exploration_share: float = 0.10
    risk: str = "neutral"
    risk_quantile: float = 0.2

    def policy(self, total: Decimal, adsets: list[str]) -> BudgetPolicy:
        """The closed loop's policy (the total as a ceiling, 20% a day) with these knobs."""
        return BudgetPolicy(
            currency="USD", total_daily_budget=total, adsets=adsets,
            exploration_share=self.exploration_share, risk=self.risk,  # type: ignore[arg-type]
            risk_quantile=self.risk_quantile,
        )  # fmt: skip


@dataclass
class World:
    """One policy's copy of the market and what it may move."""

    market: Market
    account_id: str
    movable: list[str]
    total: Decimal
    policy: BudgetPolicy
    seed: int
    knobs: Knobs = field(default_factory=Knobs)
    profit: float = 0.0
    daily: list[float] = field(default_factory=list)
    target: str | None = None  # the ad set a scenario's event strikes (the same for every policy)

    def budgets(self) -> dict[str, Decimal]:
        return {a: Decimal(self.market.adsets[a].daily_budget or 0) / 100 for a in self.movable}

    def set_movable(self, movable: list[str], total: Decimal) -> None:
        """Change what may move (a launch) and rebuild the policy with the same knobs."""
        self.movable, self.total = movable, total
        self.policy = self.knobs.policy(total, movable)


def new_world(market: Market, seed: int, knobs: Knobs | None = None) -> World:
    """The world of ``market``: its active, budgeted ad sets without a bid cap are the movable ones."""
    knobs = knobs or Knobs()
    account_id = next(iter(market.accounts))
    # bid-capped ad sets spend what their cap lets them, whatever the budget: bids are another lever,
    # so they keep their budgets and stay out of the comparison
    movable = sorted(
        a.id
        for a in market.adsets.values()
        if a.status == "ACTIVE" and a.daily_budget and a.bid_amount is None
    )
    total = sum((Decimal(market.adsets[a].daily_budget or 0) for a in movable), Decimal(0)) / 100
    return World(market, account_id, movable, total, knobs.policy(total, movable), seed, knobs)


def reported_history(market: Market, account_id: str, since: date, until: date) -> pd.DataFrame:
    """The market's report of ``since..until`` as a pull today sees it: one float row per ad set and day
    (ads summed), the columns :func:`optimizer.models.validate_history` asks for."""
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
    return frame


def history_frame(market: Market, account_id: str) -> pd.DataFrame:
    """What the store would hold after a sync: per ad set and day, as reported today, with budgets now."""
    until = market.today - timedelta(days=1)
    frame = reported_history(
        market, account_id, max(START, until - timedelta(days=WINDOW_DAYS - 1)), until
    )
    adsets = market.adsets
    frame["daily_budget"] = [(adsets[a].daily_budget or np.nan) / 100 for a in frame["adset_id"]]
    frame["bid_amount"] = [(adsets[a].bid_amount or np.nan) / 100 for a in frame["adset_id"]]
    frame["campaign_budget"] = np.nan
    frame["bid_strategy"] = [adsets[a].bid_strategy for a in frame["adset_id"]]
    return frame
