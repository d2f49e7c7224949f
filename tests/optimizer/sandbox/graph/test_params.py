"""Parameter decoding: fields with braces or JSON, lists, filtering rules."""

from __future__ import annotations

from decimal import Decimal

import pytest

from optimizer.sandbox.graph.params import (
    FieldSel,
    filtering_rules,
    parse_fields,
    parse_list,
    rule_matches,
    split_top_level,
)
from optimizer.sandbox.graph.wire import GraphError


def test_fields_split_on_commas_at_depth_zero_only() -> None:
    assert split_top_level("name,creative{id,object_story_spec{link_data}},status") == [
        "name",
        "creative{id,object_story_spec{link_data}}",
        "status",
    ]
    assert parse_fields("name,creative{id,call_to_action_type}") == (
        FieldSel("name"),
        FieldSel("creative", (FieldSel("id"), FieldSel("call_to_action_type"))),
    )


def test_fields_as_json_array_and_modifiers() -> None:
    assert parse_fields('["spend","adset_id"]') == (FieldSel("spend"), FieldSel("adset_id"))
    assert parse_fields("insights.date_preset(last_7d){spend}") == (
        FieldSel("insights", (FieldSel("spend"),)),
    )
    assert parse_fields(None) is None and parse_fields("  ") is None


@pytest.mark.parametrize("bad", ["name,creative{id", "a}", "{x}"])
def test_malformed_fields_are_error_100_naming_fields(bad: str) -> None:
    with pytest.raises(GraphError) as caught:
        parse_fields(bad)
    assert caught.value.code == 100 and "fields" in caught.value.message


def test_lists_json_or_comma() -> None:
    assert parse_list('["ACTIVE","PAUSED"]', "effective_status") == ["ACTIVE", "PAUSED"]
    assert parse_list("ACTIVE, PAUSED", "effective_status") == ["ACTIVE", "PAUSED"]
    assert parse_list(None, "x") is None


def test_filtering_rules_and_operators() -> None:
    rules = filtering_rules('[{"field":"ad.effective_status","operator":"in","value":["ACTIVE"]}]')
    assert rules == [("ad.effective_status", "IN", ["ACTIVE"])]
    assert rule_matches("ACTIVE", "IN", ["ACTIVE", "PAUSED"])
    assert not rule_matches("ARCHIVED", "IN", ["ACTIVE", "PAUSED"])
    assert rule_matches("12.50", "GREATER_THAN", 12)
    assert not rule_matches(
        Decimal("0.1") + Decimal("0.2"), "NOT_EQUAL", "0.3"
    )  # exact, never float
    assert rule_matches(5, "IN_RANGE", [1, 5]) and rule_matches(6, "NOT_IN_RANGE", [1, 5])
    assert rule_matches("Summer Sale", "CONTAIN", "sale") and rule_matches("x", "NOT_CONTAIN", "y")
    with pytest.raises(GraphError, match="filtering"):
        filtering_rules('[{"field":"x"}]')
    with pytest.raises(GraphError, match="operator"):
        filtering_rules('[{"field":"x","operator":"LIKE","value":1}]')
