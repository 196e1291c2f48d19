"""pricing.explain: every line's awards, runner-up, losing offers with their reason, and the curves.

The problems are small enough to price by hand; the figures in the comments are those sums.
"""

from decimal import Decimal

import pytest

from pricing import Problem, explain, solve


def explained(doc: dict, **options):
    problem = Problem.from_dict(doc)
    result = solve(problem, time_limit_s=20, mip_rel_gap=0.0)
    return result, explain(problem, result, time_limit_s=20, **options)


def one_line(doc: dict, **options):
    result, explanation = explained(doc, **options)
    (line,) = explanation.lines
    return line


def lost(doc: dict, **options) -> list[tuple[str, str, str]]:
    return [(o.offer, o.reason, o.message) for o in one_line(doc, **options).lost]


def laptops(document, offers, vendors, **changes):
    """Two northern districts buying 60 and 50 laptops, one year of support counted."""
    return document(tco_years=1, offers=offers, vendors=[{"id": v} for v in vendors], **changes)


def test_the_worked_example_explains_its_award_runner_up_loser_and_pooling(worked_example):
    result, explanation = explained(worked_example)
    (line,) = explanation.lines
    (award,) = line.awards
    # 110 units reach A's 100-unit tier: 9,900.00, support 5.00 x 110 x 2, 5 % of 9,900.00 off.
    assert (
        award.offer,
        award.vendor,
        award.districts,
        award.quantity,
        award.tier_min_quantity,
        award.tier_unit_price,
        award.unit_price,
        award.cost,
        award.support_cost,
        award.discount,
        award.total,
    ) == (
        "A-1",
        "A",
        ("D1", "D2"),
        110,
        100,
        Decimal("90.00"),
        Decimal("90.00"),
        Decimal("9900.00"),
        Decimal("1100.00"),
        Decimal("495.00"),
        Decimal("10505.00"),
    )
    assert (line.item, line.quantity, line.cost) == ("laptop", 110, Decimal("10505.00"))
    # Only B is left without A, and it does not serve D2 in the south.
    assert line.runner_up.message == (
        "Without A, this line could not be bought: no offer on item 'laptop' serves region 'south'."
    )
    assert (line.runner_up.awards, line.runner_up.extra_cost) == ((), None)
    # B takes D1's 60 for 5,600.00 (93.33 a unit) where D1 pays 5,730.00 (95.50); moved, the round costs
    # 11,100.00 (the format's second allocation).
    assert [(o.offer, o.reason, o.message) for o in line.lost] == [
        (
            "B-1",
            "pooling",
            "Buying together: B would be cheaper ($93.33 a unit against $95.50) for the districts it serves, but moving "
            "them to it would leave the other districts' offers below a price break or discount bracket: the round "
            "would cost $11,100.00, $595.00 more.",
        )
    ]
    pooling = explanation.pooling
    assert (
        pooling.pooled_cost,
        pooling.standalone_cost,
        pooling.compared_pooled_cost,
        pooling.savings,
        pooling.missing,
    ) == (Decimal("10505.00"), Decimal("11100.00"), Decimal("10505.00"), Decimal("595.00"), ())
    assert (explanation.status, explanation.unmet) == (result.status, ())


def test_the_curves_give_each_offer_its_price_breaks_and_the_awarded_point(worked_example):
    _, explanation = explained(worked_example)
    a, b = explanation.lines[0].curves
    # All units: 99 at 100.00 plus 10.00 support, then the jump to 90.00 at 100 units; charted to the line's 110.
    assert a.points == (
        (0, Decimal("0.00")),
        (99, Decimal("10890.00")),
        (100, Decimal("10000.00")),
        (110, Decimal("11000.00")),
    )
    assert (a.awarded_quantity, a.awarded_cost, a.capacity, a.tiers) == (
        110,
        Decimal("11000.00"),
        500,
        ((1, Decimal("100.00")), (100, Decimal("90.00"))),
    )
    # Incremental: 50 units at 95.00, then 85.00 a unit; no support.
    assert b.points == ((0, Decimal("0.00")), (50, Decimal("4750.00")), (110, Decimal("9850.00")))
    assert (b.pricing, b.awarded_quantity, b.awarded_cost, b.min_award_quantity) == ("incremental", 0, None, 20)


