"""The engine's exact money and its rule checks, on allocations written by hand (good and bad).

Every cent a district is billed comes from ``pricing.costing``: amounts split to the cent must add up, and an
allocation that breaks a rule of the format must be named for each rule it breaks.
"""

from decimal import Decimal
from fractions import Fraction

import pytest
from pure import _transaction  # noqa: F401  (pure code: no app, no database)

from pricing import Problem
from pricing.costing import price_awards, round_preserving_sum, rule_violations, split_cents, to_cents
from pricing.problem import Demand


def cents(*amounts: str) -> list[Decimal]:
    return [Decimal(a) for a in amounts]


# --- rounding to the cent ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exact", "rounded"),
    [("0.005", "0.01"), ("0.0049", "0.00"), ("2.665", "2.67"), ("2.675", "2.68"), ("10", "10.00")],
)
def test_an_amount_rounds_half_up_to_the_cent_as_an_invoice_line_does(exact, rounded):
    assert to_cents(Decimal(exact)) == Decimal(rounded)
    assert str(to_cents(Decimal(exact))) == rounded


def test_thirds_of_a_dollar_add_up_to_the_dollar_the_spare_cent_going_to_the_first():
    thirds = round_preserving_sum([Fraction(1, 3)] * 3)
    assert thirds == cents("0.34", "0.33", "0.33")
    assert [str(a) for a in thirds] == ["0.34", "0.33", "0.33"]


def test_the_missing_cents_go_to_the_largest_remainders():
    # 1.2, 1.7 and 2.1 cents add up to 5: floored they make 4, and the cent goes to the .7.
    exact = [Fraction(12, 1000), Fraction(17, 1000), Fraction(21, 1000)]
    assert round_preserving_sum(exact) == cents("0.01", "0.02", "0.02")
    # Two cents missing: to the two largest remainders, whatever their order in the list.
    exact = [Fraction(16, 1000), Fraction(11, 1000), Fraction(13, 1000)]  # 1.6 + 1.1 + 1.3 = 4
    assert round_preserving_sum(exact) == cents("0.02", "0.01", "0.01")
    exact = [Fraction(11, 1000), Fraction(16, 1000), Fraction(17, 1000), Fraction(16, 1000)]  # 6 cents
    assert round_preserving_sum(exact) == cents("0.01", "0.02", "0.02", "0.01")


def test_whole_cents_stay_as_they_are():
    assert round_preserving_sum([Fraction(125, 100), Fraction(3), Fraction(0)]) == cents("1.25", "3.00", "0.00")
    assert round_preserving_sum([]) == []


def test_amounts_that_do_not_add_up_to_whole_cents_are_refused():
    with pytest.raises(ValueError, match="^the amounts must add up to a whole number of cents$"):
        round_preserving_sum([Fraction(1, 300), Fraction(1, 300)])


def test_a_split_in_proportion_to_weights_adds_up_to_the_amount():
    assert split_cents(Decimal("10.00"), [1, 1, 1]) == cents("3.34", "3.33", "3.33")
    assert split_cents(Decimal("1.00"), [Decimal("2.50"), Decimal("7.50")]) == cents("0.25", "0.75")
    assert split_cents(Decimal("0.05"), [3, 0, 2]) == cents("0.03", "0.00", "0.02")
    parts = split_cents(Decimal("100.00"), [7, 11, 13])
    assert sum(parts) == Decimal("100.00")
    assert parts == cents("22.58", "35.48", "41.94")


def test_a_split_over_no_weight_gives_the_whole_amount_to_the_first():
    assert split_cents(Decimal("4.20"), [0, 0, 0]) == cents("4.20", "0.00", "0.00")
    assert split_cents(Decimal("4.20"), [0]) == cents("4.20")


# --- award rows --------------------------------------------------------------------------------------------------------


