"""The column types on their own: Money (micros <-> Decimal) and UTCDateTime."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from optimizer.errors import InputError
from optimizer.store.types import Micros, Money, UTCDateTime

SQLITE = sqlite.dialect()
PG = postgresql.dialect()


def test_money_binds_micros_and_reads_decimal() -> None:
    money = Money()
    assert money.process_bind_param(Decimal("152.37"), SQLITE) == 152_370_000
    assert money.process_bind_param("0.000001", PG) == 1
    assert money.process_bind_param(Micros(42), SQLITE) == 42  # already converted by validation
    assert money.process_bind_param(None, SQLITE) is None
    assert money.process_result_value(152_370_000, SQLITE) == Decimal("152.37")
    assert money.process_result_value(None, PG) is None


def test_money_refuses_floats_and_sub_micro_amounts() -> None:
    with pytest.raises(TypeError, match="money must not be a float"):
        Money().process_bind_param(0.1, SQLITE)
    with pytest.raises(InputError, match="more than 6 decimal places"):
        Money().process_bind_param(Decimal("0.0000001"), SQLITE)


def test_utc_datetime_normalises_zones() -> None:
    kind = UTCDateTime()
    berlin = datetime(2026, 3, 1, 12, 0, tzinfo=timezone(timedelta(hours=1)))
    assert kind.process_bind_param(berlin, PG) == datetime(2026, 3, 1, 11, 0, tzinfo=UTC)
    assert kind.process_bind_param(datetime(2026, 3, 1, 11, 0), SQLITE) == datetime(
        2026, 3, 1, 11, 0, tzinfo=UTC
    )
    assert kind.process_result_value(datetime(2026, 3, 1, 11, 0), SQLITE) == datetime(
        2026, 3, 1, 11, 0, tzinfo=UTC
    )
    with pytest.raises(TypeError, match="expected a datetime"):
        kind.process_bind_param("2026-03-01", PG)
