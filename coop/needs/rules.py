"""What makes a need valid, and the words for what does not.

Shared by the web form, the services and the spreadsheet import, so that a user
reads the same message whichever way a need arrives.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

MAX_QUANTITY = 1_000_000
MAX_BUDGET_CAP_CENTS = 100_000_000_00  # $100 million: far beyond any one district's need
MAX_SPEC_NOTES = 2_000

QUANTITY_NOT_WHOLE = "Quantity must be a whole number greater than 0."
QUANTITY_TOO_LARGE = f"Quantity must be at most {MAX_QUANTITY:,}."
BUDGET_NOT_MONEY = "Budget cap must be an amount in dollars, like 1250 or 1250.00 (at most 2 decimals)."
BUDGET_TOO_LARGE = f"Budget cap must be at most ${MAX_BUDGET_CAP_CENTS // 100:,}."
SPEC_NOTES_TOO_LONG = f"Spec notes must be at most {MAX_SPEC_NOTES:,} characters."
ITEM_UNKNOWN = "Choose an item from the catalogue."

# "1250", "1,250", "$1,250.5", "1250.00"; never negative, never more than 2 decimals.
MONEY_PATTERN = r"\$?\s*(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2})?|\$?\s*\.\d{1,2}"
_MONEY = re.compile(MONEY_PATTERN)


def needed_by_in_the_past(needed_by: date) -> str:
    return f"{needed_by.isoformat()} is in the past; the needed-by date must be today or later."


def is_money(text: str) -> bool:
    return _MONEY.fullmatch(text.strip()) is not None


def parse_budget_cents(text: str | None) -> int | None:
    """Dollars as a user types them (``"1,250.50"``, ``"$300"``) to integer cents; blank is ``None``.

    Raises
    ------
    ValueError
        With the message to show the user.
    """
    if text is None or not text.strip():
        return None
    text = text.strip()
    if not is_money(text):
        raise ValueError(BUDGET_NOT_MONEY)
    try:
        cents = Decimal(text.replace("$", "").replace(",", "").strip()) * 100
    except InvalidOperation as error:  # unreachable after the pattern, kept as a guard
        raise ValueError(BUDGET_NOT_MONEY) from error
    if cents > MAX_BUDGET_CAP_CENTS:
        raise ValueError(BUDGET_TOO_LARGE)
    return int(cents)


def format_dollars(cents: int | None) -> str:
    """Integer cents as ``$1,250.00``; ``None`` as an empty string."""
    if cents is None:
        return ""
    return f"${Decimal(cents) / 100:,.2f}"


def dollars_for_input(cents: int | None) -> str:
    """Integer cents as the plain amount a form field shows back (``1250.00``)."""
    if cents is None:
        return ""
    return f"{Decimal(cents) / 100:.2f}"
