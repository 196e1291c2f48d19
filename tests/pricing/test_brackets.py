"""The bracket search of coupled items (pricing.brackets); its cross-checks are in test_properties."""

import itertools
from decimal import Decimal

import pytest

from pricing import Problem, brackets, decompose, generate_problem, guard, model, solve


@pytest.fixture
def forced_search(monkeypatch):
    """Tiny problems go through the split and the bracket search too."""
    monkeypatch.setattr(decompose, "MIN_SPLIT_PAIRS", 0)


def three_items(percent: str) -> Problem:
    # Vendor A bids on every item, dearer than B; its bracket starts at 16,000.00,
    # which only all three items from A reach (17,000.00; laptops and tablets alone
    # make 15,000.00).
    items = {"laptop": ("100.00", "98.00"), "tablet": ("50.00", "49.00"), "charger": ("20.00", "10.00")}
    return Problem.from_dict(
        {
            "format": "coop.allocation/1",
            "items": [{"id": i} for i in items],
            "districts": [{"id": "D1", "region": "north"}],
            "demands": [{"district": "D1", "item": i, "quantity": 100} for i in items],
            "offers": [
                {"id": f"{v}-{i}", "vendor": v, "item": i, "tiers": [{"min_quantity": 1, "unit_price": p}]}
                for i, prices in items.items()
                for v, p in zip("AB", prices)
            ],
            "vendors": [{"id": "A", "total_discounts": [{"min_value": "16000.00", "percent": percent}]}, {"id": "B"}],
        }
    )


@pytest.mark.parametrize(
    ("percent", "total", "vendor"),
    [
        ("10", Decimal("15300.00"), "A"),  # all from A: 17,000.00 less 10 %, though chargers cost double there
        ("5", Decimal("15700.00"), "B"),  # 17,000.00 less 5 % is 16,150.00: all from B
    ],
)
def test_a_bracket_reached_only_by_buying_dearer_items(forced_search, percent, total, vendor):
    result = solve(three_items(percent), mip_rel_gap=0.0, standalone=False)
    assert (result.status, result.total_cost) == ("optimal", total)
    assert {a.vendor for a in result.awards} == {vendor}


@pytest.mark.parametrize(
    ("percent", "cost", "bound"),
    [
        ("10", 15300.0, 14900.0),  # all from A: 17,000.00 less 10 %
        ("6.25", 15700.0, 15500.0),  # all from A would be 15,937.50: B's 15,700.00 stays
    ],
)
def test_the_search_prices_a_threshold_it_cannot_split_and_the_caller_proves_the_rest(
    forced_search, percent, cost, bound
):
    problem = three_items(percent)
    found = brackets.search(problem, model.build_model(problem), time_limit_s=20, mip_rel_gap=0.0)
    # Items alone buy everything from B (15,700.00). At A's discount they buy laptops and
    # tablets from A (15,000.00), short of its bracket, and A cannot be split further: the
    # items solved at the prices of that box's LP buy the chargers from A too (a Lagrangian
    # step), which is the optimum at 10 %. The box's LP (14,900.00 at 10 %: half the chargers
    # from A) cannot prove it, so HiGHS gets the region left, with a cutoff at the search's
    # allocation (the gap asked is 0).
    assert (found.cost, found.cutoff) == (cost, cost)
    assert found.bound == pytest.approx(bound, abs=1e-6)
    assert not found.proven(0.0)
    # HiGHS prunes at the cutoff, on the whole part (the short vendor bids on every item).
    assert found.restricted.fn is brackets.solve_below and found.restricted.args[1] == cost
    assert found.restricted.args[0].A.shape == model.build_model(problem).arrays.A.shape
    assert solve(problem, mip_rel_gap=0.0, standalone=False).total_cost == Decimal(f"{cost:.2f}")


def with_mice_from_c(problem: Problem) -> Problem:
    """``problem`` and 100 mice, cheapest from C, whose 5 % bracket from 500.00 its mice reach alone; C bids
    on chargers too (dearly), so that one part couples all four items."""
    document = problem.to_dict()
    document["items"].append({"id": "mouse"})
    document["demands"].append({"district": "D1", "item": "mouse", "quantity": 100})
    document["offers"] += [
        {"id": f"{v}-{i}", "vendor": v, "item": i, "tiers": [{"min_quantity": 1, "unit_price": p}]}
        for v, i, p in (("C", "mouse", "10.00"), ("B", "mouse", "11.00"), ("C", "charger", "25.00"))
    ]
    document["vendors"].append({"id": "C", "total_discounts": [{"min_value": "500.00", "percent": "5"}]})
    return Problem.from_dict(document)


