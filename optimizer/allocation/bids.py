"""Bid adjustments for ad sets with a bid cap or cost cap: move the cap toward the cost target.

The cost target per conversion is the policy's target CPA, the order value over the target ROAS, or (for
profit) the break-even cost ``margin x order value``. When the posterior cost per conversion at the
recommended budget is under the target the cap can rise to buy more volume; when it is over, the cap comes
down. The cap moves by the ratio target / posterior CPA, clipped to ``policy.bids.max_change`` per day and to
``bids.min`` / ``bids.max`` (the bounds win a conflict, as in the guardrail check), in whole minor units.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from budgets.policy import BudgetPolicy, Objective
from optimizer.allocation.units import Unit
from optimizer.models.posterior import FitResult
from optimizer.money import minor_to_major, offset

__all__ = ["recommend_bid"]


def _cost_target(policy: BudgetPolicy, order_value: float) -> float | None:
    match policy.objective:
        case Objective.TARGET_CPA:
            return None if policy.target_cpa is None else float(policy.target_cpa)
        case Objective.TARGET_ROAS:
            if policy.target_roas is None or order_value <= 0:
                return None
            return order_value / float(policy.target_roas)
        case Objective.PROFIT:
            return policy.margin * order_value if order_value > 0 else None
    return None


def recommend_bid(
    unit: Unit,
    policy: BudgetPolicy,
    budget: float,
    expected_conversions: float,
    posteriors: Sequence[FitResult],
) -> tuple[Decimal | None, str]:
    """The new bid (major units) for a capped ad set and why; ``(None, "")`` for one without a cap."""
    if unit.current_bid is None or unit.level != "adset":
        return None, ""
    current = unit.current_bid
    order_value = posteriors[0].order_value if posteriors else 0.0
    target = _cost_target(policy, order_value)
    if target is None or expected_conversions <= 0 or budget <= 0:
        return minor_to_major(current, policy.currency), "bid kept: no cost target to steer toward"
    cpa = budget / expected_conversions
    scale = offset(policy.currency)
    wanted = Decimal(repr(float(current * target / cpa)))
    step = Decimal(str(policy.bids.max_change))
    low = int((current * (1 - step)).to_integral_value(rounding=ROUND_CEILING))
    high = int((current * (1 + step)).to_integral_value(rounding=ROUND_FLOOR))
    new = min(max(int(wanted.to_integral_value()), low), high)
    b_min = 1 if policy.bids.min is None else int(policy.bids.min * scale)
    b_max = None if policy.bids.max is None else int(policy.bids.max * scale)
    new = max(new, b_min)
    if b_max is not None:
        new = min(new, b_max)
    new = max(new, 1)
    direction = "kept" if new == current else ("raised" if new > current else "lowered")
    change = f" {(new - current) / current:+.0%}" if new != current else ""
    return (
        minor_to_major(new, policy.currency),
        f"bid {direction}{change}: posterior cost per conversion {cpa:.2f} vs target {target:.2f}",
    )
