from decimal import Decimal

import pytest

from optimizer.errors import CurrencyError, InputError
from optimizer.money import (
    from_micros,
    major_to_minor,
    minor_to_major,
    offset,
    parse_decimal,
    to_micros,
)


def test_offsets_follow_meta_not_iso() -> None:
    assert offset("USD") == 100
    assert offset("jpy") == 1
    # ISO says two decimals for TWD; Meta bills it in whole units.
    assert offset("TWD") == 1


def test_unknown_currency_is_named() -> None:
    with pytest.raises(CurrencyError, match="XXX"):
        offset("XXX")


def test_minor_major_round_trip() -> None:
    assert minor_to_major("5000", "USD") == Decimal("50")
    assert minor_to_major(1000, "JPY") == Decimal("1000")
    assert major_to_minor(Decimal("50.25"), "USD") == 5025
    assert major_to_minor(Decimal("0.005"), "USD") == 0  # half-even
    with pytest.raises(CurrencyError):
        major_to_minor(Decimal("10.5"), "JPY", exact=True)


def test_parse_decimal_names_field() -> None:
    assert parse_decimal("152.37", "spend") == Decimal("152.37")
    with pytest.raises(InputError, match="spend"):
        parse_decimal("12,5", "spend")
    with pytest.raises(InputError, match="spend"):
        parse_decimal("NaN", "spend")


def test_micros_are_exact() -> None:
    assert to_micros(Decimal("152.37")) == 152_370_000
    assert from_micros(152_370_000) == Decimal("152.37")
    with pytest.raises(InputError):
        to_micros(Decimal("0.0000001"))
