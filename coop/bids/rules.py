"""What makes a bid valid, and the words for what does not.

One place for every rule of the allocation format that a bid must follow
(``../shared/DESIGN.md``, "The allocation problem"), shared by the web form, the
bid-sheet upload and the services, so that a vendor reads the same message
whichever way a bid arrives. Input arrives as text, as typed; :func:`check_bid`
returns either clean values or every problem, each with the path of the field
at fault.

Paths (``Problem.field``):

* ``("lines",)`` — the bid as a whole (no line chosen);
* ``("lines", rfp_line_id, name)`` — ``name`` one of ``product``, ``pricing_kind``,
  ``annual_cost_per_unit``, ``capacity``, ``min_award_quantity``, ``regions``, ``tiers``;
* ``("lines", rfp_line_id, "spec", key)`` — how the product meets spec field ``key``;
* ``("lines", rfp_line_id, "tiers", index, "min_quantity" | "unit_price")`` — ``index`` from 0, counting
  blank rows (which are skipped), so that it is the row the vendor sees;
* ``("discounts",)`` and ``("discounts", index, "min_value" | "percent")``, ``index`` as for tiers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from coop.bids.models import PricingKind

# Amounts are read and written as everywhere else; the bid pages, sheets and tabulation reach them through this
# module, with the rest of the bids' rules.
from coop.errors import Problem, Rejection
from coop.money import format_dollars, parse_dollars_to_cents

MAX_TIERS = 10
MAX_BRACKETS = 10
MAX_QUANTITY = 10_000_000
MAX_UNIT_PRICE_CENTS = 1_000_000_00  # $1 million a unit
MAX_VALUE_CENTS = 1_000_000_000_00  # $1 billion
MAX_PRODUCT = 300
MAX_COMPLIANCE = 1_000

_WHOLE = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)")
_PERCENT = re.compile(r"\d{1,2}(?:\.\d{1,2})?\s*%?")

NO_LINE = "Bid on at least one line: fill in the product and its prices for each line you bid on."
UNKNOWN_LINE = "This RFP has no such line."
PRODUCT_REQUIRED = "Name the product you offer (make and model)."
PRODUCT_TOO_LONG = f"The product must be at most {MAX_PRODUCT} characters."
COMPLIANCE_REQUIRED = "Say how the product meets this requirement."
COMPLIANCE_TOO_LONG = f"At most {MAX_COMPLIANCE:,} characters."
PRICING_KIND_UNKNOWN = 'Pricing must be "all_units" (every unit at the price of the tier reached) or "incremental" (each band at its own price).'
TIERS_REQUIRED = "Give at least one price tier, from quantity 1."
TOO_MANY_TIERS = f"At most {MAX_TIERS} price tiers."
FIRST_TIER_NOT_ONE = "The first tier must start at quantity 1."
TIER_QUANTITY_REQUIRED = "Enter the quantity this tier starts at."
TIER_QUANTITY_NOT_WHOLE = f"A tier's starting quantity must be a whole number from 1 to {MAX_QUANTITY:,}."
TIER_PRICE_REQUIRED = "Enter the unit price of this tier."
PRICE_NOT_MONEY = "A unit price must be an amount in dollars, like 289 or 289.00 (at most 2 decimals)."
PRICE_TOO_LARGE = f"A unit price must be at most ${MAX_UNIT_PRICE_CENTS // 100:,}."
SUPPORT_NOT_MONEY = (
    "The annual support cost per unit must be an amount in dollars, like 12 or 12.00 (0 when there is none)."
)
CAPACITY_NOT_WHOLE = f"Capacity must be a whole number from 1 to {MAX_QUANTITY:,}, or blank for no limit."
MIN_AWARD_NOT_WHOLE = f"The minimum award must be a whole number from 0 to {MAX_QUANTITY:,} (0 or blank for none)."
REGIONS_REQUIRED = "Choose at least one region this offer serves."
TOO_MANY_BRACKETS = f"At most {MAX_BRACKETS} discount brackets."
BRACKET_VALUE_NOT_MONEY = "The purchase value must be an amount in dollars, like 250000 or 250,000.00."
BRACKET_VALUE_TOO_LARGE = f"The purchase value must be at most ${MAX_VALUE_CENTS // 100:,}."
BRACKET_PERCENT_NOT_PERCENT = "The discount must be a percentage above 0 and below 100, like 2.5 (at most 2 decimals)."


def tier_quantity_not_rising(index: int, previous_index: int, quantity: int, previous: int) -> str:
    return (
        f"Tier {index + 1} starts at {quantity:,}, which is not above tier {previous_index + 1} (from {previous:,}): "
        "tiers must rise in quantity."
    )


def tier_price_rising(index: int, previous_index: int, price_cents: int, previous_cents: int) -> str:
    return (
        f"Tier {index + 1} costs {format_dollars(price_cents)}, more than tier {previous_index + 1} "
        f"({format_dollars(previous_cents)}): prices must not rise with quantity."
    )


def min_award_above_capacity(min_award: int, capacity: int) -> str:
    return f"The minimum award ({min_award:,}) cannot be above the capacity ({capacity:,})."


def bracket_value_not_rising(index: int, previous_index: int, previous_cents: int) -> str:
    return (
        f"Bracket {index + 1} must start at a purchase value above bracket {previous_index + 1}'s "
        f"({format_dollars(previous_cents)})."
    )


def bracket_percent_not_rising(index: int, previous_index: int, previous: Decimal) -> str:
    return f"Bracket {index + 1} must take off more than bracket {previous_index + 1}'s {previous}%."


def unknown_regions(codes: Iterable[str]) -> str:
    return "Unknown region " + ", ".join(f'"{code}"' for code in codes) + "."


# --- input, as typed -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TierInput:
    min_quantity: str = ""
    unit_price: str = ""

    @property
    def is_blank(self) -> bool:
        return not (self.min_quantity.strip() or self.unit_price.strip())


@dataclass(frozen=True)
class LineInput:
    """The vendor's offer on one RFP line, as typed."""

    rfp_line_id: int
    product: str = ""
    spec_compliance: Mapping[str, str] = field(default_factory=dict)
    pricing_kind: str = PricingKind.ALL_UNITS.value
    tiers: tuple[TierInput, ...] = ()
    annual_cost_per_unit: str = ""
    capacity: str = ""
    min_award_quantity: str = ""
    region_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class BracketInput:
    min_value: str = ""
    percent: str = ""

    @property
    def is_blank(self) -> bool:
        return not (self.min_value.strip() or self.percent.strip())


