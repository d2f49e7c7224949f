"""Property tests: whatever the history, no recommendation exceeds the total, a bound or the max change."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budgets import BudgetPolicy
from budgets.guardrails import ProposedChange, check_changes
from optimizer.allocation import allocate
from optimizer.errors import InputError

DAY = date(2026, 2, 1)
CENT = Decimal("0.01")

amounts = st.one_of(
    st.just(0.0),
    st.floats(0.01, 500.0),
    st.floats(1e5, 1e7),  # huge outliers
).map(lambda v: round(v, 2))


@st.composite
def histories(draw: st.DrawFn) -> pd.DataFrame:
    n_adsets = draw(st.integers(0, 4))
    n_days = draw(st.integers(0, 5))
    rows = []
    for a in range(n_adsets):
        budget = draw(st.one_of(st.none(), amounts))
        for d in range(draw(st.integers(0, n_days))):
            spend = draw(amounts)
            conversions = draw(st.one_of(st.just(0), st.integers(0, 50), st.integers(10**5, 10**6)))
            rows.append({"date": DAY - timedelta(days=d + 1), "adset_id": f"a{a}",
                         "campaign_id": f"c{a % 2}", "spend": spend, "impressions": 100,
                         "clicks": 3, "conversions": conversions,
                         "revenue": round(conversions * draw(st.floats(0, 80)), 2),
                         "daily_budget": budget})  # fmt: skip
    return pd.DataFrame(rows)


@st.composite
def policies(draw: st.DrawFn) -> BudgetPolicy:
    minimum = Decimal(draw(st.integers(0, 2000))) * CENT
    maximum = draw(st.one_of(st.none(), st.integers(0, 50000).map(lambda c: Decimal(c) * CENT)))
    if maximum is not None and maximum < minimum:
        minimum, maximum = maximum, minimum
    objective = draw(
        st.sampled_from(["profit", "revenue", "conversions", "target_cpa", "target_roas"])
    )
    data: dict[str, object] = {
        "total_daily_budget": draw(st.one_of(st.none(), st.integers(0, 10**6).map(lambda c: Decimal(c) * CENT))),
        "objective": objective,
        "min_budget": minimum,
        "max_budget": maximum,
        "max_daily_change": draw(st.sampled_from([0.0, 0.1, 0.2, 0.5, 1.0])),
        "exploration_share": draw(st.sampled_from([0.0, 0.1, 0.5])),
        "risk": draw(st.sampled_from(["neutral", "quantile", "cvar"])),
        "frozen": draw(st.lists(st.sampled_from(["a0", "a1"]), max_size=1)),
        "margin": 0.4,
        "campaigns": draw(st.one_of(st.just({}), st.integers(0, 5000).map(
            lambda c: {"c0": {"max": Decimal(c) * CENT}}))),
    }  # fmt: skip
    if objective == "target_cpa":
        data["target_cpa"] = Decimal("12.50")
    if objective == "target_roas":
        data["target_roas"] = Decimal("2.5")
    return BudgetPolicy.from_dict(data)


def _lowest(current: Decimal, policy: BudgetPolicy) -> Decimal:
    step = Decimal(str(policy.max_daily_change))
    window = (current * (1 - step)).quantize(CENT, rounding=ROUND_CEILING)
    low = max(window, policy.min_budget)
    return low if policy.max_budget is None else min(low, policy.max_budget)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories(), policies(), st.integers(0, 3))
def test_recommendations_respect_total_bounds_and_max_change(
    history: pd.DataFrame, policy: BudgetPolicy, seed: int
) -> None:
    out = allocate(history, policy, seed=seed, as_of=DAY)
    step = Decimal(str(policy.max_daily_change))
    movable = out[~out["reason"].str.contains("frozen|excluded|not among")]
    for row in out.itertuples():
        assert row.recommended_budget == row.recommended_budget.quantize(CENT)
        if "frozen" in row.reason:
            assert row.recommended_budget == row.current_budget
    for row in movable.itertuples():
        cur, new = row.current_budget, row.recommended_budget
        assert new >= 0
        assert new >= policy.min_budget
        if policy.max_budget is not None:
            assert new <= policy.max_budget
        reference = cur if cur > 0 else policy.min_budget
        if "beyond the daily change limit" not in row.reason:
            assert abs(new - reference) <= step * reference
    cap = policy.campaigns["c0"].max if "c0" in policy.campaigns else None
    members = movable[movable["campaign_id"] == "c0"]
    if cap is not None and len(members):
        frozen_c0 = sum(out.loc[out["reason"].str.contains("frozen") & (out["campaign_id"] == "c0"),
                                "recommended_budget"])  # fmt: skip
        if sum(members["recommended_budget"]) + frozen_c0 > cap:  # only if nothing lower is allowed
            for row in members.itertuples():
                if row.current_budget > 0 and "beyond" not in row.reason:
                    assert row.recommended_budget == _lowest(row.current_budget, policy)
    if policy.total_daily_budget is not None and len(out):
        spent = sum(
            out.loc[~out["reason"].str.contains("excluded|not among"), "recommended_budget"]
        )
        if spent > policy.total_daily_budget:
            # only when even the lowest allowed budgets exceed the total: then every one is at its lowest
            assert all("below what the change limits" in r for r in movable["reason"])
            for row in movable.itertuples():
                if row.current_budget > 0 and "beyond" not in row.reason:
                    assert row.recommended_budget == _lowest(row.current_budget, policy)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["spend", "impressions", "clicks", "conversions", "revenue", "daily_budget"]),
    st.sampled_from([-1.0, float("nan"), None, "x"]),
    st.integers(0, 5),
)
def test_negative_or_missing_values_are_rejected(column: str, bad: object, row: int) -> None:
    rows = [{"date": DAY - timedelta(days=d + 1), "adset_id": "a", "campaign_id": "c", "spend": 10.0,
             "impressions": 100, "clicks": 3, "conversions": 1, "revenue": 20.0, "daily_budget": 10.0}
            for d in range(6)]  # fmt: skip
    history = pd.DataFrame(rows).astype({column: object})
    history.loc[row, column] = bad
    missing_ok = column == "daily_budget" and (
        bad is None or (isinstance(bad, float) and np.isnan(bad))
    )
    if missing_ok:
        allocate(history, {"total_daily_budget": "10"}, as_of=DAY)  # a missing budget is "not set"
        return
    with pytest.raises(InputError) as error:
        allocate(history, {"total_daily_budget": "10"}, as_of=DAY)
    assert column in str(error.value) and f"row {row}" in str(error.value)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories(), policies(), st.integers(0, 3))
def test_the_guardrail_check_approves_every_recommendation(
    history: pd.DataFrame, policy: BudgetPolicy, seed: int
) -> None:
    out = allocate(history, policy, seed=seed, as_of=DAY)
    managed = out[~out["reason"].str.contains("outside the total")]
    current = {r.budget_id: r.current_budget for r in managed.itertuples() if r.current_budget > 0}
    campaigns = {r.adset_id: r.campaign_id for r in out.itertuples()
                 if isinstance(r.adset_id, str) and isinstance(r.campaign_id, str)}  # fmt: skip
    changes = [
        ProposedChange(object_id=r.budget_id, object_type=r.level, field="daily_budget",
                       current=r.current_budget if r.current_budget > 0 else None,
                       proposed=r.recommended_budget,
                       campaign_id=r.campaign_id if isinstance(r.campaign_id, str) else None)
        for r in out.itertuples() if r.recommended_budget != r.current_budget
    ]  # fmt: skip
    infeasible = any("below what the change limits" in r for r in out["reason"])
    # a campaign cap below its ad sets' lowest allowed budgets contradicts the policy: the allocator keeps
    # each ad set's bounds, the guardrail the campaign's cap; both are defensible, so skip those
    cap = policy.campaigns["c0"].max if "c0" in policy.campaigns else None
    c0 = managed[managed["campaign_id"] == "c0"]
    lowest = sum(
        r.current_budget if "frozen" in r.reason
        else (_lowest(r.current_budget, policy) if r.current_budget > 0 else policy.min_budget)
        for r in c0.itertuples()
    )  # fmt: skip
    contradictory = cap is not None and lowest > cap
    checked = check_changes(changes, policy, current_budgets=current, adset_campaigns=campaigns)
    for result in checked:
        if infeasible and result.verdict != "ok":
            continue  # the total cannot hold within the limits: the two may resolve it differently
        if contradictory and campaigns.get(result.change.object_id) == "c0":
            continue
        assert result.approved == result.change.proposed, (result.change.object_id, result.reasons)
