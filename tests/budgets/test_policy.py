"""The budget policy: defaults, validation messages naming source and key path, TOML and YAML loading."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from budgets import BudgetPolicy, Limits, Objective
from budgets.policy import BidPolicy
from optimizer.errors import InputError, PolicyError

EXAMPLE = Path(__file__).parents[2] / "budgets" / "examples" / "policy.example.toml"


def test_defaults_follow_the_contract() -> None:
    policy = BudgetPolicy()
    assert policy.currency == "USD"
    assert policy.objective is Objective.PROFIT
    assert policy.min_budget == Decimal("1")
    assert policy.max_daily_change == 0.20
    assert policy.adsets is None and policy.excluded == [] and policy.frozen == []
    assert policy.bids == BidPolicy(max_change=0.10)
    assert (
        policy.exploration_share == 0.10
        and policy.risk == "neutral"
        and policy.risk_quantile == 0.2
    )


def test_policy_is_frozen() -> None:
    policy = BudgetPolicy()
    with pytest.raises(ValidationError):
        policy.min_budget = Decimal("3")  # type: ignore[misc]


def test_example_file_loads_with_its_documented_values() -> None:
    policy = BudgetPolicy.from_file(EXAMPLE)
    assert policy.total_daily_budget == Decimal("500.00")
    assert policy.margin == 0.35
    assert policy.campaigns["23850000000000100"] == Limits(min=Decimal("50"), max=Decimal("300"))
    assert policy.adset_bounds("23850000000000001") == (Decimal("20"), Decimal("120"))
    assert policy.adset_bounds("any-other") == (Decimal("5"), Decimal("200"))
    assert policy.bids.min == Decimal("0.5") and policy.bids.max == Decimal("40")
    assert not policy.may_receive_budget("23850000000000009")  # excluded
    assert not policy.may_receive_budget("23850000000000008")  # frozen
    assert policy.may_receive_budget("23850000000000001")


def test_yaml_and_toml_give_the_same_policy(tmp_path: Path) -> None:
    toml = tmp_path / "policy.toml"
    toml.write_text(
        'total_daily_budget = 120.5\nobjective = "target_cpa"\ntarget_cpa = 20\n'
        'adsets = ["11", "12"]\n[adset_limits.11]\nmax = 60\n'
    )
    yml = tmp_path / "policy.yml"
    yml.write_text(
        "total_daily_budget: '120.50'\nobjective: target_cpa\ntarget_cpa: 20\n"
        "adsets: [11, 12]\nadset_limits:\n  11: {max: 60}\n"
    )
    a, b = BudgetPolicy.from_file(toml), BudgetPolicy.from_file(yml)
    assert a == b
    assert a.adsets == ["11", "12"]  # YAML integers become the id strings
    assert a.adset_bounds("11") == (Decimal("1"), Decimal("60"))


def test_dict_input_accepts_plain_numbers_as_money() -> None:
    policy = BudgetPolicy.from_dict(
        {"total_daily_budget": 1000, "min_budget": "2.50", "max_budget": 99.99, "currency": "eur"}
    )
    assert policy.total_daily_budget == Decimal("1000")
    assert policy.min_budget == Decimal("2.50")
    assert policy.max_budget == Decimal("99.99")
    assert policy.currency == "EUR"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"max_daily_change": 1.5},
            "policy.toml: max_daily_change: must be between 0 and 1, got 1.5",
        ),
        (
            {"max_daily_change": float("nan")},
            "policy.toml: max_daily_change: must be between 0 and 1",
        ),
        (
            {"max_daly_change": 0.1},
            "policy.toml: max_daly_change: unknown key; did you mean 'max_daily_change'?",
        ),
        (
            {"bids": {"max_chnage": 0.2}},
            "policy.toml: bids.max_chnage: unknown key; did you mean 'max_change'?",
        ),
        (
            {"campaigns": {"7": {"mx": 3}}},
            "policy.toml: campaigns.7.mx: unknown key; did you mean 'max'?",
        ),
        (
            {"campaigns": {"7": {"min": 5, "max": 3}}},
            "policy.toml: campaigns.7: min (5) must not exceed max (3)",
        ),
        ({"min_budget": 10, "max_budget": 5}, "min_budget (10) must not exceed max_budget (5)"),
        ({"min_budget": -1}, "policy.toml: min_budget: must not be negative, got -1"),
        ({"total_daily_budget": "-0.01"}, "policy.toml: total_daily_budget: must not be negative"),
        (
            {"adset_limits": {"9": {"max": -2}}},
            "policy.toml: adset_limits.9: max: must not be negative, got -2",
        ),
        (
            {"objective": "target_cpa"},
            "policy.toml: target_cpa: objective 'target_cpa' needs target_cpa",
        ),
        (
            {"objective": "target_roas"},
            "policy.toml: target_roas: objective 'target_roas' needs target_roas",
        ),
        ({"target_cpa": 5}, "target_cpa: set, but objective is 'profit'"),
        (
            {"objective": "target_roas", "target_roas": 0},
            "policy.toml: target_roas: must be above 0",
        ),
        ({"objective": "clicks"}, "policy.toml: objective: Input should be"),
        ({"adsets": [1.5]}, "policy.toml: adsets: item 0: ids must be strings, got 1.5"),
        ({"frozen": "123"}, "policy.toml: frozen: must be a list of ids"),
        ({"excluded": ["1", 1]}, "policy.toml: excluded: id 1 is listed twice"),
        ({"excluded": ["1"], "frozen": ["1"]}, "excluded and frozen: 1 cannot be both"),
        ({"adsets": ["1"], "excluded": ["1"]}, "adsets and excluded: 1 cannot both"),
        ({"currency": "XYZ"}, "policy.toml: currency: unknown currency 'XYZ'"),
        (
            {"min_budget": "1.005"},
            "policy.toml: min_budget: 1.005 USD is finer than the currency's minor unit",
        ),
        (
            {"currency": "JPY", "min_budget": "100.5"},
            "min_budget: 100.5 JPY is finer than the currency's minor unit (whole units)",
        ),
        (
            {"total_daily_budget": 100, "monthly_budget": 3000},
            "total_daily_budget and monthly_budget: give at most one",
        ),
        ({"margin": 0}, "policy.toml: margin: must be above 0 and at most 1"),
        (
            {"exploration_share": 1},
            "policy.toml: exploration_share: must be at least 0 and below 1",
        ),
        ({"risk": "var"}, "policy.toml: risk: Input should be"),
        ({"risk_quantile": 1}, "policy.toml: risk_quantile: must be strictly between 0 and 1"),
        ({"bids": {"max_change": -0.1}}, "policy.toml: bids.max_change: must be between 0 and 1"),
        ({"bids": {"min": 2, "max": 1}}, "policy.toml: bids: min (2) must not exceed max (1)"),
        ({"min_budget": "nan"}, "policy.toml: min_budget: Input should be a finite number"),
    ],
)
def test_invalid_policies_are_refused_naming_the_key(data: dict[str, object], message: str) -> None:
    with pytest.raises(PolicyError) as raised:
        BudgetPolicy.from_dict(data, source="policy.toml")
    assert message in str(raised.value)
    assert isinstance(raised.value, InputError)


def test_every_problem_is_listed_one_per_line() -> None:
    with pytest.raises(PolicyError) as raised:
        BudgetPolicy.from_dict({"min_budget": -1, "margin": 2, "colour": "red"})
    lines = str(raised.value).splitlines()
    assert len(lines) == 3
    assert all(line.startswith("policy: ") for line in lines)


def test_file_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "acme.toml"
    bad.write_text("max_daily_change = 2\n")
    with pytest.raises(
        PolicyError, match=r"acme\.toml: max_daily_change: must be between 0 and 1, got 2"
    ):
        BudgetPolicy.from_file(bad)
    broken = tmp_path / "broken.toml"
    broken.write_text("max_daily_change = \n")
    with pytest.raises(PolicyError, match=r"broken\.toml: not valid TOML"):
        BudgetPolicy.from_file(broken)
    broken_yaml = tmp_path / "broken.yaml"
    broken_yaml.write_text("a: [1, 2\n")
    with pytest.raises(PolicyError, match=r"broken\.yaml: not valid YAML"):
        BudgetPolicy.from_file(broken_yaml)
    listed = tmp_path / "list.yaml"
    listed.write_text("- 1\n- 2\n")
    with pytest.raises(
        PolicyError, match=r"list\.yaml: a policy must be a table of keys, got list"
    ):
        BudgetPolicy.from_file(listed)
    with pytest.raises(PolicyError, match=r"policy\.json: policy files must end in"):
        BudgetPolicy.from_file(tmp_path / "policy.json")
    with pytest.raises(PolicyError, match=r"missing\.toml: cannot read"):
        BudgetPolicy.from_file(tmp_path / "missing.toml")


def test_empty_yaml_file_is_the_default_policy(tmp_path: Path) -> None:
    empty = tmp_path / "policy.yaml"
    empty.write_text("# nothing set yet\n")
    assert BudgetPolicy.from_file(empty) == BudgetPolicy()


def test_adset_bounds_prefer_the_ad_sets_own_limits() -> None:
    policy = BudgetPolicy.from_dict(
        {
            "min_budget": 10,
            "max_budget": 100,
            "adset_limits": {
                "low": {"max": 5},
                "high": {"min": 150},
                "both": {"min": 20, "max": 30},
            },
        }
    )
    assert policy.adset_bounds("low") == (Decimal("5"), Decimal("5"))
    assert policy.adset_bounds("high") == (Decimal("150"), Decimal("150"))
    assert policy.adset_bounds("both") == (Decimal("20"), Decimal("30"))
    assert policy.adset_bounds("other") == (Decimal("10"), Decimal("100"))


def test_adsets_list_limits_who_receives_budget() -> None:
    policy = BudgetPolicy.from_dict({"adsets": ["1", "2"], "frozen": ["2"]})
    assert policy.may_receive_budget("1")
    assert not policy.may_receive_budget("2")
    assert not policy.may_receive_budget("3")


def test_campaign_bounds_prefer_the_campaigns_own_limits() -> None:
    policy = BudgetPolicy.from_dict(
        {
            "min_budget": 10,
            "max_budget": 100,
            "campaigns": {"k": {"max": 5}, "m": {"min": 150}, "n": {"min": 20}},
        }
    )
    assert policy.campaign_bounds("k") == (Decimal("5"), Decimal("5"))
    assert policy.campaign_bounds("m") == (Decimal("150"), Decimal("150"))
    assert policy.campaign_bounds("n") == (Decimal("20"), Decimal("100"))
    assert policy.campaign_bounds("other") == (Decimal("10"), Decimal("100"))


def test_a_policy_survives_a_round_trip_through_plain_data() -> None:
    policy = BudgetPolicy.from_file(EXAMPLE)
    assert BudgetPolicy.from_dict(policy.model_dump()) == policy
    assert BudgetPolicy.from_dict(policy.model_dump(mode="json")) == policy
