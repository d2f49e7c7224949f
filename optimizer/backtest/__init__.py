"""Backtests of the nightly policy: the closed loop on the sandbox market (known truth) and rolling-origin
forecasts on an account's own history. The engine behind ``python -m benchmarks closed_loop`` and
``adpilot tune``."""

from optimizer.backtest.loop import DROP_DAY, NEW_DAY, LoopResult, run_policy, run_scenario
from optimizer.backtest.policies import POLICIES, POLICY_FUNCTIONS
from optimizer.backtest.world import (
    SCENARIOS,
    Knobs,
    World,
    history_frame,
    make_market,
    new_world,
    reported_history,
)

__all__ = [
    "DROP_DAY",
    "NEW_DAY",
    "POLICIES",
    "POLICY_FUNCTIONS",
    "SCENARIOS",
    "Knobs",
    "LoopResult",
    "World",
    "history_frame",
    "make_market",
    "new_world",
    "reported_history",
    "run_policy",
    "run_scenario",
]