@dataclass(frozen=True)
class BidInput:
    """A whole bid as typed: the lines bid on (lines not listed are not bid on) and vendor-wide discounts."""

    lines: tuple[LineInput, ...] = ()
    discount_brackets: tuple[BracketInput, ...] = ()


# --- clean values ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tier:
    min_quantity: int
    unit_price_cents: int


@dataclass(frozen=True)
class Line:
    rfp_line_id: int
    product: str
    spec_compliance: dict[str, str]
    pricing_kind: PricingKind
    tiers: tuple[Tier, ...]
    annual_cost_per_unit_cents: int
    capacity: int | None
    min_award_quantity: int
    region_codes: tuple[str, ...]


@dataclass(frozen=True)
class Bracket:
    min_value_cents: int
    percent: Decimal


@dataclass(frozen=True)
class CleanBid:
    lines: tuple[Line, ...]
    discount_brackets: tuple[Bracket, ...]


@dataclass(frozen=True)
class LineRules:
    """What the RFP asks of one line: the spec keys a vendor must answer, and the regions that exist."""

    rfp_line_id: int
    spec_keys: tuple[str, ...]


# --- parsing ---------------------------------------------------------------------------------------------------------


def parse_whole(text: str) -> int | None:
    """A whole number as typed (``"1,200"``); ``None`` when it is not one, or is longer than any count a bid has."""
    text = text.strip()
    # Every count is at most MAX_QUANTITY: a longer text is refused with the same words, and never reaches int(),
    # which refuses to read more than 4,300 digits.
    if len(text) > len(f"{MAX_QUANTITY:,}") or not _WHOLE.fullmatch(text):
        return None
    return int(text.replace(",", ""))


def parse_percent(text: str) -> Decimal | None:
    text = text.strip()
    if not _PERCENT.fullmatch(text):
        return None
    percent = Decimal(text.rstrip("%").strip())
    return percent if 0 < percent < 100 else None


# --- checks ----------------------------------------------------------------------------------------------------------


