"""Every refusal of a bid, as the vendor reads it: the words, and the field and row they are put on.

A bid arrives as typed (the web form or the bid sheet): what ``coop.bids.rules.check_bid`` refuses must name the
line, the field and the tier or bracket row the vendor sees, and what it accepts must come back as exact values.
"""

from decimal import Decimal

import pytest
from pure import _transaction  # noqa: F401  (pure code: no app, no database)

from coop.bids import rules
from coop.bids.models import PricingKind
from coop.bids.rules import BidInput, BracketInput, LineInput, LineRules, TierInput, check_bid
from coop.errors import Rejection

RFP_LINES = (LineRules(1, ("cpu",)), LineRules(2, ()))
REGIONS = ("north", "south")


def line(rfp_line_id: int = 1, **fields) -> LineInput:
    """A valid offer on line 1 (which asks how the product meets "cpu"), with fields replaced."""
    typed = {
        "product": "Acme X1",
        "spec_compliance": {"cpu": "i5-1335U"},
        "tiers": (TierInput("1", "289.00"), TierInput("100", "250")),
        "annual_cost_per_unit": "12",
        "region_codes": ("north",),
    }
    typed.update(fields)
    return LineInput(rfp_line_id, **typed)


def tiers(*rows: tuple[str, str]) -> tuple[TierInput, ...]:
    return tuple(TierInput(quantity, price) for quantity, price in rows)


def brackets(*rows: tuple[str, str]) -> tuple[BracketInput, ...]:
    return tuple(BracketInput(value, percent) for value, percent in rows)


def problems(*lines: LineInput, discounts: tuple[BracketInput, ...] = ()) -> list[tuple[str, tuple]]:
    """The (message, field) of every problem of the bid; the bid must be refused."""
    with pytest.raises(Rejection) as refused:
        check_bid(BidInput(lines, discounts), RFP_LINES, REGIONS)
    return [(problem.message, problem.field) for problem in refused.value.problems]


def accepted(*lines: LineInput, discounts: tuple[BracketInput, ...] = ()) -> rules.CleanBid:
    return check_bid(BidInput(lines, discounts), RFP_LINES, REGIONS)


# --- what is accepted -------------------------------------------------------------------------------------------------


def test_a_bid_as_typed_comes_back_as_exact_values_in_the_rfps_line_order():
    bid = accepted(
        LineInput(
            2,
            product="  Stylus Pro  ",
            pricing_kind=" incremental ",
            tiers=tiers(("1", "$1,000,000"), ("", ""), ("10,000,000", "0.5")),
            annual_cost_per_unit="1,000,000",
            capacity="10,000,000",
            min_award_quantity="10,000,000",
            region_codes=(" south ", "", "north", "south"),
        ),
        line(1, spec_compliance={"cpu": "  i5  "}, capacity="1", min_award_quantity="1"),
        discounts=brackets(("250,000", "2.5%"), ("", ""), ("1,000,000,000", "99.99 %")),
    )
    assert bid.lines == (
        rules.Line(
            1,
            "Acme X1",
            {"cpu": "i5"},
            PricingKind.ALL_UNITS,
            (rules.Tier(1, 28900), rules.Tier(100, 25000)),
            1200,
            1,
            1,
            ("north",),
        ),
        rules.Line(
            2,
            "Stylus Pro",
            {},
            PricingKind.INCREMENTAL,
            (rules.Tier(1, 1_000_000_00), rules.Tier(10_000_000, 50)),
            1_000_000_00,
            10_000_000,
            10_000_000,
            ("north", "south"),
        ),
    )
    assert bid.discount_brackets == (
        rules.Bracket(250_000_00, Decimal("2.5")),
        rules.Bracket(1_000_000_000_00, Decimal("99.99")),
    )


def test_blank_support_capacity_and_minimum_mean_none_no_limit_and_no_minimum():
    (clean,) = accepted(line(annual_cost_per_unit="  ", capacity="", min_award_quantity=" ")).lines
    assert (clean.annual_cost_per_unit_cents, clean.capacity, clean.min_award_quantity) == (0, None, 0)
    (clean,) = accepted(line(annual_cost_per_unit="0", capacity="", min_award_quantity="0")).lines
    assert (clean.annual_cost_per_unit_cents, clean.capacity, clean.min_award_quantity) == (0, None, 0)


def test_the_longest_product_and_answer_and_the_most_tiers_and_brackets_are_accepted():
    ten_tiers = tiers(*((str(1 + 10 * k), str(100 - k)) for k in range(10)), ("", ""))
    ten_brackets = brackets(*((f"{1000 * (k + 1)}", f"{k + 1}") for k in range(10)), ("  ", ""))
    bid = accepted(
        line(product="P" * 300, spec_compliance={"cpu": "c" * 1000}, tiers=ten_tiers), discounts=ten_brackets
    )
    assert len(bid.lines[0].tiers) == 10
    assert len(bid.discount_brackets) == 10
    assert bid.lines[0].tiers[-1] == rules.Tier(91, 91_00)


