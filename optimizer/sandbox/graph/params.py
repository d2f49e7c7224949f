"""Decoding Graph API parameters the way the real API accepts them.

The SDK JSON-encodes lists, maps and booleans (``["ACTIVE","PAUSED"]``, ``{"since":..}``, ``true``), sends
``fields`` comma-joined with nested braces on GETs and as a JSON array on async POSTs, and plain scripts send
comma lists. Every decoder here accepts all of those and raises error #100 naming the parameter otherwise.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from optimizer.sandbox.graph.wire import GraphError, invalid_parameter


@dataclass(frozen=True)
class FieldSel:
    """One requested field, with the sub-fields asked for inside braces (``creative{id,name}``)."""

    name: str
    children: tuple[FieldSel, ...] | None = None


_NAME = re.compile(r"^[A-Za-z0-9_]+")


def split_top_level(text: str, field: str = "fields") -> list[str]:
    """Split ``text`` on commas at brace/parenthesis depth 0."""
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for char in text:
        if char in "{(":
            depth += 1
        elif char in "})":
            depth -= 1
            if depth < 0:
                raise invalid_parameter(f"Syntax error in {field}: unbalanced '{char}'")
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    if depth != 0:
        raise invalid_parameter(f"Syntax error in {field}: unbalanced braces")
    parts.append("".join(current))
    return [part.strip() for part in parts if part.strip()]


def _parse_one(item: str, field: str) -> FieldSel:
    match = _NAME.match(item)
    if not match:
        raise invalid_parameter(f"Syntax error in {field}: {item!r} is not a field name")
    name = match.group(0)
    brace = item.find("{")
    if brace < 0:
        return FieldSel(name)
    if not item.endswith("}"):
        raise invalid_parameter(f"Syntax error in {field}: {item!r}")
    # Modifiers such as ``insights.date_preset(last_7d){spend}`` sit before the brace and are ignored.
    return FieldSel(
        name, tuple(_parse_one(p, field) for p in split_top_level(item[brace + 1 : -1]))
    )


def parse_fields(value: str | None, field: str = "fields") -> tuple[FieldSel, ...] | None:
    """``fields`` as comma list with braces or as a JSON array; None when absent or empty."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    items: list[str]
    if text.startswith("["):
        decoded = parse_json(text, field)
        if not isinstance(decoded, list) or not all(isinstance(x, str) for x in decoded):
            raise invalid_parameter(f"Param {field} must be a list of field names")
        items = [p for x in decoded for p in split_top_level(x, field)]
    else:
        items = split_top_level(text, field)
    return tuple(_parse_one(item, field) for item in items) or None


def parse_json(value: str, field: str) -> Any:
    """A JSON-encoded parameter (``time_range``, ``filtering``, ``bid_constraints``)."""
    try:
        return json.loads(value)
    except ValueError:
        raise invalid_parameter(f"Param {field} must be a JSON-encoded value") from None


def parse_list(value: str | None, field: str) -> list[str] | None:
    """A list parameter given as JSON (``["a","b"]``) or comma-separated (``a,b``)."""
    if value is None:
        return None
    text = value.strip()
    if text.startswith("["):
        decoded = parse_json(text, field)
        if not isinstance(decoded, list):
            raise invalid_parameter(f"Param {field} must be an array")
        return [str(x) for x in decoded]
    return [part.strip() for part in text.split(",") if part.strip()]


def parse_int(
    value: str | None, field: str, *, low: int | None = None, high: int | None = None
) -> int | None:
    """An integer parameter within ``[low, high]``; None when absent."""
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except ValueError:
        raise invalid_parameter(f"Param {field} must be an integer") from None
    if (low is not None and number < low) or (high is not None and number > high):
        raise invalid_parameter(f"Param {field} must be between {low} and {high}")
    return number


def parse_bool(value: str | None) -> bool:
    """``true``/``1`` as the SDK and scripts send them."""
    return value is not None and value.strip().lower() in {"true", "1"}


