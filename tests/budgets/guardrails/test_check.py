"""The guardrail check: exact clips and refusals, with the reason for each, rule by rule."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import pytest

from budgets import BudgetPolicy, Limits
from budgets.guardrails import CheckedChange, ProposedChange, check_changes, raise_on_refusal
from optimizer.errors import GuardrailViolation, InputError


def budget(object_id: str, proposed: str, current: str | None = None, **kw: str) -> ProposedChange:
    return ProposedChange(
        object_id,
        "adset",
        "daily_budget",
        None if current is None else D(current),
        D(proposed),
        **kw,
    )  # type: ignore[arg-type]


def one(
    change: ProposedChange, policy: BudgetPolicy, current: dict[str, D], **kw: object
) -> CheckedChange:
    [checked] = check_changes([change], policy, current_budgets=current, **kw)  # type: ignore[arg-type]
    return checked


POLICY = BudgetPolicy(min_budget=D("5"), max_budget=D("60"), total_daily_budget=D("1000"))
CURRENT = {"a": D("40"), "b": D("40"), "c": D("10")}


def test_a_change_within_every_rule_is_approved_as_proposed() -> None:
    checked = one(budget("a", "44"), POLICY, CURRENT)
    assert checked.verdict == "ok"
    assert checked.approved == D("44")
    assert checked.reasons == ()


@pytest.mark.parametrize(
    ("proposed", "approved"), [("60", "48.00"), ("10", "32.00"), ("48.01", "48.00")]
)
def test_daily_change_is_clipped_to_twenty_percent(proposed: str, approved: str) -> None:
    checked = one(budget("a", proposed), POLICY, CURRENT)
    assert checked.verdict == "clipped"
    assert checked.approved == D(approved)
    assert "at most 20% per day (max_daily_change) from 40.00 USD" in checked.reasons[0]


def test_bounds_clip_inside_the_change_window() -> None:
    policy = BudgetPolicy(min_budget=D("35"), max_budget=D("45"), total_daily_budget=D("1000"))
    up = one(budget("a", "48"), policy, CURRENT)
    down = one(budget("a", "30"), policy, CURRENT)
    assert (up.approved, down.approved) == (D("45"), D("35"))
    assert up.reasons == ("clipped to 45.00 USD, the ad set's maximum daily budget",)
    assert down.reasons == ("clipped to 35.00 USD, the ad set's minimum daily budget",)


def test_bounds_come_before_the_change_limit() -> None:
    checked = one(budget("a", "90"), POLICY, {"a": D("100")})
    assert checked.approved == D("60")
    assert (
        "maximum daily budget, moving further than the daily change limit allows"
        in checked.reasons[0]
    )


def test_ad_set_limits_override_the_defaults() -> None:
    policy = POLICY.model_copy(update={"adset_limits": {"a": Limits(max=D("42"))}})
    assert one(budget("a", "48"), policy, CURRENT).approved == D("42")
    assert one(budget("b", "48"), policy, CURRENT).approved == D("48")


def test_a_new_ad_set_starts_near_its_minimum() -> None:
    checked = one(budget("new", "50"), POLICY, CURRENT)
    assert checked.approved == D("6.00")  # the minimum 5 plus 20%
    assert "from its minimum 5.00 USD, as it has no budget yet" in checked.reasons[0]
    assert one(budget("new", "0"), POLICY, CURRENT).approved == D("5")


def test_amounts_are_rounded_to_the_minor_unit() -> None:
    checked = one(budget("c", "11.005"), POLICY, CURRENT)
    assert checked.approved == D("11.00")  # half-even
    assert checked.reasons == ("rounded to 11.00 USD, a whole number of the currency's minor unit",)
    yen = BudgetPolicy(currency="JPY", min_budget=D("100"), total_daily_budget=D("5000"))
    checked = one(budget("y", "1000.5"), yen, {"y": D("1000")})
    assert checked.approved == D("1000") and checked.verdict == "clipped"
    assert one(budget("y", "1100"), yen, {"y": D("1000")}).verdict == "ok"


@pytest.mark.parametrize(
    ("policy", "change", "reason"),
    [
        (
            BudgetPolicy(excluded=["a"]),
            budget("a", "41"),
            "refused: ad set a is excluded by the policy",
        ),
        (
            BudgetPolicy(frozen=["a"]),
            budget("a", "41"),
            "refused: ad set a is frozen by the policy",
        ),
        (
            BudgetPolicy(excluded=["k"]),
            budget("a", "41", campaign_id="k"),
            "refused: its campaign k is excluded",
        ),
        (
            BudgetPolicy(adsets=["b"]),
            budget("a", "41"),
            "refused: ad set a is not among the policy's adsets",
        ),
        (
            POLICY,
            budget("a", "41", current="38"),
            "refused: the budget in force is 40.00 USD, not 38.00 USD",
        ),
    ],
)
def test_refusals_say_why(policy: BudgetPolicy, change: ProposedChange, reason: str) -> None:
    checked = one(change, policy, CURRENT)
    assert checked.verdict == "refused"
    assert checked.approved is None
    assert checked.reasons[0].startswith(reason)


def test_a_fifth_budget_change_within_the_hour_is_refused() -> None:
    refused = one(budget("a", "44"), POLICY, CURRENT, recent_changes={"a": 4})
    assert refused.verdict == "refused"
    assert "already changed 4 times in the last hour" in refused.reasons[0]
    assert one(budget("a", "44"), POLICY, CURRENT, recent_changes={"a": 3}).verdict == "ok"
    # keeping the budget as it is is not a change
    assert one(budget("a", "40"), POLICY, CURRENT, recent_changes={"a": 4}).verdict == "ok"


def test_increases_are_scaled_down_in_proportion_to_fit_the_total() -> None:
    policy = BudgetPolicy(total_daily_budget=D("100"))
    changes = [
        budget("a", "48"),
        budget("b", "46"),
        budget("c", "12"),
    ]  # +8 +6 +2 over 90: 6 too many
    checked = check_changes(changes, policy, current_budgets=CURRENT)
    assert [c.approved for c in checked] == [D("45.00"), D("43.75"), D("11.25")]
    assert sum(c.approved for c in checked if isinstance(c.approved, D)) == D("100")
    assert "at most 100.00 USD a day (the policy's total_daily_budget)" in checked[0].reasons[0]


def test_the_last_cent_goes_by_largest_remainder_then_by_id() -> None:
    policy = BudgetPolicy(total_daily_budget=D("32.99"))
    current = {"c": D("10"), "b": D("10"), "a": D("10")}
    changes = [budget(i, "11") for i in ("c", "b", "a")]  # 33.00: one cent over, three equal claims
    checked = check_changes(changes, policy, current_budgets=current)
    assert [c.approved for c in checked] == [D("11"), D("11"), D("10.99")]


def test_decreases_fund_increases_under_the_total() -> None:
    policy = BudgetPolicy(total_daily_budget=D("90"))
    checked = check_changes([budget("a", "48"), budget("b", "32")], policy, current_budgets=CURRENT)
    assert [c.verdict for c in checked] == ["ok", "ok"]


def test_without_a_total_the_current_total_is_kept() -> None:
    changes = [budget("a", "48"), budget("b", "36")]  # +8 -4 over 90
    checked = check_changes(changes, BudgetPolicy(), current_budgets=CURRENT)
    assert [c.approved for c in checked] == [D("44.00"), D("36")]
    assert "(the current total (the policy sets none))" in checked[0].reasons[0]


def test_over_the_total_already_only_decreases_pass() -> None:
    policy = BudgetPolicy(total_daily_budget=D("50"))
    checked = check_changes([budget("a", "44"), budget("b", "36")], policy, current_budgets=CURRENT)
    assert [c.approved for c in checked] == [D("40.00"), D("36")]
    assert checked[0].verdict == "clipped"


def test_excluded_budgets_are_outside_the_total_and_frozen_inside() -> None:
    current = {"a": D("40"), "x": D("500"), "f": D("30")}
    policy = BudgetPolicy(total_daily_budget=D("75"), excluded=["x"], frozen=["f"])
    assert one(budget("a", "48"), policy, current).approved == D("45.00")


def test_a_new_ad_set_is_refused_rather_than_funded_below_its_minimum() -> None:
    policy = BudgetPolicy(total_daily_budget=D("100"), min_budget=D("5"))
    current = {"a": D("50"), "b": D("50")}
    checked = check_changes([budget("a", "55"), budget("n", "5")], policy, current_budgets=current)
    assert checked[0].approved == D("50.00")
    assert checked[1].verdict == "refused"
    assert "a new object is not funded below its minimum" in checked[1].reasons[-1]


def test_a_monthly_policy_needs_the_paced_daily_total() -> None:
    policy = BudgetPolicy(monthly_budget=D("3000"))
    with pytest.raises(InputError, match="daily_total: the policy sets a monthly_budget"):
        check_changes([budget("a", "44")], policy, current_budgets=CURRENT)
    checked = one(budget("a", "48"), policy, CURRENT, daily_total=D("95"))
    assert checked.approved == D("45.00")
    assert "(the day's total)" in checked.reasons[0]


def test_campaign_maximum_bounds_the_sum_of_its_ad_sets() -> None:
    policy = BudgetPolicy(campaigns={"k": {"max": D("90")}})
    changes = [budget("a", "48", campaign_id="k"), budget("b", "48", campaign_id="k")]
    checked = check_changes(changes, policy, current_budgets=CURRENT, daily_total=D("1000"))
    assert [c.approved for c in checked] == [D("45.00"), D("45.00")]
    assert "campaign k's ad sets may total at most 90.00 USD a day" in checked[0].reasons[0]


def test_campaign_sum_counts_ad_sets_that_are_not_changing() -> None:
    policy = BudgetPolicy(campaigns={"k": {"max": D("90")}})
    current = {"a": D("40"), "b": D("45")}
    checked = one(
        budget("a", "48"),
        policy,
        current,
        adset_campaigns={"a": "k", "b": "k"},
        daily_total=D("999"),
    )
    assert checked.approved == D("45.00")


def test_campaign_minimum_scales_decreases_back() -> None:
    policy = BudgetPolicy(campaigns={"k": {"min": D("75")}})
    changes = [
        budget("a", "32", campaign_id="k"),
        budget("b", "36", campaign_id="k"),
    ]  # 68: 7 short
    checked = check_changes(changes, policy, current_budgets=CURRENT)
    assert [c.approved for c in checked] == [D("36.67"), D("38.33")]
    assert "must total at least 75.00 USD a day" in checked[0].reasons[0]


def test_cbo_campaign_budget_uses_the_campaign_limits() -> None:
    policy = BudgetPolicy(campaigns={"k": {"min": D("100"), "max": D("110")}}, max_budget=D("60"))
    change = ProposedChange("k", "campaign", "daily_budget", None, D("130"))
    checked = one(change, policy, {"k": D("100")}, daily_total=D("500"))
    assert checked.approved == D("110")
    assert checked.reasons == ("clipped to 110.00 USD, the campaign's maximum daily budget",)


def test_cbo_campaign_and_its_ad_set_budgets_together_are_an_input_error() -> None:
    changes = [
        ProposedChange("k", "campaign", "daily_budget", None, D("50")),
        budget("a", "41", campaign_id="k"),
    ]
    with pytest.raises(InputError, match="has a campaign budget"):
        check_changes(changes, BudgetPolicy(), current_budgets={"k": D("50"), "a": D("40")})


def bid(object_id: str, current: str | None, proposed: str) -> ProposedChange:
    return ProposedChange(
        object_id, "adset", "bid_amount", None if current is None else D(current), D(proposed)
    )


def test_bids_move_within_the_bid_policy() -> None:
    policy = BudgetPolicy(bids={"max_change": 0.1, "min": D("1"), "max": D("10")})
    assert one(bid("a", "2", "2.1"), policy, {}).verdict == "ok"
    up = one(bid("a", "2", "3"), policy, {})
    assert up.approved == D("2.20")
    assert up.reasons == (
        "clipped to 2.20 USD: a bid may change at most 10% per day (bids.max_change) from 2.00 USD",
    )
    assert one(bid("a", "9.50", "12"), policy, {}).approved == D("10")
    assert one(bid("a", None, "0.50"), policy, {}).approved == D("1")
    zero = one(bid("a", "2", "0"), policy, {})
    assert zero.verdict == "refused" and "above zero" in zero.reasons[0]


def test_status_values_are_checked() -> None:
    def status(value: str) -> CheckedChange:
        return one(ProposedChange("a", "adset", "status", "ACTIVE", value), POLICY, {})

    assert status("PAUSED").verdict == "ok" and status("PAUSED").approved == "PAUSED"
    assert status("DELETED").verdict == "refused"
    assert "cannot be undone" in status("ARCHIVED").reasons[0]
    assert "did you mean 'PAUSED'?" in status("paused").reasons[0]
    frozen = one(
        ProposedChange("a", "adset", "status", "ACTIVE", "PAUSED"), BudgetPolicy(frozen=["a"]), {}
    )
    assert frozen.verdict == "refused"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            budget("a", "NaN"),
            r"changes\[0\] \(daily_budget of a\)\.proposed: Decimal\('NaN'\) is not a finite",
        ),
        (budget("a", "-1"), r"proposed: amounts must not be negative"),
        (budget("a", "Infinity"), r"is not a finite number"),
        (ProposedChange("a", "adset", "daily_budget", None, "lots"), r"'lots' is not a number"),
        (
            ProposedChange("a", "adgroup", "daily_budget", None, D("1")),  # type: ignore[arg-type]
            r"object_type: expected 'adset' or 'campaign'",
        ),
        (
            ProposedChange("a", "adset", "lifetime_budget", None, D("1")),  # type: ignore[arg-type]
            r"field: expected 'daily_budget'",
        ),
        (ProposedChange("a", "adset", "status", None, D("1")), r"expected a status string"),
    ],
)
def test_malformed_input_raises_input_error(change: ProposedChange, message: str) -> None:
    with pytest.raises(InputError, match=message):
        check_changes([change], POLICY, current_budgets=CURRENT)


def test_malformed_batches_raise_input_error() -> None:
    with pytest.raises(InputError, match="proposed twice"):
        check_changes([budget("a", "41"), budget("a", "42")], POLICY, current_budgets=CURRENT)
    with pytest.raises(InputError, match=r"current_budgets\[a\]: amounts must not be negative"):
        check_changes([budget("a", "41")], POLICY, current_budgets={"a": D("-1")})
    with pytest.raises(InputError, match=r"current_budgets\[a\]: 40.005 USD is not a whole number"):
        check_changes([budget("a", "41")], POLICY, current_budgets={"a": D("40.005")})
    with pytest.raises(InputError, match=r"recent_changes\[a\]"):
        check_changes(
            [budget("a", "41")], POLICY, current_budgets=CURRENT, recent_changes={"a": -1}
        )


def test_checking_the_approved_set_again_changes_nothing() -> None:
    policy = BudgetPolicy(total_daily_budget=D("100"), campaigns={"k": {"max": D("85")}})
    changes = [
        budget("a", "60", campaign_id="k"),
        budget("b", "47.333", campaign_id="k"),
        budget("c", "12"),
    ]
    first = check_changes(changes, policy, current_budgets=CURRENT)
    again = [replace(c.change, proposed=c.approved) for c in first if c.approved is not None]
    second = check_changes(again, policy, current_budgets=CURRENT)
    assert [c.approved for c in second] == [c.approved for c in first]
    assert all(c.verdict == "ok" for c in second)


def test_policy_may_be_a_plain_dict() -> None:
    checked = one(budget("a", "60"), {"total_daily_budget": 95, "max_daily_change": 0.5}, CURRENT)  # type: ignore[arg-type]
    assert checked.approved == D("45.00")


def test_raise_on_refusal_lists_every_refusal() -> None:
    checked = check_changes(
        [budget("a", "41"), budget("b", "41")], BudgetPolicy(frozen=["a"]), current_budgets=CURRENT
    )
    with pytest.raises(GuardrailViolation, match="daily_budget of a: refused: ad set a is frozen"):
        raise_on_refusal(checked)
    raise_on_refusal(checked[1:])
