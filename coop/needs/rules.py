"""What makes a need valid, and the words for what does not.

Shared by the web form, the services and the spreadsheet import, so that a user
reads the same message whichever way a need arrives.
"""

from __future__ import annotations

from datetime import date

from coop import clock, money

# The needs' pages and forms write amounts through this module, with the rest of the needs' rules.

MAX_QUANTITY = 1_000_000
MAX_BUDGET_CAP_CENTS = 100_000_000_00  # $100 million: far beyond any one district's need
MAX_SPEC_NOTES = 2_000

QUANTITY_NOT_WHOLE = "Quantity must be a whole number greater than 0."
QUANTITY_TOO_LARGE = f"Quantity must be at most {MAX_QUANTITY:,}."
BUDGET_NOT_MONEY = "Budget cap must be an amount in dollars, like 1250 or 1250.00 (at most 2 decimals)."
BUDGET_TOO_LARGE = f"Budget cap must be at most ${MAX_BUDGET_CAP_CENTS // 100:,}."
SPEC_NOTES_TOO_LONG = f"Spec notes must be at most {MAX_SPEC_NOTES:,} characters."
ITEM_UNKNOWN = "Choose an item from the catalogue."


def needed_by_in_the_past(needed_by: date) -> str:
    return f"{needed_by.isoformat()} is in the past; the needed-by date must be today or later."


def needed_by_too_far_ahead(needed_by: date, latest: date) -> str:
    return f"{needed_by.isoformat()} is too far ahead; " + clock.too_far_ahead("the needed-by date", latest)


def parse_budget_cents(text: str | None) -> int | None:
    """Dollars as a user types them (``"1,250.50"``, ``"$300"``) to integer cents; blank is ``None``.

    Raises
    ------
    ValueError
        With the message to show the user.
    """
    if text is None or not text.strip():
        return None
    cents = money.parse_dollars_to_cents(text)
    if cents is None:
        raise ValueError(BUDGET_NOT_MONEY)
    if cents > MAX_BUDGET_CAP_CENTS:
        raise ValueError(BUDGET_TOO_LARGE)
    return cents
