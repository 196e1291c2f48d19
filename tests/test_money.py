"""How a unit price is written on awards, orders, ledgers and their files: one way everywhere."""

from decimal import Decimal

import pytest

from coop import money


@pytest.mark.parametrize(
    ("stored", "exact", "written"),
    [
        (Decimal("1289.0000"), "1289.00", "$1,289.00"),
        (Decimal("90"), "90.00", "$90.00"),
        # An incremental tier's average falls between cents: its four places, never rounded away.
        (Decimal("296.4567"), "296.4567", "$296.4567"),
        (Decimal("296.4530"), "296.4530", "$296.4530"),
    ],
)
def test_a_unit_price_keeps_its_cents_or_the_places_an_average_needs(stored, exact, written):
    assert str(money.exact_unit_price(stored)) == exact
    assert money.format_unit_price(stored) == written


@pytest.mark.parametrize(
    ("cents", "written"),
    [(125_000, "$1,250.00"), (0, "$0.00"), (-12_000, "-$120.00"), (-5, "-$0.05"), (None, "")],
)
def test_a_loss_is_written_with_its_sign_before_the_dollar(cents, written):
    # A district worse off than alone sees "-$120.00", as a business office writes it, never "$-120.00".
    assert money.format_dollars(cents) == written
