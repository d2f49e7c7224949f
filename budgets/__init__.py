"""Budget policies, the guardrail check every change passes through, and pacing."""

from budgets.policy import BidPolicy, BudgetPolicy, Limits, Objective

__all__ = ["BidPolicy", "BudgetPolicy", "Limits", "Objective"]