def test_the_runner_up_is_the_line_without_its_winner_and_what_the_round_would_cost(document, offer):
    doc = laptops(document, [offer("W-1", "W", [(1, "90.00")]), offer("R-1", "R", [(1, "95.00")])], ["W", "R"])
    line = one_line(doc, names={"W": "Wholesale Inc.", "R": "Retail Co."})
    runner = line.runner_up
    assert (runner.excluded_vendors, runner.line_cost, runner.total_cost, runner.extra_cost) == (
        ("W",),
        Decimal("10450.00"),
        Decimal("10450.00"),
        Decimal("550.00"),
    )
    assert [(a.offer, a.districts, a.quantity, a.unit_price) for a in runner.awards] == [
        ("R-1", ("D1", "D2"), 110, Decimal("95.00"))
    ]
    assert runner.message == (
        "Without Wholesale Inc., the best allocation of this line would cost $10,450.00 and "
        "the round $10,450.00, $550.00 more."
    )
    assert [(o.offer, o.reason, o.message) for o in line.lost] == [
        (
            "R-1",
            "price",
            "Dearer at the pooled volume: at 110 units (the volume of the districts it serves) Retail Co. would cost "
            "$95.00 a unit over 1 year (unit price $95.00); those districts pay $90.00 a unit as awarded.",
        )
    ]


def test_an_offer_serving_no_buying_district_lost_on_its_region(document, offer):
    doc = laptops(
        document,
        [offer("W-1", "W", [(1, "90.00")]), offer("E-1", "E", [(1, "50.00")], regions=["east"])],
        ["W", "E"],
        districts=[{"id": "D1", "region": "north"}, {"id": "D2", "region": "north"}, {"id": "D3", "region": "east"}],
    )
    assert lost(doc) == [
        (
            "E-1",
            "region",
            "E does not deliver to the region of any district buying this line: it "
            "serves east, the districts are in north.",
        )
    ]


def test_an_offer_too_small_for_any_whole_order_lost_on_capacity(document, offer):
    doc = laptops(
        document, [offer("W-1", "W", [(1, "90.00")]), offer("C-1", "C", [(1, "50.00")], capacity=40)], ["W", "C"]
    )
    assert lost(doc) == [
        (
            "C-1",
            "capacity",
            "C can supply at most 40 units, and every district it serves orders more "
            "(the smallest order is 50); an order is not split between vendors.",
        )
    ]


def test_a_cheaper_offer_that_cannot_take_the_pooled_volume_lost_on_capacity(document, offer):
    # W: 110 x 90.00 = 9,900.00. C can take D1's 60 at 89.00, but then D2's 50 cost W 100.00: 10,340.00.
    doc = laptops(
        document,
        [offer("W-1", "W", [(1, "100.00"), (100, "90.00")]), offer("C-1", "C", [(1, "89.00")], capacity=70)],
        ["W", "C"],
    )
    line = one_line(doc)
    assert [(o.offer, o.reason, o.message) for o in line.lost] == [
        (
            "C-1",
            "capacity",
            "Capacity too small: C would be cheaper ($89.00 a unit against $90.00), but it can supply "
            "at most 70 of the 110 units the districts it serves order.",
        )
    ]
    assert line.runner_up.message == (
        "Without W, this line could not be bought: capacities too small: the offers serving D1, D2 can supply 70 "
        "units of item 'laptop' but they need 110."
    )


def test_an_offer_whose_minimum_the_orders_cannot_reach_lost_on_its_minimum(document, offer):
    doc = laptops(
        document,
        [offer("W-1", "W", [(1, "90.00")]), offer("M-1", "M", [(1, "50.00")], min_award_quantity=200)],
        ["W", "M"],
    )
    assert lost(doc) == [
        (
            "M-1",
            "min_award",
            "M must be awarded at least 200 units if awarded at all, but the districts it serves order only 110.",
        )
    ]


def test_an_offer_beaten_only_by_another_vendors_total_discount_lost_on_the_discount(document, offer):
    # W lists 100.00 but its 10 % discount from 1,000.00 brings 11,000.00 to 9,900.00 (90.00 a unit); C is 95.00.
    doc = laptops(document, [offer("W-1", "W", [(1, "100.00")]), offer("C-1", "C", [(1, "95.00")])], ["W", "C"])
    doc["vendors"][0]["total_discounts"] = [{"min_value": "1000.00", "percent": "10"}]
    assert lost(doc, names={"W": "Wholesale Inc."}) == [
        (
            "C-1",
            "discount",
            "A total-quantity discount elsewhere made another vendor cheaper overall: at 110 units (the volume of the "
            "districts it serves) C would cost $95.00 a unit over 1 year (unit price $95.00), less than the $100.00 a "
            "unit the awarded offers list, but Wholesale Inc.'s discount on its whole purchase brings them to $90.00 a "
            "unit.",
        )
    ]