def test_a_tier_at_the_same_price_as_the_one_before_is_accepted():
    (clean,) = accepted(line(tiers=tiers(("1", "10"), ("5", "10")))).lines
    assert clean.tiers == (rules.Tier(1, 10_00), rules.Tier(5, 10_00))


def test_a_minimum_award_equal_to_the_capacity_is_accepted():
    (clean,) = accepted(line(capacity="50", min_award_quantity="50")).lines
    assert (clean.capacity, clean.min_award_quantity) == (50, 50)


# --- the bid as a whole -----------------------------------------------------------------------------------------------


def test_a_bid_on_no_line_is_refused():
    assert problems() == [(rules.NO_LINE, ("lines",))]


def test_a_line_the_rfp_does_not_have_is_refused_and_the_other_lines_still_checked():
    assert problems(line(99), line(2, product="")) == [
        (rules.UNKNOWN_LINE, ("lines", 99)),
        (rules.PRODUCT_REQUIRED, ("lines", 2, "product")),
    ]


def test_a_line_listed_twice_is_refused_once():
    assert problems(line(1), line(1)) == [(rules.UNKNOWN_LINE, ("lines", 1))]


def test_every_problem_of_every_line_is_reported_at_once():
    found = problems(line(1, product="", region_codes=()), line(2, tiers=()), discounts=brackets(("x", "5")))
    assert found == [
        (rules.PRODUCT_REQUIRED, ("lines", 1, "product")),
        (rules.REGIONS_REQUIRED, ("lines", 1, "regions")),
        (rules.TIERS_REQUIRED, ("lines", 2, "tiers")),
        (rules.BRACKET_VALUE_NOT_MONEY, ("discounts", 0, "min_value")),
    ]


# --- a line's fields ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message", "name"),
    [
        ({"product": "   "}, rules.PRODUCT_REQUIRED, "product"),
        ({"product": "P" * 301}, rules.PRODUCT_TOO_LONG, "product"),
        ({"pricing_kind": "bulk"}, rules.PRICING_KIND_UNKNOWN, "pricing_kind"),
        ({"tiers": ()}, rules.TIERS_REQUIRED, "tiers"),
        ({"tiers": tiers(("", " "), ("  ", ""))}, rules.TIERS_REQUIRED, "tiers"),
        ({"tiers": tiers(*((str(k + 1), "10") for k in range(11)))}, rules.TOO_MANY_TIERS, "tiers"),
        ({"annual_cost_per_unit": "twelve"}, rules.SUPPORT_NOT_MONEY, "annual_cost_per_unit"),
        ({"annual_cost_per_unit": "1,000,000.01"}, rules.SUPPORT_NOT_MONEY, "annual_cost_per_unit"),
        ({"capacity": "0"}, rules.CAPACITY_NOT_WHOLE, "capacity"),
        ({"capacity": "10,000,001"}, rules.CAPACITY_NOT_WHOLE, "capacity"),
        ({"capacity": "2.5"}, rules.CAPACITY_NOT_WHOLE, "capacity"),
        ({"capacity": "1" * 20}, rules.CAPACITY_NOT_WHOLE, "capacity"),
        ({"min_award_quantity": "many"}, rules.MIN_AWARD_NOT_WHOLE, "min_award_quantity"),
        ({"min_award_quantity": "10,000,001"}, rules.MIN_AWARD_NOT_WHOLE, "min_award_quantity"),
        ({"min_award_quantity": "-1"}, rules.MIN_AWARD_NOT_WHOLE, "min_award_quantity"),
        ({"region_codes": ()}, rules.REGIONS_REQUIRED, "regions"),
        ({"region_codes": (" ", "")}, rules.REGIONS_REQUIRED, "regions"),
        ({"region_codes": ("north", "east", " west ")}, 'Unknown region "east", "west".', "regions"),
    ],
)
def test_a_bad_field_of_a_line_is_refused_on_that_field(fields, message, name):
    assert problems(line(**fields)) == [(message, ("lines", 1, name))]


def test_a_minimum_award_above_the_capacity_names_both():
    assert problems(line(capacity="1,000", min_award_quantity="1,001")) == [
        ("The minimum award (1,001) cannot be above the capacity (1,000).", ("lines", 1, "min_award_quantity"))
    ]


def test_a_refused_capacity_is_not_also_compared_with_the_minimum_award():
    assert problems(line(capacity="0", min_award_quantity="5")) == [
        (rules.CAPACITY_NOT_WHOLE, ("lines", 1, "capacity"))
    ]