def test_award_rows_name_who_buys_what_from_whom_at_the_price_reached(document):
    problem = Problem.from_dict(document())
    awards, total = price_awards(problem, {("D1", "laptop", 0): 60, ("D2", "laptop", 0): 50})
    # 110 units reach the 100+ tier: every unit at 90.00.
    assert [a.to_dict() for a in awards] == [
        {
            "district": "D1",
            "item": "laptop",
            "vendor": "V1",
            "offer": "O1",
            "quantity": 60,
            "unit_price": "90.00",
            "cost": "5400.00",
            "support_cost": "0.00",
            "discount": "0.00",
        },
        {
            "district": "D2",
            "item": "laptop",
            "vendor": "V1",
            "offer": "O1",
            "quantity": 50,
            "unit_price": "90.00",
            "cost": "4500.00",
            "support_cost": "0.00",
            "discount": "0.00",
        },
    ]
    assert total == Decimal("9900.00")


def test_a_pool_exactly_at_a_tier_break_gets_that_tiers_price_as_the_offer_wrote_it(document, offer):
    problem = Problem.from_dict(document(offers=[offer("O1", "V1", [(1, "100"), (100, "89.5")])]))
    awards, total = price_awards(problem, {("D1", "laptop", 0): 60, ("D2", "laptop", 0): 40})
    assert [(a.to_dict()["unit_price"], a.to_dict()["cost"]) for a in awards] == [
        ("89.5", "5370.00"),
        ("89.5", "3580.00"),
    ]
    assert total == Decimal("8950.00")


def test_an_allocation_of_nothing_costs_nothing(document):
    awards, total = price_awards(Problem.from_dict(document()), {})
    assert (awards, str(total)) == ([], "0.00")


def test_an_incremental_offers_cost_is_split_to_the_cent_and_its_unit_price_is_the_rounded_average(document, offer):
    problem = Problem.from_dict(
        document(
            districts=[{"id": d, "region": "north"} for d in ("D1", "D2", "D3")],
            demands=[{"district": d, "item": "laptop", "quantity": 1} for d in ("D1", "D2", "D3")],
            offers=[offer("O1", "V1", [(1, "10.00"), (2, "0.01")], pricing="incremental")],
        )
    )
    awards, total = price_awards(problem, {("D1", "laptop", 0): 1, ("D2", "laptop", 0): 1, ("D3", "laptop", 0): 1})
    # 10.00 + 0.01 + 0.01 = 10.02 for three units: 3.34 each, an average of 3.34.
    assert [(a.district, a.cost, a.unit_price) for a in awards] == [
        ("D1", Decimal("3.34"), Decimal("3.34")),
        ("D2", Decimal("3.34"), Decimal("3.34")),
        ("D3", Decimal("3.34"), Decimal("3.34")),
    ]
    assert total == Decimal("10.02")


def test_a_vendors_discount_is_shared_in_proportion_to_purchase_cost_and_adds_up(document, offer):
    problem = Problem.from_dict(
        document(
            districts=[{"id": d, "region": "north"} for d in ("D1", "D2", "D3")],
            items=[{"id": "laptop"}, {"id": "tablet"}],
            demands=[
                {"district": "D1", "item": "laptop", "quantity": 1},
                {"district": "D2", "item": "laptop", "quantity": 1},
                {"district": "D3", "item": "tablet", "quantity": 1},
                {"district": "D1", "item": "tablet", "quantity": 2},
            ],
            offers=[
                offer("L", "V1", [(1, "33.33")]),
                {**offer("T", "V2", [(1, "50.00")]), "item": "tablet"},
            ],
            vendors=[
                {"id": "V1", "total_discounts": [{"min_value": "60.00", "percent": "5"}]},
                {"id": "V2", "total_discounts": [{"min_value": "100.00", "percent": "10"}]},
            ],
        )
    )
    units = {("D1", "laptop", 0): 1, ("D2", "laptop", 0): 1, ("D3", "tablet", 1): 1, ("D1", "tablet", 1): 2}
    awards, total = price_awards(problem, units)
    rows = {(a.district, a.item): (a.vendor, a.cost, a.discount) for a in awards}
    # V1: 66.66 of laptops, 5 % off = 3.333 -> 3.33, split 1.67 + 1.66 (the spare cent to the first district).
    # V2: 150.00 of tablets, 10 % off = 15.00, split 10.00 + 5.00 in proportion to 100.00 and 50.00.
    assert rows == {
        ("D1", "laptop"): ("V1", Decimal("33.33"), Decimal("1.67")),
        ("D2", "laptop"): ("V1", Decimal("33.33"), Decimal("1.66")),
        ("D1", "tablet"): ("V2", Decimal("100.00"), Decimal("10.00")),
        ("D3", "tablet"): ("V2", Decimal("50.00"), Decimal("5.00")),
    }
    assert [(a.district, a.offer) for a in awards] == [("D1", "L"), ("D2", "L"), ("D1", "T"), ("D3", "T")]
    assert total == Decimal("66.66") + Decimal("150.00") - Decimal("3.33") - Decimal("15.00")