def test_a_cheaper_vendor_left_out_by_the_vendor_cap_lost_on_the_cap(one_vendor_per_item):
    # One vendor per line: X serves both districts (110 x 10.60); N and S are 10.00 but each serves one region.
    line = one_line(one_vendor_per_item)
    assert [(o.offer, o.reason) for o in line.lost] == [("N", "vendor_cap"), ("S", "vendor_cap")]
    assert line.lost[0].message == (
        "Vendor cap: V1 would be cheaper ($10.00 a unit against $10.60) for the districts it serves, but the round "
        "allows at most 1 vendor per line and this line went to V3, cheaper over all its districts."
    )
    assert line.runner_up.message == (
        "Without V3, this line could not be bought: no allocation meets every rule (minimum awards, the vendor cap, "
        "whole orders)."
    )


def test_pooling_names_the_districts_that_cannot_buy_alone(document, offer):
    # A minimum award of 100 units: together 110, but neither district alone.
    doc = laptops(document, [offer("W-1", "W", [(1, "90.00")], min_award_quantity=100)], ["W"])
    result, explanation = explained(doc)
    reasons = {s.district: s.standalone_reason for s in result.shares}
    assert explanation.pooling.missing == (("D1", reasons["D1"]), ("D2", reasons["D2"]))
    assert (explanation.pooling.pooled_cost, explanation.pooling.standalone_cost, explanation.pooling.savings) == (
        Decimal("9900.00"),
        Decimal("0.00"),
        Decimal("0.00"),
    )


def test_an_infeasible_result_lists_each_unmet_demand_with_the_engines_reason(document, offer):
    doc = laptops(
        document,
        [offer("N-1", "N", [(1, "90.00")], regions=["north"])],
        ["N"],
        districts=[{"id": "D1", "region": "north"}, {"id": "D2", "region": "south"}],
    )
    result, explanation = explained(doc)
    assert (explanation.status, explanation.lines, explanation.pooling) == ("infeasible", (), None)
    assert [(u.district, u.item, u.quantity, u.reason) for u in explanation.unmet] == [
        ("D2", "laptop", 50, "no offer on item 'laptop' serves region 'south'")
    ]


@pytest.mark.parametrize("currency, text", [("USD", "$95.00"), ("EUR", "95.00 EUR")])
def test_money_is_written_in_the_problems_currency(document, offer, currency, text):
    doc = laptops(
        document, [offer("W-1", "W", [(1, "90.00")]), offer("R-1", "R", [(1, "95.00")])], ["W", "R"], currency=currency
    )
    assert f"would cost {text} a unit" in lost(doc)[0][2]


def test_a_cheaper_offer_with_a_poorer_evaluation_lost_on_its_score(document, offer):
    # E's 85.00 a unit is evaluated at 85.00 x 1.1 = 93.50 against W's 90.00: W wins at real 9,900.00.
    doc = laptops(document, [offer("W-1", "W", [(1, "90.00")]), offer("E-1", "E", [(1, "85.00")])], ["W", "E"])
    doc["vendors"][1]["evaluation_factor"] = "1.1"
    line = one_line(doc)
    assert [(o.offer, o.reason, o.message) for o in line.lost] == [
        (
            "E-1",
            "evaluation",
            "Evaluation score: its real price is lower ($85.00 a unit against $90.00), but after the evaluation of the "
            "bids its evaluated cost is $93.50 a unit against $90.00, and the round awards on evaluated cost.",
        )
    ]
    # Without W: E's 9,350.00 is 550.00 less at real prices, but 10,285.00 evaluated is 385.00 more.
    runner = line.runner_up
    assert (runner.extra_cost, runner.evaluated_extra_cost) == (Decimal("-550.00"), Decimal("385.00"))
    assert runner.message == (
        "Without W, the best allocation of this line would cost $9,350.00 and the round $9,350.00, $550.00 less at "
        "real prices but $385.00 more in evaluated cost, on which the round awards."
    )


def test_evaluated_costs_of_any_factor_are_each_vendors_cost_times_its_factor(document, offer):
    # B's 9.37 x 1.123457 = 10.53 a unit evaluated, against A's 10.01: A wins 10 units, 100.10. Without A, B's
    # 93.70 is 6.40 less, but 93.70 x 1.123457 = 105.27 evaluated is 5.17 more.
    doc = laptops(
        document,
        [offer("A-1", "A", [(1, "10.01")]), offer("B-1", "B", [(1, "9.37")])],
        ["A", "B"],
        demands=[
            {"district": "D1", "item": "laptop", "quantity": 7},
            {"district": "D2", "item": "laptop", "quantity": 3},
        ],
    )
    doc["vendors"][1]["evaluation_factor"] = "1.123457"
    line = one_line(doc)
    assert (line.runner_up.extra_cost, line.runner_up.evaluated_extra_cost) == (Decimal("-6.40"), Decimal("5.17"))
    assert [(o.offer, o.reason) for o in line.lost] == [("B-1", "evaluation")]
    assert "its evaluated cost is $10.53 a unit against $10.01" in line.lost[0].message