@pytest.mark.parametrize(
    ("answer", "message"),
    [("", rules.COMPLIANCE_REQUIRED), ("  ", rules.COMPLIANCE_REQUIRED), ("c" * 1001, rules.COMPLIANCE_TOO_LONG)],
)
def test_a_spec_requirement_not_answered_or_answered_at_length_is_refused_on_its_key(answer, message):
    assert problems(line(spec_compliance={"cpu": answer})) == [(message, ("lines", 1, "spec", "cpu"))]
    if not answer.strip():
        assert problems(line(spec_compliance={})) == [(message, ("lines", 1, "spec", "cpu"))]


# --- tiers ----------------------------------------------------------------------------------------------------------


def tier_problems(*rows: tuple[str, str]) -> list[tuple[str, tuple]]:
    return problems(line(tiers=tiers(*rows)))


def at(row: int, name: str) -> tuple:
    return ("lines", 1, "tiers", row, name)


@pytest.mark.parametrize(
    ("row", "message", "name"),
    [
        (("", "10"), rules.TIER_QUANTITY_REQUIRED, "min_quantity"),
        (("0", "10"), rules.TIER_QUANTITY_NOT_WHOLE, "min_quantity"),
        (("1.5", "10"), rules.TIER_QUANTITY_NOT_WHOLE, "min_quantity"),
        (("10,000,001", "10"), rules.TIER_QUANTITY_NOT_WHOLE, "min_quantity"),
        (("ten", "10"), rules.TIER_QUANTITY_NOT_WHOLE, "min_quantity"),
        (("5", " "), rules.TIER_PRICE_REQUIRED, "unit_price"),
        (("5", "twelve"), rules.PRICE_NOT_MONEY, "unit_price"),
        (("5", "1,25"), rules.PRICE_NOT_MONEY, "unit_price"),
        (("5", "9.999"), rules.PRICE_NOT_MONEY, "unit_price"),
        (("5", "1,000,000.01"), rules.PRICE_TOO_LARGE, "unit_price"),
    ],
)
def test_a_bad_tier_is_refused_on_its_row_and_field(row, message, name):
    # The bad row is the vendor's third: a blank spare row before it still counts.
    assert tier_problems(("1", "20"), ("", ""), row) == [(message, at(2, name))]


def test_a_tier_wrong_in_both_fields_is_refused_on_both():
    assert tier_problems(("1", "20"), ("0", "$")) == [
        (rules.TIER_QUANTITY_NOT_WHOLE, at(1, "min_quantity")),
        (rules.PRICE_NOT_MONEY, at(1, "unit_price")),
    ]


def test_the_first_tier_must_start_at_one():
    assert tier_problems(("5", "20"), ("10", "19")) == [(rules.FIRST_TIER_NOT_ONE, at(0, "min_quantity"))]
    # The first tier is the first row filled in: spare blank rows before it are skipped, and it keeps its own row.
    assert tier_problems(("", ""), ("", ""), ("5", "20"), ("10", "19")) == [
        (rules.FIRST_TIER_NOT_ONE, at(2, "min_quantity"))
    ]


def test_a_first_tier_already_refused_is_not_also_said_not_to_start_at_one():
    assert tier_problems(("x", "20"), ("10", "19")) == [(rules.TIER_QUANTITY_NOT_WHOLE, at(0, "min_quantity"))]
    # Refused for its price alone, nor is it; and the good tier after it is not taken for the first.
    assert tier_problems(("", ""), ("5", "lots"), ("10", "19")) == [(rules.PRICE_NOT_MONEY, at(1, "unit_price"))]


def test_tiers_must_rise_in_quantity_counting_the_rows_the_vendor_sees():
    assert tier_problems(("1", "20"), ("", ""), ("100", "19"), ("100", "18")) == [
        (
            "Tier 4 starts at 100, which is not above tier 3 (from 100): tiers must rise in quantity.",
            at(3, "min_quantity"),
        )
    ]
    assert tier_problems(("1", "20"), ("1,500", "19"), ("1,000", "18")) == [
        (
            "Tier 3 starts at 1,000, which is not above tier 2 (from 1,500): tiers must rise in quantity.",
            at(2, "min_quantity"),
        )
    ]


def test_prices_must_not_rise_with_quantity():
    assert tier_problems(("1", "289"), ("", ""), ("50", "1,300.5")) == [
        (
            "Tier 3 costs $1,300.50, more than tier 1 ($289.00): prices must not rise with quantity.",
            at(2, "unit_price"),
        )
    ]