def test_a_vendor_below_its_first_bracket_takes_nothing_off(document):
    problem = Problem.from_dict(
        document(vendors=[{"id": "V1", "total_discounts": [{"min_value": "9900.01", "percent": "10"}]}])
    )
    awards, total = price_awards(problem, {("D1", "laptop", 0): 60, ("D2", "laptop", 0): 50})
    assert [a.discount for a in awards] == [Decimal("0.00"), Decimal("0.00")]
    assert total == Decimal("9900.00")


def test_support_is_paid_for_every_unit_over_every_year_and_counts_in_the_total(document, offer):
    problem = Problem.from_dict(document(offers=[offer("O1", "V1", [(1, "100.00")], annual_cost_per_unit="2.50")]))
    awards, total = price_awards(problem, {("D1", "laptop", 0): 60, ("D2", "laptop", 0): 50})
    # 4 years (tco_years) of 2.50 a unit.
    assert [a.support_cost for a in awards] == [Decimal("600.00"), Decimal("500.00")]
    assert total == Decimal("11000.00") + Decimal("1100.00")


# --- rule checks -------------------------------------------------------------------------------------------------------


@pytest.fixture
def two_regions(document, offer):
    """D1 (north) wants 60 laptops, D2 (south) 50 and 5 tablets; offers of three vendors, the rules as given."""

    def make(rules=None, **offer_fields):
        return Problem.from_dict(
            document(
                items=[{"id": "laptop"}, {"id": "tablet"}],
                districts=[{"id": "D1", "region": "north"}, {"id": "D2", "region": "south"}],
                demands=[
                    {"district": "D1", "item": "laptop", "quantity": 60},
                    {"district": "D2", "item": "laptop", "quantity": 50},
                    {"district": "D2", "item": "tablet", "quantity": 5},
                ],
                offers=[
                    offer("N", "V1", [(1, "10.00")], regions=["north"], **offer_fields),
                    offer("A", "V2", [(1, "11.00")], **offer_fields),
                    {**offer("T", "V3", [(1, "50.00")]), "item": "tablet"},
                    offer("B", "V3", [(1, "12.00")]),
                ],
                vendors=[{"id": "V1"}, {"id": "V2"}, {"id": "V3"}],
                rules=rules or {},
            )
        )

    return make


def test_an_allocation_that_follows_every_rule_breaks_none(two_regions):
    problem = two_regions()
    units = {("D1", "laptop", 0): 60, ("D2", "laptop", 1): 50, ("D2", "tablet", 2): 5}
    assert rule_violations(problem, units, problem.demands) == []


def test_each_broken_rule_is_named(two_regions):
    problem = two_regions()
    units = {
        ("D1", "tablet", 2): 1,  # no demand for it
        ("D1", "laptop", 2): 60,  # the tablet offer, for a laptop
        ("D2", "laptop", 0): 50,  # a north offer, for a south district
    }
    assert rule_violations(problem, units, problem.demands) == [
        "D1 buys tablet without a demand",
        "offer T is not for item laptop",
        "offer N does not serve region south of D2",
        "D2 gets 0 of tablet, demand is 5",
    ]


