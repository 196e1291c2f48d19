"""The bracket search of coupled items (pricing.brackets); its cross-checks are in test_properties."""

from decimal import Decimal

import pytest

from pricing import Problem, brackets, decompose, generate_problem, model, solve


@pytest.fixture
def forced_search(monkeypatch):
    """Tiny problems go through the split and the bracket search too."""
    monkeypatch.setattr(decompose, "MIN_SPLIT_PAIRS", 0)


def three_items(percent: str) -> Problem:
    # Vendor A bids on every item, dearer than B; its bracket starts at 16,000.00,
    # which only all three items from A reach (17,000.00; laptops and tablets alone
    # make 15,000.00).
    items = {"laptop": ("100.00", "98.00"), "tablet": ("50.00", "49.00"), "charger": ("20.00", "10.00")}
    return Problem.from_dict({
        "format": "coop.allocation/1",
        "items": [{"id": i} for i in items],
        "districts": [{"id": "D1", "region": "north"}],
        "demands": [{"district": "D1", "item": i, "quantity": 100} for i in items],
        "offers": [
            {"id": f"{v}-{i}", "vendor": v, "item": i, "tiers": [{"min_quantity": 1, "unit_price": p}]}
            for i, prices in items.items() for v, p in zip("AB", prices)
        ],
        "vendors": [{"id": "A", "total_discounts": [{"min_value": "16000.00", "percent": percent}]}, {"id": "B"}],
    })


@pytest.mark.parametrize(("percent", "total", "vendor"), [
    ("10", Decimal("15300.00"), "A"),  # all from A: 17,000.00 less 10 %, though chargers cost double there
    ("5", Decimal("15700.00"), "B"),  # 17,000.00 less 5 % is 16,150.00: all from B
])
def test_a_bracket_reached_only_by_buying_dearer_items(forced_search, percent, total, vendor):
    result = solve(three_items(percent), mip_rel_gap=0.0, standalone=False)
    assert (result.status, result.total_cost) == ("optimal", total)
    assert {a.vendor for a in result.awards} == {vendor}


def test_the_search_bounds_its_allocation_and_the_caller_proves_the_rest():
    problem = three_items("10")
    found = brackets.search(problem, model.build_model(problem), time_limit_s=20, mip_rel_gap=0.0)
    # Items alone buy everything from B (15,700.00); A's bracket is not ruled out,
    # so the bound is below the optimum (15,300.00) and HiGHS gets the region
    # left, with a cutoff just below the search's allocation.
    assert found.cost == 15700.0
    assert found.bound is not None and found.bound <= 15300.0 + 0.005
    assert found.cutoff == 15700.0
    assert found.restricted.A.shape[0] == model.build_model(problem).arrays.A.shape[0] + 1


def test_parallel_children_return_every_answer_in_order():
    problems = [generate_problem(districts=5, items=2, vendors=3, seed=s) for s in range(5)]
    tasks = [model.build_model(p).arrays for p in problems]
    one = model.run_guarded(tasks, time_limit_s=20, mip_rel_gap=0.0)
    two = model.run_guarded(tasks, time_limit_s=20, mip_rel_gap=0.0, workers=2)
    assert [r.status for r in two] == [0] * len(tasks)
    assert [round(r.objective, 4) for r in two] == [round(r.objective, 4) for r in one]