def parse_date(value: Any, field: str) -> date:
    """A ``YYYY-MM-DD`` date inside a JSON parameter."""
    if not isinstance(value, str):
        raise invalid_parameter(f"Param {field} must be a date string YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise invalid_parameter(
            f"Param {field} must be a date string YYYY-MM-DD, got {value!r}"
        ) from None


def filtering_rules(value: str | None, field: str = "filtering") -> list[tuple[str, str, Any]]:
    """``filtering`` as ``(field, OPERATOR, value)`` triples."""
    if value is None or not value.strip():
        return []
    decoded = parse_json(value, field)
    if not isinstance(decoded, list):
        raise invalid_parameter(f"Param {field} must be an array of filter objects")
    rules: list[tuple[str, str, Any]] = []
    for index, rule in enumerate(decoded):
        if not isinstance(rule, dict) or "field" not in rule or "operator" not in rule:
            raise invalid_parameter(f"Param {field}[{index}] must have 'field' and 'operator'")
        operator = str(rule["operator"]).upper()
        if operator not in OPERATORS:
            raise invalid_parameter(f"Param {field}[{index}]: unknown operator {operator!r}")
        rules.append((str(rule["field"]), operator, rule.get("value")))
    return rules


OPERATORS = frozenset(
    {
        "EQUAL", "NOT_EQUAL", "GREATER_THAN", "GREATER_THAN_OR_EQUAL", "LESS_THAN",
        "LESS_THAN_OR_EQUAL", "IN_RANGE", "NOT_IN_RANGE", "CONTAIN", "NOT_CONTAIN", "IN", "NOT_IN",
        "ANY", "ALL", "NONE", "STARTS_WITH",
    }
)  # fmt: skip


def _number(value: Any) -> Decimal | None:
    """Exact comparison value (metrics include money, so never float)."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def rule_matches(actual: Any, operator: str, expected: Any) -> bool:
    """Whether ``actual`` passes one filtering rule (numbers compare numerically, the rest as strings)."""
    if operator in {"IN", "NOT_IN", "ANY", "ALL", "NONE"}:
        values = expected if isinstance(expected, list) else [expected]
        wanted = {str(v) for v in values}
        actuals = (
            {str(a) for a in actual} if isinstance(actual, list | tuple | set) else {str(actual)}
        )
        if operator in {"IN", "ANY"}:
            return bool(actuals & wanted)
        if operator == "ALL":
            return wanted <= actuals
        return not actuals & wanted
    if operator in {"CONTAIN", "NOT_CONTAIN", "STARTS_WITH"}:
        text, needle = str(actual).lower(), str(expected).lower()
        if operator == "STARTS_WITH":
            return text.startswith(needle)
        return (needle in text) == (operator == "CONTAIN")
    if operator in {"IN_RANGE", "NOT_IN_RANGE"}:
        if not isinstance(expected, list) or len(expected) != 2:
            raise invalid_parameter(f"{operator} needs a [low, high] value")
        low, high, x = _number(expected[0]), _number(expected[1]), _number(actual)
        inside = low is not None and high is not None and x is not None and low <= x <= high
        return inside == (operator == "IN_RANGE")
    x, y = _number(actual), _number(expected)
    if x is None or y is None:
        if operator == "EQUAL":
            return str(actual) == str(expected)
        if operator == "NOT_EQUAL":
            return str(actual) != str(expected)
        return False
    return {
        "EQUAL": x == y,
        "NOT_EQUAL": x != y,
        "GREATER_THAN": x > y,
        "GREATER_THAN_OR_EQUAL": x >= y,
        "LESS_THAN": x < y,
        "LESS_THAN_OR_EQUAL": x <= y,
    }[operator]


__all__ = [
    "FieldSel",
    "GraphError",
    "filtering_rules",
    "parse_bool",
    "parse_date",
    "parse_fields",
    "parse_int",
    "parse_json",
    "parse_list",
    "rule_matches",
    "split_top_level",
]
