"""Evaluation factors: the engine minimises evaluated cost while every figure it reports is at real prices."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pricing import Problem, ProblemError, solve


def _two_vendors(document, offer, *, factor_1=None, factor_2=None, brackets_1=()):
    vendor_1 = {"id": "V1", "total_discounts": [{"min_value": v, "percent": p} for v, p in brackets_1]}
    vendor_2 = {"id": "V2"}
    if factor_1:
        vendor_1["evaluation_factor"] = factor_1
    if factor_2:
        vendor_2["evaluation_factor"] = factor_2
    return Problem.from_dict(
        document(
            tco_years=0,
            districts=[{"id": "D1", "region": "north"}],
            demands=[{"district": "D1", "item": "laptop", "quantity": 10}],
            offers=[offer("O1", "V1", [(1, "100.00")]), offer("O2", "V2", [(1, "110.00")])],
            vendors=[vendor_1, vendor_2],
        )
    )


def test_a_poorly_scored_vendor_loses_although_it_is_cheaper_and_the_winner_is_paid_its_real_price(document, offer):
    plain = solve(_two_vendors(document, offer), time_limit_s=30)
    assert [(a.vendor, a.unit_price) for a in plain.awards] == [("V1", Decimal("100.00"))]
    assert plain.evaluated_cost is None

    # V1 costs 1,000.00 x 1.25 = 1,250.00 evaluated; V2 1,100.00 x 1.05 = 1,155.00.
    result = solve(_two_vendors(document, offer, factor_1="1.25", factor_2="1.05"), time_limit_s=30)
    assert result.status == "optimal"
    assert [(a.vendor, a.unit_price, a.cost) for a in result.awards] == [("V2", Decimal("110.00"), Decimal("1100.00"))]
    assert result.total_cost == Decimal("1100.00")
    assert result.evaluated_cost == Decimal("1155.00")
    assert result.lower_bound == Decimal("1155.00")
    assert result.shares[0].pooled_cost == Decimal("1100.00")
    # Alone, the district is held to the same evaluation: it buys from V2 too, at V2's real price.
    assert result.shares[0].standalone_cost == Decimal("1100.00")
    assert result.to_dict()["evaluated_cost"] == "1155.00"


def test_a_total_discount_is_reached_at_the_same_real_purchase_value(document, offer):
    # V1: 10 x 100.00 = 1,000.00, below its 1,050.00 bracket: no discount, 1,200.00 evaluated at 1.2. Had the
    # threshold not been scaled with the prices, the evaluated value 1,200.00 would reach it (1,080.00) and beat
    # V2's 1,100.00.
    problem = _two_vendors(document, offer, factor_1="1.2", brackets_1=[("1050.00", "10")])
    result = solve(problem, time_limit_s=30)
    assert [a.vendor for a in result.awards] == ["V2"]
    assert result.evaluated_cost == Decimal("1100.00")
    evaluated = problem.evaluated()
    assert evaluated.vendors[0].total_discounts[0].min_value == Decimal("1260.00")
    assert evaluated.offers[0].tiers[0].unit_price == Decimal("120.00")
    assert evaluated.vendors[0].evaluation_factor == 1
    assert evaluated.evaluated() is evaluated


def test_a_discount_reached_in_real_terms_counts_in_the_evaluation(document, offer):
    # V1 reaches its 1,000.00 bracket: 900.00 real, 1,080.00 evaluated at 1.2, beating V2's 1,100.00.
    result = solve(_two_vendors(document, offer, factor_1="1.2", brackets_1=[("1000.00", "10")]), time_limit_s=30)
    assert [(a.vendor, a.discount) for a in result.awards] == [("V1", Decimal("100.00"))]
    assert (result.total_cost, result.evaluated_cost) == (Decimal("900.00"), Decimal("1080.00"))


def test_factors_of_one_leave_the_problem_and_its_json_as_they_were(document, offer):
    problem = _two_vendors(document, offer)
    assert problem.evaluated() is problem
    assert all("evaluation_factor" not in v for v in problem.to_dict()["vendors"])
    scored = _two_vendors(document, offer, factor_1="1.25")
    assert scored.to_dict()["vendors"][0]["evaluation_factor"] == "1.25"
    assert Problem.from_json(scored.to_json()) == scored


@pytest.mark.parametrize("factor", ["0.99", "101", "1.0000001", 1.5, "-1", "abc"])
def test_an_evaluation_factor_out_of_range_names_its_path(document, factor):
    with pytest.raises(ProblemError) as caught:
        Problem.from_dict(document(vendors=[{"id": "V1", "evaluation_factor": factor}]))
    assert caught.value.errors == [
        "vendors[0].evaluation_factor: must be a decimal string from 1 to 100 with at most 6 decimal places"
    ]


def test_a_factor_that_makes_prices_fall_between_cents_still_solves_and_prices_exactly(document, offer):
    # Found by the explanation's tests: 10.01 x 1.123457 = 11.24580457, not a whole number of cents.
    problem = Problem.from_dict(
        document(
            tco_years=0,
            demands=[
                {"district": "D1", "item": "laptop", "quantity": 7},
                {"district": "D2", "item": "laptop", "quantity": 3},
            ],
            offers=[offer("A", "VA", [(1, "10.01")]), offer("B", "VB", [(1, "8.00")])],
            vendors=[{"id": "VA", "evaluation_factor": "1.123457"}, {"id": "VB", "evaluation_factor": "1.4"}],
        )
    )
    result = solve(problem, time_limit_s=30)
    # VA: 10 x 10.01 = 100.10 real, 112.46 evaluated; VB: 80.00 real, 112.00 evaluated.
    assert result.status == "optimal"
    assert {a.vendor for a in result.awards} == {"VB"}
    assert (result.total_cost, result.evaluated_cost) == (Decimal("80.00"), Decimal("112.00"))
    assert problem.evaluated().offers[0].tiers[0].unit_price == Decimal("11.25")
