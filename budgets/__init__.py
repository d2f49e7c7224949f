"""Budget policies, the guardrail check every change passes through, and pacing."""

from budgets.guardrails import CheckedChange, ProposedChange, check_changes, raise_on_refusal
from budgets.pacing import PacingPlan, account_today, pace_month, pace_policy
from budgets.policy import BidPolicy, BudgetPolicy, Limits, Objective

__all__ = [
    "BidPolicy",
    "BudgetPolicy",
    "CheckedChange",
    "Limits",
    "Objective",
    "PacingPlan",
    "ProposedChange",
    "account_today",
    "check_changes",
    "pace_month",
    "pace_policy",
    "raise_on_refusal",
]