def test_every_tier_after_a_refused_one_is_still_checked_on_its_own():
    assert tier_problems(("1", "20"), ("x", "19"), ("50", "abc"), ("", "5")) == [
        (rules.TIER_QUANTITY_NOT_WHOLE, at(1, "min_quantity")),
        (rules.PRICE_NOT_MONEY, at(2, "unit_price")),
        (rules.TIER_QUANTITY_REQUIRED, at(3, "min_quantity")),
    ]


def test_a_tier_after_a_refused_one_is_compared_with_nothing():
    # Tier 2 is refused; tier 3 would not rise above it, but it is not compared with a tier the vendor must retype.
    assert tier_problems(("1", "20"), ("50", "x"), ("40", "30")) == [(rules.PRICE_NOT_MONEY, at(1, "unit_price"))]


# --- discount brackets ------------------------------------------------------------------------------------------------


def bracket_problems(*rows: tuple[str, str]) -> list[tuple[str, tuple]]:
    return problems(line(), discounts=brackets(*rows))


def test_too_many_brackets_are_refused():
    rows = [(f"{1000 * (k + 1)}", f"{k + 1}") for k in range(11)]
    assert bracket_problems(*rows) == [(rules.TOO_MANY_BRACKETS, ("discounts",))]


@pytest.mark.parametrize(
    ("row", "message", "name"),
    [
        (("", "5"), rules.BRACKET_VALUE_NOT_MONEY, "min_value"),
        (("lots", "5"), rules.BRACKET_VALUE_NOT_MONEY, "min_value"),
        (("1,000,000,000.01", "5"), rules.BRACKET_VALUE_TOO_LARGE, "min_value"),
        (("500,000", ""), rules.BRACKET_PERCENT_NOT_PERCENT, "percent"),
        (("500,000", "0"), rules.BRACKET_PERCENT_NOT_PERCENT, "percent"),
        (("500,000", "0%"), rules.BRACKET_PERCENT_NOT_PERCENT, "percent"),
        (("500,000", "100"), rules.BRACKET_PERCENT_NOT_PERCENT, "percent"),
        (("500,000", "-5"), rules.BRACKET_PERCENT_NOT_PERCENT, "percent"),
        (("500,000", "2.555"), rules.BRACKET_PERCENT_NOT_PERCENT, "percent"),
        (("500,000", "five"), rules.BRACKET_PERCENT_NOT_PERCENT, "percent"),
        (("500,000", "%"), rules.BRACKET_PERCENT_NOT_PERCENT, "percent"),
    ],
)
def test_a_bad_bracket_is_refused_on_its_row_and_field(row, message, name):
    assert bracket_problems(("250,000", "2"), ("", ""), row) == [(message, ("discounts", 2, name))]


def test_brackets_must_rise_in_value_and_in_percent():
    assert bracket_problems(("250,000", "2.5%"), ("250,000", "2.5")) == [
        ("Bracket 2 must start at a purchase value above bracket 1's ($250,000.00).", ("discounts", 1, "min_value")),
        ("Bracket 2 must take off more than bracket 1's 2.5%.", ("discounts", 1, "percent")),
    ]
    assert bracket_problems(("250,000", "3"), ("", ""), ("300,000", "2")) == [
        ("Bracket 3 must take off more than bracket 1's 3%.", ("discounts", 2, "percent")),
    ]


def test_every_bracket_after_a_refused_one_is_still_checked_on_its_own():
    assert bracket_problems(("250,000", "3"), ("x", "4"), ("500,000", "100")) == [
        (rules.BRACKET_VALUE_NOT_MONEY, ("discounts", 1, "min_value")),
        (rules.BRACKET_PERCENT_NOT_PERCENT, ("discounts", 2, "percent")),
    ]


def test_a_bracket_after_a_refused_one_is_compared_with_nothing():
    assert bracket_problems(("250,000", "3"), ("x", "4"), ("100,000", "1")) == [
        (rules.BRACKET_VALUE_NOT_MONEY, ("discounts", 1, "min_value"))
    ]


@pytest.mark.parametrize(
    ("typed", "percent"),
    [("2.5%", "2.5"), ("2.5 %", "2.5"), (" 7 ", "7"), ("0.01", "0.01"), ("99.99", "99.99"), ("10.5%", "10.5")],
)
def test_a_percent_is_read_as_typed_with_or_without_its_sign(typed, percent):
    assert rules.parse_percent(typed) == Decimal(percent)


@pytest.mark.parametrize(
    ("typed", "whole"), [("1,200", 1200), (" 7 ", 7), ("10,000,000", 10_000_000), ("12,34", None), ("1" * 11, None)]
)
def test_a_whole_number_is_read_with_its_thousands_separators(typed, whole):
    assert rules.parse_whole(typed) == whole
