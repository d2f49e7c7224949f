"""Field parsers for updates and creations: each returns the clean value or raises naming the field.

Values may come as Python values or as the strings a form-encoded Graph API request carries
(``"5000"``, ``'{"roas_average_floor": 20000}'``), so the wire server can pass them through unchanged.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from optimizer.money import offset
from optimizer.sandbox.market.entities import (
    BID_STRATEGIES,
    CTA_TYPES,
    OBJECTIVES,
    STATUSES,
)
from optimizer.sandbox.market.errors import MarketError

#: The smallest daily budget the sandbox accepts, in major units (Meta's real minimums depend on the bid
#: and the currency; see GET /act_<id>/minimum_budgets).
MIN_DAILY_BUDGET_MAJOR = 1
#: The same floor for offset-1 currencies (whole units, e.g. yen), which are worth far less.
MIN_DAILY_BUDGET_WHOLE = 100


def integer(field: str, value: object, *, minimum: int | None = None) -> int:
    """An integer, or a string of digits; bools and floats are refused."""
    if isinstance(value, bool):
        raise MarketError(field, f"expected an integer, got {value!r}")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
        number = int(value.strip())
    else:
        raise MarketError(field, f"expected an integer, got {value!r}")
    if minimum is not None and number < minimum:
        raise MarketError(field, f"must be at least {minimum}, got {number}")
    return number


def minimum_daily_budget(currency: str) -> int:
    """The smallest daily budget in minor units for ``currency``."""
    unit = offset(currency)
    return MIN_DAILY_BUDGET_WHOLE if unit == 1 else MIN_DAILY_BUDGET_MAJOR * unit


def budget(field: str, value: object, currency: str) -> int:
    """A daily or lifetime budget in minor units: a positive integer at or above the daily minimum."""
    amount = integer(field, value)
    if amount <= 0:
        raise MarketError(field, f"must be greater than 0, got {amount}")
    floor = minimum_daily_budget(currency)
    if amount < floor:
        raise MarketError(
            field, f"{amount} is below the minimum of {floor} ({currency} minor units)"
        )
    return amount


def bid_amount(value: object) -> int:
    """A bid cap or cost target in minor units."""
    amount = integer("bid_amount", value)
    if amount <= 0:
        raise MarketError("bid_amount", f"must be greater than 0, got {amount}")
    return amount


def choice(field: str, value: object, allowed: frozenset[str] | tuple[str, ...]) -> str:
    """One of the enum's values (exact, upper case)."""
    if not isinstance(value, str) or value not in allowed:
        raise MarketError(field, f"{value!r} is not one of {', '.join(sorted(allowed))}")
    return value


def status(value: object) -> str:
    return choice("status", value, STATUSES)


def bid_strategy(value: object) -> str:
    return choice("bid_strategy", value, BID_STRATEGIES)


def objective(value: object) -> str:
    return choice("objective", value, OBJECTIVES)


def call_to_action(field: str, value: object) -> str:
    return choice(field, value, CTA_TYPES)


def text(field: str, value: object) -> str:
    """A non-empty string (names, titles)."""
    if not isinstance(value, str) or not value.strip():
        raise MarketError(field, f"expected a non-empty string, got {value!r}")
    return value


def mapping(field: str, value: object) -> dict[str, Any]:
    """A JSON object, given as a dict or as its JSON text."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise MarketError(field, f"{value!r} is not valid JSON") from None
    if not isinstance(value, dict):
        raise MarketError(field, f"expected an object, got {value!r}")
    return dict(value)


def bid_constraints(value: object) -> dict[str, Any]:
    """``{"roas_average_floor": N}`` with N the minimum ROAS times 10,000 (2.0x is 20000)."""
    constraints = mapping("bid_constraints", value)
    if "roas_average_floor" in constraints:
        constraints["roas_average_floor"] = integer(
            "bid_constraints.roas_average_floor", constraints["roas_average_floor"], minimum=1
        )
    return constraints


def timestamp(field: str, value: object) -> datetime:
    """A time as a datetime, ISO 8601 text or unix seconds; naive times are taken as UTC."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        moment = datetime.fromtimestamp(value, UTC)
    elif isinstance(value, str):
        raw = value.strip()
        try:
            moment = (
                datetime.fromtimestamp(int(raw), UTC)
                if raw.isdigit()
                else datetime.fromisoformat(raw)
            )
        except ValueError:
            raise MarketError(field, f"{value!r} is not a time") from None
    else:
        raise MarketError(field, f"{value!r} is not a time")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
