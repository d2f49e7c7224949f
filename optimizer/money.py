"""Money: the one place that knows currency offsets and turns minor units into major and back.

Meta's Marketing API reports ``spend`` and action values as decimal strings in **major** units ("152.37")
but takes and returns budgets and bid amounts as integers in the currency's **offset** unit (cents for USD,
whole yen for JPY). Meta's offset table is not ISO 4217's precision (TWD, HUF, COP, IDR, CRC have offset 1
at Meta), so it is kept here as data. Never use float for money: everything is :class:`decimal.Decimal` or
integer minor units.

The store keeps money as integer *micros* of the major unit (1e-6), exact on SQLite and PostgreSQL alike and
summable in SQL; :func:`to_micros` / :func:`from_micros` are the only conversions.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from optimizer.errors import CurrencyError, InputError

#: Currencies whose Meta offset is 1 (amounts are whole units): developers.facebook.com/docs/marketing-api/currencies
OFFSET_ONE = frozenset(
    {"CLP", "COP", "CRC", "HUF", "ISK", "IDR", "JPY", "KRW", "PYG", "TWD", "VND"}
)
#: Currencies Meta bills ad accounts in with offset 100.
OFFSET_HUNDRED = frozenset(
    {
        "AED", "ARS", "AUD", "BDT", "BGN", "BOB", "BRL", "CAD", "CHF", "CNY", "CZK", "DKK", "DZD", "EGP",
        "EUR", "GBP", "GTQ", "HKD", "HNL", "ILS", "INR", "KES", "LKR", "MAD", "MOP", "MXN", "MYR", "NGN",
        "NIO", "NOK", "NZD", "PEN", "PHP", "PKR", "PLN", "QAR", "RON", "RSD", "RUB", "SAR", "SEK", "SGD",
        "THB", "TRY", "UAH", "USD", "UYU", "VES", "ZAR",
    }
)  # fmt: skip
CURRENCIES = OFFSET_ONE | OFFSET_HUNDRED

MICROS = 1_000_000


def offset(currency: str) -> int:
    """Meta's offset for ``currency``: how many minor units make one major unit (100 or 1)."""
    code = currency.upper() if isinstance(currency, str) else currency
    if code in OFFSET_ONE:
        return 1
    if code in OFFSET_HUNDRED:
        return 100
    raise CurrencyError(f"unknown currency {currency!r}: not one of Meta's ad account currencies")


def parse_decimal(value: object, field: str) -> Decimal:
    """Parse an API or CSV amount (``"152.37"``, ``152``) to a finite Decimal, naming ``field`` on error."""
    if isinstance(value, bool) or value is None:
        raise InputError(f"{field}: expected a number, got {value!r}")
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise InputError(f"{field}: {value!r} is not a number") from None
    if not number.is_finite():
        raise InputError(f"{field}: {value!r} is not a finite number")
    return number


def minor_to_major(amount_minor: int | str, currency: str) -> Decimal:
    """A budget or bid in minor units (``"5000"`` USD) to major units (``Decimal("50")``)."""
    minor = parse_decimal(amount_minor, "amount")
    if minor != minor.to_integral_value():
        raise InputError(f"amount: {amount_minor!r} minor units is not a whole number")
    return minor / offset(currency)


def major_to_minor(amount: Decimal, currency: str, *, exact: bool = False) -> int:
    """Major units to Meta's integer minor units, rounding half-even unless ``exact`` demands a whole result."""
    scaled = Decimal(amount) * offset(currency)
    whole = scaled.to_integral_value(rounding=ROUND_HALF_EVEN)
    if exact and whole != scaled:
        raise CurrencyError(
            f"{amount} {currency} is not a whole number of minor units (offset {offset(currency)})"
        )
    return int(whole)


def to_micros(amount: Decimal) -> int:
    """Exact integer micros (1e-6 major units) for storage; refuses amounts finer than a micro."""
    scaled = Decimal(amount) * MICROS
    whole = scaled.to_integral_value()
    if whole != scaled:
        raise InputError(f"amount {amount} has more than 6 decimal places")
    return int(whole)


def from_micros(micros: int) -> Decimal:
    """Stored micros back to a Decimal in major units."""
    return Decimal(int(micros)) / MICROS
