"""The allocator's recommendations pass the guardrail check unchanged: one set of rules, two readers."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from budgets import BudgetPolicy
from budgets.guardrails import ProposedChange, check_changes
from optimizer.allocation import allocate
from tests.optimizer.models.synthetic import simulate


def _proposals(out: pd.DataFrame) -> tuple[list[ProposedChange], dict[str, Decimal]]:
    # the total covers the managed units: neither excluded nor outside the policy's adsets list
    current = {
        r.budget_id: r.current_budget
        for r in out.itertuples()
        if r.current_budget > 0 and "outside the total" not in r.reason
    }
    changes = [
        ProposedChange(object_id=r.budget_id, object_type=r.level, field="daily_budget",
                       current=r.current_budget if r.current_budget > 0 else None,
                       proposed=r.recommended_budget,
                       campaign_id=r.campaign_id if isinstance(r.campaign_id, str) else None,
                       reason=r.reason)
        for r in out.itertuples() if r.recommended_budget != r.current_budget
    ]  # fmt: skip
    return changes, current


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"total_daily_budget": "150"},  # below what the change limits allow
        {"max_budget": "60", "min_budget": "20"},  # bounds beyond the change limit
        {"campaigns": {"c0": {"max": "300"}}, "frozen": ["a001"], "excluded": ["a002"]},
        {"objective": "profit", "margin": 0.5, "adsets": ["a000", "a003", "a004", "new1"]},
    ],
)
def test_every_recommendation_is_approved_as_is(extra: dict[str, object]) -> None:
    history, _ = simulate(8, 30, seed=3)
    data: dict[str, object] = {"total_daily_budget": "900", "objective": "revenue",
                               "max_daily_change": 0.2, "min_budget": "5", **extra}  # fmt: skip
    policy = BudgetPolicy.from_dict(data)
    out = allocate(history, policy, seed=4)
    changes, current = _proposals(out)
    assert changes
    campaigns = {
        r.adset_id: r.campaign_id
        for r in out.itertuples()
        if isinstance(r.adset_id, str) and isinstance(r.campaign_id, str)
    }
    checked = check_changes(
        changes,
        policy,
        current_budgets=current,
        adset_campaigns=campaigns,
    )
    for result in checked:
        # "clipped" to the very value proposed: the guardrail notes a bound that beat the change limit
        assert result.verdict != "refused", (result.change.object_id, result.reasons)
        assert result.approved == result.change.proposed, (result.change.object_id, result.reasons)
