"""Dollars as people type them, read back as exact cents: what is an amount, what is not, and how it is written."""

from decimal import Decimal

import pytest
from pure import _transaction  # noqa: F401  (pure code: no app, no database)

from coop.money import MAX_CENTS, format_dollars, format_unit_price, parse_dollars_to_cents, plain_dollars


@pytest.mark.parametrize(
    ("typed", "cents"),
    [
        ("1250", 1250_00),
        ("1,250", 1250_00),
        ("$1,250.5", 1250_50),
        ("1250.00", 1250_00),
        (".50", 50),
        ("$.05", 5),
        ("$ 300", 300_00),
        ("  12.34  ", 12_34),
        ("0", 0),
        ("1,234,567.89", 1_234_567_89),
        # Read as decimals, never through a float: 0.29 * 100 and 1.15 * 100 fall below their cents as floats.
        ("0.29", 29),
        ("1.15", 1_15),
        ("4,503,599,627,370,495.99", MAX_CENTS + 1),
        ("9,999,999,999,999.99", MAX_CENTS - 1),
    ],
)
def test_an_amount_typed_as_people_write_it_is_read_to_the_cent(typed, cents):
    assert parse_dollars_to_cents(typed) == cents


@pytest.mark.parametrize(
    "typed",
    [
        "1,25",  # a thousands separator must be followed by three digits: never $125
        "12,34,567",
        "1,2345",
        ",125",
        "1.234",  # a third decimal is not a cent
        "1,250.",
        "-5",
        "1e3",
        "1_000",
        "",
        "   ",
        "$",
        "abc",
        "nan",
        "Infinity",
        "12 34",
        "$$12",
        "12$",
    ],
)
def test_what_is_not_an_amount_is_not_read_as_one(typed):
    assert parse_dollars_to_cents(typed) is None


def test_an_amount_at_the_ceiling_is_read_exactly_and_one_beyond_it_just_above():
    assert parse_dollars_to_cents("10,000,000,000,000") == MAX_CENTS
    assert parse_dollars_to_cents("10,000,000,000,000.01") == MAX_CENTS + 1
    # However many digits are typed, the amount still fits a 64-bit integer and stays above every limit.
    assert parse_dollars_to_cents("9" * 400) == MAX_CENTS + 1


@pytest.mark.parametrize(
    ("cents", "written", "plain"),
    [
        (1250_50, "$1,250.50", "1250.50"),
        (5, "$0.05", "0.05"),
        (0, "$0.00", "0.00"),
        (1_234_567_89, "$1,234,567.89", "1234567.89"),
        (None, "", ""),
    ],
)
def test_cents_are_written_as_dollars_and_read_back_unchanged(cents, written, plain):
    assert format_dollars(cents) == written
    assert plain_dollars(cents) == plain
    if cents is not None:
        assert parse_dollars_to_cents(written) == cents
        assert parse_dollars_to_cents(plain) == cents


def test_a_loss_is_written_with_its_minus_before_the_dollar_sign():
    assert format_dollars(-120_00) == "-$120.00"
    assert format_dollars(-1) == "-$0.01"


@pytest.mark.parametrize(
    ("price", "written"),
    [
        (Decimal("0.1"), "$0.10"),
        (Decimal("1234567.5"), "$1,234,567.50"),
        (Decimal("296.45"), "$296.45"),
        (Decimal("296.4501"), "$296.4501"),
        (Decimal("296.45674"), "$296.4567"),
    ],
)
def test_a_unit_price_is_written_to_the_cent_or_to_the_four_places_between_cents(price, written):
    assert format_unit_price(price) == written
