"""How a pooled total is shared among districts, to the cent: the capped equal price and the proportional rule.

Each district's share is what it is billed: the shares must add up to the total, and under the capped rule no
district may pay more than it would have alone.
"""

from decimal import Decimal

from pure import _transaction  # noqa: F401  (pure code: no app, no database)

from pricing.shares import Capped, capped_equal_price, proportional


def money(**amounts: str) -> dict[str, Decimal]:
    return {name: Decimal(amount) for name, amount in amounts.items()}


def test_districts_that_all_save_pay_their_pooled_cost():
    capped = capped_equal_price(Decimal("100.00"), money(B="70.00", A="30.00"), money(A="40.00", B="80.00"))
    assert capped == Capped(money(A="30.00", B="70.00"), None)
    assert list(capped.costs) == ["A", "B"]


def test_a_district_that_would_lose_pays_its_standalone_cost_and_the_savers_carry_the_difference():
    capped = capped_equal_price(Decimal("100.00"), money(A="50.00", B="50.00"), money(A="40.00", B="100.00"))
    assert capped == Capped(money(A="40.00", B="60.00"), None)


def test_the_difference_is_carried_in_proportion_to_savings_and_the_cents_add_up():
    # A pays its 40.00 alone instead of 50.00; B saves 10.00 and C 20.00, so they carry 1/3 and 2/3 of the 10.00.
    capped = capped_equal_price(
        Decimal("100.00"),
        money(A="50.00", B="25.00", C="25.00", D="0.00"),
        money(A="40.00", B="35.00", C="45.00", D="0.00"),
    )
    assert capped == Capped(money(A="40.00", B="28.33", C="31.67", D="0.00"), None)
    assert sum(capped.costs.values()) == Decimal("100.00")


def test_standalone_costs_that_just_cover_the_total_are_enough():
    capped = capped_equal_price(Decimal("90.00"), money(A="60.00", B="30.00"), money(A="40.00", B="50.00"))
    assert capped == Capped(money(A="40.00", B="50.00"), None)


def test_without_every_standalone_cost_there_is_no_capped_share():
    capped = capped_equal_price(Decimal("90.00"), money(A="60.00", B="30.00"), {"A": Decimal("40.00"), "B": None})
    assert capped == Capped(None, "capped equal-price shares need every standalone cost")


def test_a_pooled_total_above_every_standalone_cost_together_is_explained_with_its_figures():
    capped = capped_equal_price(Decimal("100.00"), money(A="60.00", B="40.00"), money(A="40.00", B="50.00"))
    assert capped == Capped(
        None,
        "no shares keep every district at or below its standalone cost: the pooled total 100.00 exceeds the sum of "
        "the standalone costs 90.00 by 10.00 (capacities, minimum awards or the vendor cap make buying together "
        "dearer than buying apart)",
    )


def test_proportional_shares_save_everyone_the_same_fraction():
    shares = proportional(Decimal("90.00"), money(B="60.00", A="40.00"))
    assert shares == money(A="36.00", B="54.00")
    assert list(shares) == ["A", "B"]


def test_proportional_shares_add_up_to_the_total_to_the_cent():
    shares = proportional(Decimal("10.00"), money(A="1.00", B="1.00", C="1.00"))
    assert shares == money(A="3.34", B="3.33", C="3.33")


def test_districts_that_neither_save_nor_lose_pay_what_they_would_alone():
    capped = capped_equal_price(Decimal("90.00"), money(A="40.00", B="50.00"), money(A="40.00", B="50.00"))
    assert capped == Capped(money(A="40.00", B="50.00"), None)