def _check_tiers(line_id: int, tiers: tuple[TierInput, ...], problems: list[Problem]) -> tuple[Tier, ...]:
    # Blank rows (a form's spare rows) are skipped, but every message keeps the row's own position, so that
    # "tier 3" is the third row the vendor sees.
    rows = [(index, tier) for index, tier in enumerate(tiers) if not tier.is_blank]
    if not rows:
        problems.append(Problem(TIERS_REQUIRED, field=("lines", line_id, "tiers")))
        return ()
    if len(rows) > MAX_TIERS:
        problems.append(Problem(TOO_MANY_TIERS, field=("lines", line_id, "tiers")))
        return ()
    clean: list[Tier] = []
    previous: tuple[int, int, int] | None = None  # (row, quantity, price) of the last good tier
    first_index = rows[0][0]
    for index, tier in rows:
        path = ("lines", line_id, "tiers", index)
        quantity = parse_whole(tier.min_quantity) if tier.min_quantity.strip() else None
        if not tier.min_quantity.strip():
            problems.append(Problem(TIER_QUANTITY_REQUIRED, field=(*path, "min_quantity")))
        elif quantity is None or not 1 <= quantity <= MAX_QUANTITY:
            problems.append(Problem(TIER_QUANTITY_NOT_WHOLE, field=(*path, "min_quantity")))
            quantity = None
        price = parse_dollars_to_cents(tier.unit_price) if tier.unit_price.strip() else None
        if not tier.unit_price.strip():
            problems.append(Problem(TIER_PRICE_REQUIRED, field=(*path, "unit_price")))
        elif price is None:
            problems.append(Problem(PRICE_NOT_MONEY, field=(*path, "unit_price")))
        elif price > MAX_UNIT_PRICE_CENTS:
            problems.append(Problem(PRICE_TOO_LARGE, field=(*path, "unit_price")))
            price = None
        if quantity is None or price is None:
            previous = None
            continue
        # Only the first tier the vendor filled in: one already refused is not also said not to start at 1.
        if index == first_index and quantity != 1:
            problems.append(Problem(FIRST_TIER_NOT_ONE, field=(*path, "min_quantity")))
        if previous is not None:
            if quantity <= previous[1]:
                problems.append(
                    Problem(
                        tier_quantity_not_rising(index, previous[0], quantity, previous[1]),
                        field=(*path, "min_quantity"),
                    )
                )
            if price > previous[2]:
                problems.append(
                    Problem(tier_price_rising(index, previous[0], price, previous[2]), field=(*path, "unit_price"))
                )
        previous = (index, quantity, price)
        clean.append(Tier(quantity, price))
    # With any problem appended these tiers are never read: _check_line drops the line.
    return tuple(clean)


def _check_line(
    data: LineInput, rules: LineRules, known_regions: frozenset[str], problems: list[Problem]
) -> Line | None:
    line_id = data.rfp_line_id
    before = len(problems)
    product = data.product.strip()
    if not product:
        problems.append(Problem(PRODUCT_REQUIRED, field=("lines", line_id, "product")))
    elif len(product) > MAX_PRODUCT:
        problems.append(Problem(PRODUCT_TOO_LONG, field=("lines", line_id, "product")))
    compliance: dict[str, str] = {}
    for key in rules.spec_keys:
        answer = (data.spec_compliance.get(key) or "").strip()
        if not answer:
            problems.append(Problem(COMPLIANCE_REQUIRED, field=("lines", line_id, "spec", key)))
        elif len(answer) > MAX_COMPLIANCE:
            problems.append(Problem(COMPLIANCE_TOO_LONG, field=("lines", line_id, "spec", key)))
        compliance[key] = answer
    try:
        pricing_kind = PricingKind(data.pricing_kind.strip())
    except ValueError:
        problems.append(Problem(PRICING_KIND_UNKNOWN, field=("lines", line_id, "pricing_kind")))
        pricing_kind = PricingKind.ALL_UNITS
    tiers = _check_tiers(line_id, data.tiers, problems)
    support = parse_dollars_to_cents(data.annual_cost_per_unit) if data.annual_cost_per_unit.strip() else 0
    if support is None or support > MAX_UNIT_PRICE_CENTS:
        problems.append(Problem(SUPPORT_NOT_MONEY, field=("lines", line_id, "annual_cost_per_unit")))
    capacity = parse_whole(data.capacity) if data.capacity.strip() else None
    if data.capacity.strip() and (capacity is None or not 1 <= capacity <= MAX_QUANTITY):
        problems.append(Problem(CAPACITY_NOT_WHOLE, field=("lines", line_id, "capacity")))
        capacity = None
    min_award = parse_whole(data.min_award_quantity) if data.min_award_quantity.strip() else 0
    if min_award is None or min_award > MAX_QUANTITY:
        problems.append(Problem(MIN_AWARD_NOT_WHOLE, field=("lines", line_id, "min_award_quantity")))
    elif capacity is not None and min_award > capacity:
        problems.append(
            Problem(min_award_above_capacity(min_award, capacity), field=("lines", line_id, "min_award_quantity"))
        )
    codes = tuple(dict.fromkeys(code.strip() for code in data.region_codes if code.strip()))
    if not codes:
        problems.append(Problem(REGIONS_REQUIRED, field=("lines", line_id, "regions")))
    elif unknown := [code for code in codes if code not in known_regions]:
        problems.append(Problem(unknown_regions(unknown), field=("lines", line_id, "regions")))
    if len(problems) > before:
        return None
    return Line(line_id, product, compliance, pricing_kind, tiers, support, capacity, min_award, tuple(sorted(codes)))


