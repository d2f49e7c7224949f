"""Properties of the guardrail check, whatever the proposals: bounds, the daily step, totals, idempotence."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from budgets import BudgetPolicy, Limits
from budgets.guardrails import CheckedChange, ProposedChange, check_changes
from optimizer.errors import InputError
from optimizer.money import offset

IDS = [f"a{i}" for i in range(8)]
CAMPAIGNS = ["k0", "k1"]


def major(minor: int, currency: str) -> Decimal:
    return Decimal(minor) / offset(currency)


proposals = st.one_of(
    st.decimals(min_value=0, max_value=10**12, allow_nan=False, allow_infinity=False, places=3),
    st.integers(min_value=0, max_value=10**15).map(Decimal),
    st.just(Decimal(0)),
)


@st.composite
def scenarios(draw: st.DrawFn, *, in_bounds: bool = True) -> dict[str, object]:
    currency = draw(st.sampled_from(["USD", "JPY"]))
    n = draw(st.integers(min_value=1, max_value=len(IDS)))
    ids = IDS[:n]
    min_minor = draw(st.integers(min_value=0, max_value=5_000))
    span = draw(st.one_of(st.none(), st.integers(min_value=1, max_value=200_000)))
    own: dict[str, Limits] = {}
    for adset in draw(st.lists(st.sampled_from(ids), unique=True, max_size=3)):
        low = draw(st.integers(min_value=0, max_value=10_000))
        high = draw(st.integers(min_value=max(low, 1), max_value=low + 50_000))
        own[adset] = Limits(min=major(low, currency), max=major(high, currency))
    campaign_of = {adset: draw(st.sampled_from(CAMPAIGNS)) for adset in ids}
    caps = {
        k: Limits(max=major(draw(st.integers(min_value=0, max_value=300_000)), currency))
        for k in draw(st.lists(st.sampled_from(CAMPAIGNS), unique=True))
    }
    policy_fields: dict[str, object] = {
        "currency": currency,
        "min_budget": major(min_minor, currency),
        "max_budget": None if span is None else major(min_minor + span, currency),
        "max_daily_change": draw(st.sampled_from([0.0, 0.05, 0.2, 0.333, 1.0])),
        "adset_limits": own,
        "campaigns": caps,
    }
    policy = BudgetPolicy.model_validate(policy_fields)
    current: dict[str, Decimal] = {}
    for adset in ids:
        if draw(st.booleans()) and draw(st.booleans()):
            continue  # a new ad set, with no budget yet
        low_bound, high_bound = policy.adset_bounds(adset)
        if in_bounds:
            lo_minor = max(int(low_bound * offset(currency)), 1)
            hi_minor = (
                int(high_bound * offset(currency)) if high_bound is not None else lo_minor + 500_000
            )
            value = draw(st.integers(min_value=lo_minor, max_value=hi_minor))
        else:
            value = draw(st.integers(min_value=0, max_value=10**8))
        current[adset] = major(value, currency)
    before = sum(current.values(), Decimal(0))
    extra = draw(
        st.one_of(st.none(), st.integers(min_value=0 if in_bounds else -(10**6), max_value=10**6))
    )
    if extra is not None:
        total = max(before + major(extra, currency), Decimal(0))
        policy = policy.model_copy(update={"total_daily_budget": total})
    changes = [
        ProposedChange(adset, "adset", "daily_budget", None, draw(proposals), campaign_of[adset])
        for adset in draw(st.lists(st.sampled_from(ids), unique=True, min_size=1))
    ]
    return {"policy": policy, "current": current, "changes": changes, "campaign_of": campaign_of}


def after_totals(
    checked: list[CheckedChange], current: dict[str, Decimal], campaign_of: dict[str, str]
) -> tuple[Decimal, dict[str, Decimal]]:
    budgets = dict(current)
    for result in checked:
        if isinstance(result.approved, Decimal):
            budgets[result.change.object_id] = result.approved
    per_campaign: dict[str, Decimal] = {}
    for adset, value in budgets.items():
        per_campaign[campaign_of[adset]] = per_campaign.get(campaign_of[adset], Decimal(0)) + value
    return sum(budgets.values(), Decimal(0)), per_campaign


def campaign_sums(current: dict[str, Decimal], campaign_of: dict[str, str]) -> dict[str, Decimal]:
    sums: dict[str, Decimal] = {}
    for adset, value in current.items():
        sums[campaign_of[adset]] = sums.get(campaign_of[adset], Decimal(0)) + value
    return sums


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_approved_budgets_never_break_a_bound_the_step_or_the_total(
    scenario: dict[str, object],
) -> None:
    policy: BudgetPolicy = scenario["policy"]  # type: ignore[assignment]
    current: dict[str, Decimal] = scenario["current"]  # type: ignore[assignment]
    changes: list[ProposedChange] = scenario["changes"]  # type: ignore[assignment]
    campaign_of: dict[str, str] = scenario["campaign_of"]  # type: ignore[assignment]
    checked = check_changes(changes, policy, current_budgets=current, adset_campaigns=campaign_of)
    assert [c.change for c in checked] == changes
    step = Decimal(str(policy.max_daily_change))
    unit = offset(policy.currency)
    for result in checked:
        assert result.reasons or result.verdict == "ok"
        if result.verdict == "refused":
            assert result.approved is None
            continue
        approved = result.approved
        assert isinstance(approved, Decimal)
        assert (
            approved * unit == (approved * unit).to_integral_value()
        )  # exactly representable at Meta
        low, high = policy.adset_bounds(result.change.object_id)
        assert approved >= low
        assert high is None or approved <= high
        was = current.get(result.change.object_id)
        if was:
            assert abs(approved - was) <= step * was
        else:
            assert approved <= low * (1 + step)
    before = sum(current.values(), Decimal(0))
    limit = policy.total_daily_budget if policy.total_daily_budget is not None else before
    total, per_campaign = after_totals(checked, current, campaign_of)
    assert total <= limit
    sums_before = campaign_sums(current, campaign_of)
    for campaign, limits in policy.campaigns.items():
        assert limits.max is not None
        assert per_campaign.get(campaign, Decimal(0)) <= max(
            limits.max, sums_before.get(campaign, Decimal(0))
        )

    # idempotence: the approved set passes again unchanged
    again = [
        ProposedChange(
            c.change.object_id, "adset", "daily_budget", None, c.approved, c.change.campaign_id
        )
        for c in checked
        if isinstance(c.approved, Decimal)
    ]
    rechecked = check_changes(again, policy, current_budgets=current, adset_campaigns=campaign_of)
    assert [c.approved for c in rechecked] == [c.proposed for c in again]
    assert all(c.verdict == "ok" for c in rechecked)


@settings(max_examples=120, deadline=None)
@given(scenarios(in_bounds=False))
def test_even_from_out_of_bounds_budgets_the_total_only_ever_falls_toward_the_limit(
    scenario: dict[str, object],
) -> None:
    policy: BudgetPolicy = scenario["policy"]  # type: ignore[assignment]
    current: dict[str, Decimal] = scenario["current"]  # type: ignore[assignment]
    changes: list[ProposedChange] = scenario["changes"]  # type: ignore[assignment]
    campaign_of: dict[str, str] = scenario["campaign_of"]  # type: ignore[assignment]
    checked = check_changes(changes, policy, current_budgets=current, adset_campaigns=campaign_of)
    before = sum(current.values(), Decimal(0))
    limit = policy.total_daily_budget if policy.total_daily_budget is not None else before
    total, _ = after_totals(checked, current, campaign_of)
    assert total <= max(limit, before)
    unit = offset(policy.currency)
    for result in checked:
        if isinstance(result.approved, Decimal):
            assert result.approved * unit == (result.approved * unit).to_integral_value()
            low, high = policy.adset_bounds(result.change.object_id)
            was = current.get(result.change.object_id, Decimal(0))
            # never further outside the bounds than the budget in force
            if high is not None and result.approved > high:
                assert result.approved <= was
            if result.approved < low:
                assert result.approved >= was


@settings(max_examples=100, deadline=None)
@given(
    st.one_of(
        st.just(Decimal("NaN")),
        st.just(Decimal("Infinity")),
        st.decimals(max_value=Decimal("-0.001"), allow_nan=False, allow_infinity=False),
        st.floats(max_value=-1e-9),
    )
)
def test_nonfinite_or_negative_proposals_are_input_errors(bad: object) -> None:
    change = ProposedChange("a0", "adset", "daily_budget", None, bad)  # type: ignore[arg-type]
    try:
        check_changes([change], BudgetPolicy(), current_budgets={"a0": Decimal("10")})
    except InputError as error:
        assert "daily_budget of a0" in str(error)
    else:
        raise AssertionError(f"{bad!r} was accepted")
