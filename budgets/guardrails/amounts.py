"""Amounts in and out of the check: validated Decimals, worked in the currency's integer minor units."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from optimizer.errors import InputError
from optimizer.money import offset, parse_decimal


class Units:
    """Conversions between major-unit Decimals and the currency's integer minor units."""

    def __init__(self, currency: str) -> None:
        self.currency = currency
        self.offset = offset(currency)
        self.places = 2 if self.offset == 100 else 0

    def minor(self, amount: Decimal, rounding: str = ROUND_HALF_EVEN) -> int:
        return int((amount * self.offset).to_integral_value(rounding=rounding))

    def major(self, minor: int) -> Decimal:
        return Decimal(minor).scaleb(-self.places)

    def show(self, minor: int) -> str:
        return f"{self.major(minor)} {self.currency}"


def text_id(value: object, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise InputError(f"{where}: ids must be non-empty strings, got {value!r}")
    return value


def parse_amount(value: object, where: str) -> Decimal:
    """A finite, non-negative amount; NaN, infinities, negatives and non-numbers are input errors."""
    if isinstance(value, str | Decimal | int | float) and not isinstance(value, bool):
        number = parse_decimal(value, where)
    else:
        raise InputError(f"{where}: expected an amount, got {value!r}")
    if number < 0:
        raise InputError(f"{where}: amounts must not be negative, got {value}")
    return number


def minor_amount(value: object, where: str, units: Units) -> int:
    number = parse_amount(value, where)
    minor = number * units.offset
    if minor != minor.to_integral_value():
        raise InputError(f"{where}: {number} {units.currency} is not a whole number of minor units")
    return int(minor)