def _check_brackets(brackets: tuple[BracketInput, ...], problems: list[Problem]) -> tuple[Bracket, ...]:
    rows = [(index, bracket) for index, bracket in enumerate(brackets) if not bracket.is_blank]
    if len(rows) > MAX_BRACKETS:
        problems.append(Problem(TOO_MANY_BRACKETS, field=("discounts",)))
        return ()
    clean: list[Bracket] = []
    previous: tuple[int, Bracket] | None = None
    for index, bracket in rows:
        value = parse_dollars_to_cents(bracket.min_value)
        if value is None:
            problems.append(Problem(BRACKET_VALUE_NOT_MONEY, field=("discounts", index, "min_value")))
        elif value > MAX_VALUE_CENTS:
            problems.append(Problem(BRACKET_VALUE_TOO_LARGE, field=("discounts", index, "min_value")))
            value = None
        percent = parse_percent(bracket.percent)
        if percent is None:
            problems.append(Problem(BRACKET_PERCENT_NOT_PERCENT, field=("discounts", index, "percent")))
        if value is None or percent is None:
            previous = None
            continue
        if previous is not None:
            previous_index, last = previous
            if value <= last.min_value_cents:
                problems.append(
                    Problem(
                        bracket_value_not_rising(index, previous_index, last.min_value_cents),
                        field=("discounts", index, "min_value"),
                    )
                )
            if percent <= last.percent:
                problems.append(
                    Problem(
                        bracket_percent_not_rising(index, previous_index, last.percent),
                        field=("discounts", index, "percent"),
                    )
                )
        previous = (index, Bracket(value, percent))
        clean.append(previous[1])
    return tuple(clean)


def check_bid(data: BidInput, lines: Iterable[LineRules], known_regions: Iterable[str]) -> CleanBid:
    """Every rule a bid must follow, checked at once.

    Parameters
    ----------
    data
        The bid as typed.
    lines
        The RFP's lines: which may be bid on, and the spec keys each must answer.
    known_regions
        The codes of the cooperative's regions.

    Returns
    -------
    CleanBid
        Parsed values: cents, whole numbers, ordered tiers and brackets.

    Raises
    ------
    Rejection
        With every problem found, each naming its field.
    """
    by_id = {rules.rfp_line_id: rules for rules in lines}
    regions = frozenset(known_regions)
    problems: list[Problem] = []
    clean_lines: list[Line] = []
    seen: set[int] = set()
    for line in data.lines:
        rules = by_id.get(line.rfp_line_id)
        if rules is None or line.rfp_line_id in seen:
            problems.append(Problem(UNKNOWN_LINE, field=("lines", line.rfp_line_id)))
            continue
        seen.add(line.rfp_line_id)
        clean = _check_line(line, rules, regions, problems)
        if clean is not None:
            clean_lines.append(clean)
    if not data.lines:
        problems.append(Problem(NO_LINE, field=("lines",)))
    brackets = _check_brackets(data.discount_brackets, problems)
    if problems:
        raise Rejection(problems)
    order = list(by_id)
    return CleanBid(tuple(sorted(clean_lines, key=lambda line: order.index(line.rfp_line_id))), brackets)
