"""The budget policies of the closed loop: each proposes tomorrow's budgets; the guardrails do the rest.

``nightly`` is adpilot's allocator on the reported history, under the world's knobs; ``fixed``, ``equal``
and ``roas`` are the baselines an advertiser would otherwise use; ``oracle`` is clairvoyant (it reads the
market's truth) and bounds what any policy could earn within the same limits.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import ROUND_FLOOR, Decimal

import numpy as np
import pandas as pd

from optimizer.allocation import allocate
from optimizer.backtest.world import World, history_frame

__all__ = ["POLICIES", "POLICY_FUNCTIONS", "equal", "fixed", "nightly", "oracle", "roas"]

POLICIES = ("nightly", "fixed", "equal", "roas", "oracle")


def nightly(world: World, day: int) -> dict[str, Decimal]:
    """adpilot's allocator on the reported history (attribution delay and all)."""
    table = allocate(
        history_frame(world.market, world.account_id),
        world.policy,
        as_of=world.market.today,
        seed=world.seed * 1000 + day,
        model_config=world.knobs.model,
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
