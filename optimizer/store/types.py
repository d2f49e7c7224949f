"""Column types that make SQLite and PostgreSQL behave the same.

``Money`` is the one money column type: amounts in major units are kept as exact integer micros
(:func:`optimizer.money.to_micros`) in a BIGINT, so sums in SQL are exact on both backends and Python only
ever sees :class:`~decimal.Decimal`. ``UTCDateTime`` stores aware UTC timestamps; SQLite drops the zone, so
values come back re-tagged as UTC instead of naive.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from optimizer.money import from_micros, parse_decimal, to_micros


class Micros(int):
    """An amount already checked and converted to integer micros (by row validation): bound as is."""

    __slots__ = ()


class Money(TypeDecorator[Decimal]):
    """A major-unit amount stored as integer micros; Decimal in, Decimal out, never float."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if type(value) is Micros:
            return int(value)
        if isinstance(value, float):
            raise TypeError(f"money must not be a float: {value!r}; pass a Decimal or a string")
        if isinstance(value, Decimal):
            return to_micros(value)
        return to_micros(parse_decimal(value, "amount"))

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else from_micros(value)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always aware UTC in Python, whatever the backend keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {value!r}")
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        moment: datetime = value.astimezone(UTC)
        return moment  # SQLite keeps the UTC wall time as text (lexical order = time order)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def utcnow() -> datetime:
    """The current time as aware UTC: the default for every timestamp column."""
    return datetime.now(UTC)
