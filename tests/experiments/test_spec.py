"""Experiment definitions: parsing arms, validation errors naming the field, JSON round trip."""

from __future__ import annotations

from decimal import Decimal

import pytest

from experiments.spec import Arm, ExperimentSpec, parse_arms, resolve_control
from experiments.stats.decision import DecisionPolicy
from optimizer.errors import InputError

ARMS = parse_arms("SHOP_NOW:photo, LEARN_MORE:photo,BUY_NOW:video")


def _spec(**changes: object) -> ExperimentSpec:
    fields: dict[str, object] = {
        "name": "CTA test",
        "arms": ARMS,
        "control": "LEARN_MORE:photo",
        "metric": "ctr",
        "daily_budget": Decimal("300"),
    }
    fields.update(changes)
    return ExperimentSpec(**fields)  # type: ignore[arg-type]


def test_parse_arms_and_names() -> None:
    assert ARMS == (Arm("SHOP_NOW", "photo"), Arm("LEARN_MORE", "photo"), Arm("BUY_NOW", "video"))
    assert [a.name for a in ARMS] == ["SHOP_NOW:photo", "LEARN_MORE:photo", "BUY_NOW:video"]
    assert parse_arms("shop_now:x")[0].cta == "SHOP_NOW"


@pytest.mark.parametrize(
    ("text", "field"),
    [("SHOP_NOW", "arms"), ("SHOP NOW:x", "arms"), ("SHOP_NOW:", "arms")],
)
def test_bad_arm_text_names_the_field(text: str, field: str) -> None:
    with pytest.raises(InputError, match=field):
        parse_arms(text)


def test_control_by_name_cta_or_creative() -> None:
    assert resolve_control(ARMS, "LEARN_MORE:photo") == "LEARN_MORE:photo"
    assert resolve_control(ARMS, "learn_more") == "LEARN_MORE:photo"
    assert resolve_control(ARMS, "video") == "BUY_NOW:video"
    with pytest.raises(InputError, match="control"):
        resolve_control(ARMS, "photo")  # two arms use it
    with pytest.raises(InputError, match="control"):
        resolve_control(ARMS, "ORDER_NOW")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"arms": ARMS[:1], "control": "SHOP_NOW:photo"}, "arms"),
        ({"arms": ARMS * 5}, "arms"),
        ({"arms": (ARMS[0], ARMS[0], ARMS[1])}, "arms"),
        ({"control": "ORDER_NOW:photo"}, "control"),
        ({"metric": "likes"}, "metric"),
        ({"guardrails": ("ctr",)}, "guardrails"),
        ({"guardrails": ("bounce",)}, "guardrails"),
        ({"daily_budget": Decimal(0)}, "daily_budget"),
        ({"traffic": "epsilon"}, "traffic"),
        ({"floor": 0.4}, "floor"),
        ({"warmup_impressions": -1}, "warmup_impressions"),
        ({"max_live_arms": 2}, "arms"),
        ({"space_ctas": ("SHOP_NOW",)}, "arms"),
        ({"name": " "}, "name"),
        ({"control_share": 0.01}, "control_share"),
        ({"max_budget_change": 0.0}, "max_budget_change"),
    ],
)
def test_invalid_specs_name_the_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InputError, match=field):
        _spec(**changes)


def test_design_space_and_json_round_trip() -> None:
    spec = _spec(
        guardrails=("cost_per_purchase",),
        policy=DecisionPolicy(min_chance=0.95, min_runtime_days=3),
        space_creatives=("photo", "video", "carousel"),
        space_ctas=("SHOP_NOW", "LEARN_MORE", "BUY_NOW", "ORDER_NOW"),
        max_live_arms=4,
        daily_budget=Decimal("300.50"),
    )
    assert spec.creatives == ("photo", "video", "carousel")
    assert spec.ctas == ("SHOP_NOW", "LEARN_MORE", "BUY_NOW", "ORDER_NOW")
    assert spec.space_size == 12 and spec.live_arms == 4 and spec.adaptive_design
    assert not _spec().adaptive_design
    again = ExperimentSpec.from_json(spec.to_json())
    assert again == spec
    assert isinstance(again.daily_budget, Decimal) and again.daily_budget == Decimal("300.50")