def test_a_demand_bought_short_or_over_is_named_with_both_quantities(two_regions):
    problem = two_regions()
    units = {("D1", "laptop", 0): 59, ("D2", "laptop", 1): 51, ("D2", "tablet", 2): 5}
    assert rule_violations(problem, units, problem.demands) == [
        "D1 gets 59 of laptop, demand is 60",
        "D2 gets 51 of laptop, demand is 50",
    ]


def test_a_demand_split_between_offers_is_refused_unless_the_rules_allow_it(two_regions):
    units = {("D1", "laptop", 0): 30, ("D1", "laptop", 1): 30, ("D2", "laptop", 1): 50, ("D2", "tablet", 2): 5}
    problem = two_regions()
    assert rule_violations(problem, units, problem.demands) == ["D1's demand for laptop is split"]
    allowed = two_regions(rules={"split_district_demand": True})
    assert rule_violations(allowed, units, allowed.demands) == []


def test_an_offer_awarded_above_its_capacity_is_named_and_at_it_is_not(two_regions):
    problem = two_regions(capacity=50)
    at_capacity = {("D1", "laptop", 0): 60, ("D2", "laptop", 1): 50, ("D2", "tablet", 2): 5}
    assert rule_violations(problem, at_capacity, problem.demands) == ["offer N awarded 60 above its capacity 50"]
    problem = two_regions(capacity=60)
    assert rule_violations(problem, at_capacity, problem.demands) == []


def test_an_offer_awarded_below_its_minimum_is_named_and_at_it_is_not(two_regions):
    units = {("D1", "laptop", 0): 60, ("D2", "laptop", 1): 50, ("D2", "tablet", 2): 5}
    problem = two_regions(min_award_quantity=51)
    assert rule_violations(problem, units, problem.demands) == ["offer A awarded 50 below its minimum 51"]
    problem = two_regions(min_award_quantity=50)
    assert rule_violations(problem, units, problem.demands) == []


def test_more_vendors_on_an_item_than_the_cap_is_named_and_as_many_is_not(two_regions):
    units = {("D1", "laptop", 0): 60, ("D2", "laptop", 1): 50, ("D2", "tablet", 2): 5}
    problem = two_regions(rules={"max_vendors_per_item": 1})
    assert rule_violations(problem, units, problem.demands) == ["2 vendors awarded on laptop, the cap is 1"]
    problem = two_regions(rules={"max_vendors_per_item": 2})
    assert rule_violations(problem, units, problem.demands) == []
    one_vendor = {("D1", "laptop", 3): 60, ("D2", "laptop", 3): 50, ("D2", "tablet", 2): 5}
    problem = two_regions(rules={"max_vendors_per_item": 1})
    assert rule_violations(problem, one_vendor, problem.demands) == []


def test_an_offers_capacity_and_minimum_are_checked_against_all_the_districts_it_serves(two_regions):
    units = {("D1", "laptop", 1): 60, ("D2", "laptop", 1): 50, ("D2", "tablet", 2): 5}
    problem = two_regions(capacity=100)
    assert rule_violations(problem, units, problem.demands) == ["offer A awarded 110 above its capacity 100"]
    problem = two_regions(min_award_quantity=110)
    assert rule_violations(problem, units, problem.demands) == []


def test_a_demand_of_one_unit_bought_nowhere_is_named(two_regions):
    problem = two_regions()
    one_tablet = (*problem.demands[:2], Demand("D2", "tablet", 1))
    units = {("D1", "laptop", 0): 60, ("D2", "laptop", 1): 50}
    assert rule_violations(problem, units, one_tablet) == ["D2 gets 0 of tablet, demand is 1"]
