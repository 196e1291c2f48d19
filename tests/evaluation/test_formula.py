"""The evaluated-cost formula, every figure worked out by hand.

S = Σ weight × points / Σ weight over the non-price criteria (to 0.01, half up);
f = 1 + (Wn / Wp) × (100 − S) / 100 (to 0.000001, half up); evaluated cost = TCO × f (to the cent, half up).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from coop import evaluated_cost

pytestmark = pytest.mark.no_db

LAPTOPS = [
    {"key": "price", "label": "Total cost of ownership", "weight": 50},
    {"key": "specification", "label": "Specification", "weight": 20},
    {"key": "warranty", "label": "Warranty", "weight": 20},
    {"key": "delivery", "label": "Delivery", "weight": 10},
]
FIREWALLS = [
    {"key": "price", "label": "Total cost of ownership", "weight": 40},
    {"key": "specification", "label": "Specification", "weight": 35},
    {"key": "support", "label": "Support", "weight": 25},
]


def test_a_laptop_bid_scored_58_is_evaluated_at_142_percent_of_its_tco():
    # S = (20×80 + 20×50 + 10×30) / 50 = 2900 / 50 = 58; f = 1 + (50/50) × 42/100 = 1.42.
    score = evaluated_cost.weighted_score(LAPTOPS, {"specification": 80, "warranty": 50, "delivery": 30})
    factor = evaluated_cost.evaluation_factor(LAPTOPS, score)
    assert (score, factor) == (Decimal("58.00"), Decimal("1.420000"))
    # $39,360.00 × 1.42 = $55,891.20.
    assert evaluated_cost.evaluated_cost(Decimal("39360.00"), factor) == Decimal("55891.20")


def test_a_score_that_does_not_divide_evenly_is_rounded_to_the_hundredth():
    # S = (35×90 + 25×77) / 60 = 5075 / 60 = 84.5833… → 84.58; f = 1 + (60/40) × 15.42/100 = 1.2313.
    score = evaluated_cost.weighted_score(FIREWALLS, {"specification": 90, "support": 77})
    factor = evaluated_cost.evaluation_factor(FIREWALLS, score)
    assert (score, factor) == (Decimal("84.58"), Decimal("1.231300"))
    # $12,345.67 × 1.2313 = $15,201.223471 → $15,201.22.
    assert evaluated_cost.evaluated_cost(Decimal("12345.67"), factor) == Decimal("15201.22")


def test_rounding_is_half_up_not_to_even():
    criteria = [
        {"key": "price", "label": "Price", "weight": 92},
        {"key": "a", "label": "A", "weight": 5},
        {"key": "b", "label": "B", "weight": 3},
    ]
    # S = (5×1 + 3×0) / 8 = 0.625 → 0.63 (half to even would give 0.62);
    # f = 1 + 8 × 99.37 / 9200 = 1.08640869… → 1.086409.
    score = evaluated_cost.weighted_score(criteria, {"a": 1, "b": 0})
    assert (score, evaluated_cost.evaluation_factor(criteria, score)) == (Decimal("0.63"), Decimal("1.086409"))


def test_a_perfect_score_leaves_the_cost_and_no_score_adds_the_whole_non_price_weight():
    assert evaluated_cost.evaluation_factor(FIREWALLS, Decimal(100)) == Decimal(1)
    assert evaluated_cost.evaluation_factor(FIREWALLS, Decimal(0)) == Decimal("2.5")  # 1 + 60/40


def test_an_unfinished_score_or_no_non_price_criterion_has_factor_1():
    assert evaluated_cost.weighted_score(LAPTOPS, {"specification": 80}) is None
    assert evaluated_cost.evaluation_factor(LAPTOPS, None) == 1
    price_only = [{"key": "price", "label": "Price", "weight": 100}]
    assert evaluated_cost.weighted_score(price_only, {}) is None
    assert evaluated_cost.evaluation_factor(price_only, None) == 1


def test_the_set_aside_reason():
    assert evaluated_cost.below_minimum_reason(Decimal("52.50"), 60) == (
        "Scored 52.5 of 100 on the non-price criteria, below this RFP's minimum of 60."
    )
    assert evaluated_cost.below_minimum_reason(Decimal("60.00"), 60) is None


def test_the_worked_example_of_the_document():
    # Wn / Wp = 1: A $100,000 × (1 + 10/100) = $110,000; B $95,000 × (1 + 25/100) = $118,750.
    method = evaluated_cost.method(LAPTOPS, 60)
    assert (method.price_weight, method.non_price_weight, method.ratio) == (50, 50, "1")
    assert [(bid.name, bid.score_text, bid.factor_text, bid.evaluated_cost) for bid in method.example] == [
        ("A", "90", "1.1", Decimal("110000.00")),
        ("B", "75", "1.25", Decimal("118750.00")),
    ]
    assert evaluated_cost.method(FIREWALLS, 0).ratio == "3/2"
    # Example scores never fall below the minimum: the example shows the formula, not a set-aside.
    assert [bid.score_text for bid in evaluated_cost.method(LAPTOPS, 80).example] == ["90", "80"]