def test_highs_proves_the_region_left_on_the_items_of_the_vendor_the_search_is_short_of(forced_search):
    problem = with_mice_from_c(three_items("10"))
    found = brackets.search(problem, model.build_model(problem), time_limit_s=20, mip_rel_gap=0.0)
    # A is short of its bracket as above; C is not (its mice reach its bracket), so HiGHS gets A's three items
    # alone, C priced at its bracket, and the mice count at their bound bought alone: C's 1,000.00 less 5 %.
    assert found.region.model.items == ("laptop", "tablet", "charger")
    assert found.region.offset == pytest.approx(950.0)
    result = solve(problem, mip_rel_gap=0.0, standalone=False)
    assert (result.status, result.total_cost, result.lower_bound) == (
        "optimal",
        Decimal("16250.00"),
        Decimal("16250.00"),
    )
    assert {(a.item, a.vendor) for a in result.awards} == {
        ("laptop", "A"),
        ("tablet", "A"),
        ("charger", "A"),
        ("mouse", "C"),
    }


def leaves(box: dict[str, tuple[int, int]]) -> list[tuple[int, ...]]:
    """Every choice of one bracket per vendor in ``box``, vendors in name order."""
    return list(itertools.product(*(range(lo, hi + 1) for _, (lo, hi) in sorted(box.items()))))


@pytest.mark.parametrize("vendors", [["B"], ["B", "A"], ["A", "B", "D"]])
def test_a_box_splits_on_its_short_vendors_into_disjoint_children_that_cover_it(vendors):
    box = {"A": (0, 2), "B": (1, 2), "C": (0, 1), "D": (0, 1)}
    children = brackets.split_box(box, vendors)
    assert len(children) == len(vendors) + 1
    # Each allocation of the box (one bracket per vendor) lies in exactly one child.
    assert sorted(leaf for child in children for leaf in leaves(child)) == leaves(box)
    # The first child has the first vendor at its top; the last has every split vendor below its top.
    assert children[0][vendors[0]] == (box[vendors[0]][1],) * 2
    assert [children[-1][v] for v in vendors] == [(box[v][0], box[v][1] - 1) for v in vendors]
    assert children[-1]["C"] == box["C"]


def test_parallel_children_return_every_answer_in_order():
    problems = [generate_problem(districts=5, items=2, vendors=3, seed=s) for s in range(5)]
    tasks = [model.build_model(p).arrays for p in problems]
    one = guard.run_guarded(tasks, time_limit_s=20, mip_rel_gap=0.0)
    two = guard.run_guarded(tasks, time_limit_s=20, mip_rel_gap=0.0, workers=2)
    assert [r.status for r in two] == [0] * len(tasks)
    assert [round(r.objective, 4) for r in two] == [round(r.objective, 4) for r in one]


def test_progress_reports_the_search_to_a_callback(forced_search):
    reports = []
    result = solve(three_items("10"), mip_rel_gap=0.0, standalone=False, progress=reports.append)
    # The bracket search reports its incumbent and bound while it runs, then the result.
    searching = [p for p in reports if p.status == "searching"]
    assert searching and all(
        None in (p.best_cost, p.lower_bound) or p.lower_bound <= p.best_cost + 0.005 for p in searching
    )
    assert [p.best_cost for p in searching if p.best_cost is not None][0] == 15700.0  # the items alone, all from B
    assert [p.elapsed_s for p in reports] == sorted(p.elapsed_s for p in reports)
    last = reports[-1]
    assert (last.status, last.best_cost, last.lower_bound, last.gap) == ("optimal", 15300.0, 15300.0, 0.0)
    assert result.total_cost == Decimal("15300.00")


def test_the_share_solves_report_progress_through_logging(document, caplog):
    with caplog.at_level("INFO", logger="pricing"):
        result = solve(Problem.from_dict(document()), shares="shapley", time_limit_s=20)
    assert result.status == "optimal"
    assert [r.getMessage() for r in caplog.records] == [
        "standalone: 2/2 solved",
        "shapley: 2/2 solved",
        "done: optimal, total 9900.00",
    ]
