"""Dollar amounts: integer cents as people read and type them, and what people type read back as cents.

Area-neutral. Each area's rules module keeps its own limits and its own words for an
amount it refuses; what counts as an amount of dollars, and how one is written, is
the same everywhere and lives here.
"""

from __future__ import annotations

import re
from decimal import Decimal

# "1250", "1,250", "$1,250.5", "1250.00", ".50"; never negative, never more than 2 decimals. A string, not only a
# compiled pattern, so that pandas can match a whole column with it.
DOLLARS_PATTERN = r"\$?\s*(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2})?|\$?\s*\.\d{1,2}"
_DOLLARS = re.compile(DOLLARS_PATTERN)

#: The most any amount is read as: $10 trillion, far above every area's own limit (each refuses what is above its
#: limit, in its own words). An amount typed beyond it is read as ``MAX_CENTS + 1``, so that it is refused by that
#: limit like any other too large amount and still fits a 64-bit integer (a BIGINT column, a pandas Int64 column)
#: however many digits were typed.
MAX_CENTS = 10_000_000_000_000_00


def parse_dollars_to_cents(text: str) -> int | None:
    """Dollars as typed (``"1,250.50"``, ``"$300"``) to integer cents, at most ``MAX_CENTS + 1``; ``None`` when the
    text is not an amount."""
    text = text.strip()
    if _DOLLARS.fullmatch(text) is None:
        return None
    return min(int(Decimal(text.replace("$", "").replace(",", "").strip()) * 100), MAX_CENTS + 1)


def format_dollars(cents: int | None) -> str:
    """Integer cents as ``$1,250.00`` (a loss as ``-$120.00``, as accountants write it); ``None`` as an empty string."""
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    return f"{sign}${Decimal(abs(cents)) / 100:,.2f}"


def plain_dollars(cents: int | None) -> str:
    """Integer cents as the plain amount a form field or a sheet cell shows back to be typed over: ``1250.00``;
    ``None`` as an empty string."""
    if cents is None:
        return ""
    return f"{Decimal(cents) / 100:.2f}"


def exact_unit_price(price: Decimal) -> Decimal:
    """A unit price to the cent, or to the four places an incremental tier's average price may fall between cents
    (``289.00``, ``296.4567``): how awards, orders, ledgers and their files write it."""
    cents = price.quantize(Decimal("0.01"))
    return cents if cents == price else price.quantize(Decimal("0.0001"))


def format_unit_price(price: Decimal) -> str:
    """A unit price as pages and e-mails write it: ``$1,289.00``, or ``$296.4567`` between cents."""
    return f"${exact_unit_price(price):,}"
