import json
from decimal import Decimal

import pytest

from pricing import Problem, ProblemError, load_problem


def errors_of(doc) -> list[str]:
    with pytest.raises(ProblemError) as caught:
        Problem.from_dict(doc)
    return caught.value.errors


def test_valid_document_round_trips_through_json(document, offer):
    problem = Problem.from_dict(document())
    assert Problem.from_json(problem.to_json()) == problem
    assert problem.offers[0].tiers[1].unit_price == Decimal("90.00")


def test_price_with_three_decimals_names_its_path(document, offer):
    doc = document(offers=[offer("O1", "V1", [(1, "100.00"), (100, "89.999")])])
    assert errors_of(doc) == ["offers[0].tiers[1].unit_price: must be a decimal string with at most 2 decimal places"]


def test_price_given_as_a_number_is_refused(document, offer):
    doc = document(offers=[offer("O1", "V1", [(1, 100.0)])])
    assert errors_of(doc) == ["offers[0].tiers[0].unit_price: must be a decimal string with at most 2 decimal places"]


def test_every_error_is_collected_at_once(document, offer):
    doc = document(
        items=[{"id": "laptop"}, {"id": "laptop"}],
        districts=[{"id": "D1", "region": "north"}, {"id": "D2", "region": "north"}],
        demands=[
            {"district": "D9", "item": "laptop", "quantity": 10},
            {"district": "D1", "item": "tablet", "quantity": 10},
            {"district": "D2", "item": "laptop", "quantity": -3},
            {"district": "D1", "item": "laptop", "quantity": 2.5},
        ],
        offers=[
            offer("O1", "V9", [(2, "100.00"), (2, "90.00")], regions=["south"]),
            offer("O1", "V1", [(1, "90.00"), (50, "95.00")], colour="red"),
        ],
    )
    assert errors_of(doc) == [
        "items[1].id: duplicate item id 'laptop'",
        "demands[0].district: unknown district 'D9'",
        "demands[1].item: unknown item 'tablet'",
        "demands[2].quantity: must be a positive integer",
        "demands[3].quantity: must be a positive integer",
        "offers[0].vendor: unknown vendor 'V9'",
        "offers[0].tiers[0].min_quantity: must be 1 (the first tier starts at one unit)",
        "offers[0].tiers[1].min_quantity: must be greater than the previous tier's min_quantity (2)",
        "offers[0].regions[0]: unknown region 'south' (no district is in it)",
        "offers[1].colour: unknown key",
        "offers[1].tiers[1].unit_price: must not exceed the previous tier's unit_price (90.00)",
        "offers[1].id: duplicate offer id 'O1'",
    ]


def test_discount_brackets_out_of_order_and_bad_rules(document, offer):
    doc = document(
        vendors=[
            {
                "id": "V1",
                "total_discounts": [
                    {"min_value": "5000.00", "percent": "2"},
                    {"min_value": "4000.00", "percent": "3"},
                    {"min_value": "9000.00", "percent": "1.5"},
                    {"min_value": "9500.00", "percent": "120"},
                ],
            },
            {"id": "V1"},
        ],
        rules={"max_vendors_per_item": 0, "split_district_demand": "yes"},
    )
    assert errors_of(doc) == [
        "vendors[0].total_discounts[1].min_value: must be greater than the previous bracket's min_value (5000.00)",
        "vendors[0].total_discounts[2].percent: must be greater than the previous bracket's percent (3)",
        "vendors[0].total_discounts[3].percent: must be a decimal string from 0 to below 100 with at most 4 decimal places",
        "vendors[1].id: duplicate vendor id 'V1'",
        "rules.max_vendors_per_item: must be a positive integer",
        "rules.split_district_demand: must be true or false",
    ]


def test_missing_keys_wrong_format_and_minimum_above_capacity(document, offer):
    doc = document(
        format="coop.allocation/2", offers=[offer("O1", "V1", [(1, "10.00")], capacity=5, min_award_quantity=6)]
    )
    del doc["districts"][1]["region"]
    assert errors_of(doc) == [
        "format: must be 'coop.allocation/1'",
        "districts[1].region: is required",
        "offers[0].min_award_quantity: must not exceed capacity (5)",
    ]


def test_duplicate_demand_and_not_an_object(document, tmp_path):
    doc = document()
    doc["demands"].append({"district": "D1", "item": "laptop", "quantity": 1})
    assert errors_of(doc) == ["demands[2]: duplicate demand of district 'D1' for item 'laptop'"]
    assert errors_of([]) == ["$: must be an object"]
    path = tmp_path / "bad.json"
    path.write_text("{not json")
    with pytest.raises(ProblemError) as caught:
        load_problem(path)
    assert caught.value.errors[0].startswith("$: not valid JSON")


def test_load_problem_reads_a_file(document, tmp_path):
    path = tmp_path / "ok.json"
    path.write_text(json.dumps(document()))
    assert [d.id for d in load_problem(path).districts] == ["D1", "D2"]
