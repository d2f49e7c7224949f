"""Row validation: every row is checked and normalised BEFORE anything is written.

Upserts take plain mappings (what a sync or an importer naturally builds), dataclass records or model
instances. Each field
has one converter; the first bad value raises :class:`~optimizer.errors.InputError` naming the table, the
row (1-based position and its id) and the field, so a batch is all good or nothing reaches the database.
The converters are plain functions over a precompiled spec because a sync writes 10^5 rows at a time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields, is_dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlmodel import SQLModel

from optimizer.errors import CurrencyError, InputError
from optimizer.money import offset, parse_decimal, to_micros
from optimizer.store.types import Micros, utcnow


class FieldError(ValueError):
    """A converter's complaint about one value; turned into ``error`` (an InputError) naming the row."""

    def __init__(self, message: str, error: type[InputError] = InputError) -> None:
        super().__init__(message)
        self.error = error


Converter = Callable[[Any], Any]


def text(value: Any) -> str:
    """A non-empty string; integer ids are accepted and written as strings."""
    if type(value) is str and value and not value[0].isspace():
        return value
    if isinstance(value, str):
        if not value.strip():
            raise FieldError("is empty")
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise FieldError(f"expected text, got {value!r}")


def count(value: Any) -> int:
    """A non-negative whole number (the API sends counts as strings)."""
    if type(value) is int and value >= 0:
        return value
    if isinstance(value, bool):
        raise FieldError(f"expected a whole number, got {value!r}")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value)
    elif isinstance(value, Decimal) and value == value.to_integral_value():
        number = int(value)
    else:
        raise FieldError(f"expected a whole number, got {value!r}")
    if number < 0:
        raise FieldError(f"is negative ({number})")
    return number


#: The largest amount a BIGINT of micros holds: 9,223,372,036,854.775807 major units. (SQLite's SUM
#: over such columns is bounded by the same figure; PostgreSQL sums BIGINT as NUMERIC.)
MAX_MICROS = 2**63 - 1


def money(value: Any) -> Micros:
    """A non-negative amount in major units, exact to the micro, as integer micros; floats are refused."""
    if type(value) is Decimal and value.is_finite() and value.as_tuple().exponent >= -6:  # type: ignore[operator]
        micros = int(value.scaleb(6))
    elif isinstance(value, float):
        raise FieldError(f"money must not be a float ({value!r}): pass a Decimal or a string")
    else:
        try:
            micros = to_micros(parse_decimal(value, "amount"))
        except InputError as exc:
            raise FieldError(str(exc).removeprefix("amount: ")) from None
    if micros < 0:
        raise FieldError(f"is negative ({value})")
    if micros > MAX_MICROS:
        raise FieldError(f"{value} exceeds the largest storable amount (9223372036854.775807)")
    return Micros(micros)


def day(value: Any) -> date:
    """A calendar day: a ``date`` or ISO ``YYYY-MM-DD`` text (a datetime is ambiguous across zones)."""
    if isinstance(value, datetime):
        raise FieldError(f"expected a date, got the datetime {value!r}")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise FieldError(f"expected a date (YYYY-MM-DD), got {value!r}")


def timestamp(value: Any) -> datetime:
    """A point in time; naive values are taken as UTC, ISO text (the API's ``updated_time``) is parsed."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise FieldError(f"expected an ISO timestamp, got {value!r}") from None
    if not isinstance(value, datetime):
        raise FieldError(f"expected a timestamp, got {value!r}")
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def currency(value: Any) -> str:
    """An ISO code Meta bills ad accounts in."""
    if not isinstance(value, str):
        raise FieldError(f"expected a currency code, got {value!r}")
    code = value.strip().upper()
    try:
        offset(code)
    except CurrencyError as exc:
        raise FieldError(str(exc), CurrencyError) from None
    return code


def json_text(value: Any) -> str:
    """JSON kept as text: a dict/list is serialised, a string must already parse."""
    if isinstance(value, str):
        try:
            json.loads(value)
        except ValueError:
            raise FieldError(f"is not valid JSON: {value[:60]!r}") from None
        return value
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, default=str)
    raise FieldError(f"expected JSON text or an object, got {value!r}")


def one_of(*allowed: str) -> Converter:
    """A converter accepting only the given spellings."""
    choices = frozenset(allowed)

    def convert(value: Any) -> str:
        if value not in choices:
            raise FieldError(f"{value!r} is not one of {sorted(choices)}")
        return str(value)

    return convert


@dataclass(frozen=True)
class Spec:
    """How to validate one field: its converter, whether it is required, and its default."""

    convert: Converter
    required: bool = False
    default: Callable[[], Any] | None = None


def required(convert: Converter) -> Spec:
    return Spec(convert, required=True)


def optional(convert: Converter) -> Spec:
    return Spec(convert)


def defaulted(convert: Converter, default: Callable[[], Any]) -> Spec:
    return Spec(convert, default=default)


def now_default() -> Spec:
    return defaulted(timestamp, utcnow)


def _as_mapping(row: Any) -> Mapping[str, Any]:
    if isinstance(row, Mapping):
        return row
    if isinstance(row, SQLModel):
        return row.model_dump()
    if is_dataclass(row) and not isinstance(row, type):
        return {item.name: getattr(row, item.name) for item in fields(row)}
    raise InputError(f"expected a mapping or a model instance, got {type(row).__name__}")


def describe(table: str, index: int, row: Mapping[str, Any]) -> str:
    """How an error names a row: table, 1-based position, and its id or key where it has one."""
    key = row.get("id") or row.get("object_id") or row.get("ad_id") or row.get("adset_id")
    when = row.get("date")
    parts = [f"{table} row {index}"]
    if key is not None:
        parts.append(f"id {key}")
    if when is not None:
        parts.append(f"date {when}")
    return parts[0] + (f" ({', '.join(parts[1:])})" if len(parts) > 1 else "")


def validate_rows(
    table: str,
    specs: Mapping[str, Spec],
    rows: Iterable[Any],
    check: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Every row converted to a full column dict, or InputError naming table, row and field.

    Defaults (``updated_at``, ``pulled_at``) are taken once per batch: one pull, one timestamp.
    """
    items = [(name, spec.convert, spec.required) for name, spec in specs.items()]
    defaults = {
        name: spec.default() if spec.default is not None else None for name, spec in specs.items()
    }
    known = frozenset(specs)
    out: list[dict[str, Any]] = []
    for index, raw in enumerate(rows, start=1):
        row = raw if type(raw) is dict else _as_mapping(raw)
        clean: dict[str, Any] = {}
        for name, convert, needed in items:
            value = row.get(name)
            if value is None:
                if needed:
                    raise InputError(f"{describe(table, index, row)}: {name}: is missing")
                clean[name] = defaults[name]
                continue
            try:
                clean[name] = convert(value)
            except FieldError as exc:
                raise exc.error(f"{describe(table, index, row)}: {name}: {exc}") from None
        if not known.issuperset(row):
            unknown = sorted(row.keys() - known)
            raise InputError(f"{describe(table, index, row)}: unknown field(s) {unknown}")
        if check is not None:
            try:
                check(clean)
            except FieldError as exc:
                raise exc.error(f"{describe(table, index, row)}: {exc}") from None
        out.append(clean)
    return out
