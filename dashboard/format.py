"""How numbers read on screen: money in the account's currency, ratios, percentages (one place)."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency

__all__ = ["count", "money", "percent", "ratio"]

DASH = "–"


def money(amount: Decimal | int | None, currency: str) -> str:
    """``$1,234.50`` / ``¥1,234``: the currency's own digits; a dash when unknown."""
    if amount is None:
        return DASH
    return str(format_currency(Decimal(amount), currency, locale="en_US"))


def ratio(value: Decimal | float | None, digits: int = 2) -> str:
    """A plain ratio such as ROAS (``3.21``); a dash when unknown."""
    if value is None:
        return DASH
    return f"{Decimal(value):,.{digits}f}" if isinstance(value, Decimal) else f"{value:,.{digits}f}"


def count(value: int | float | None) -> str:
    """A whole count with thousands separators."""
    return DASH if value is None else f"{round(value):,}"


def percent(value: float | None, signed: bool = True) -> str:
    """A relative change (``+12.3%``); a dash when unknown."""
    if value is None:
        return DASH
    return f"{value:+.1%}" if signed else f"{value:.1%}"
