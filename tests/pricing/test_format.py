"""pricing/FORMAT.md: the format's specification, whose worked example is solved here."""

from decimal import Decimal
from pathlib import Path

from pricing import Problem, solve

PRICING = Path(__file__).resolve().parents[2] / "pricing"


def test_the_worked_example_of_the_format_solves_to_its_figures(worked_example):
    result = solve(Problem.from_dict(worked_example), shares="proportional", time_limit_s=20, mip_rel_gap=0.0)
    assert (result.status, result.total_cost, result.lower_bound, result.gap) == (
        "optimal",
        Decimal("10505.00"),
        Decimal("10505.00"),
        0.0,
    )
    assert [
        (a.district, a.offer, a.quantity, a.unit_price, a.cost, a.support_cost, a.discount) for a in result.awards
    ] == [
        ("D1", "A-1", 60, Decimal("90.00"), Decimal("5400.00"), Decimal("600.00"), Decimal("270.00")),
        ("D2", "A-1", 50, Decimal("90.00"), Decimal("4500.00"), Decimal("500.00"), Decimal("225.00")),
    ]
    assert [(s.district, s.pooled_cost, s.standalone_cost, s.savings, s.proportional_cost) for s in result.shares] == [
        ("D1", Decimal("5730.00"), Decimal("5600.00"), Decimal("-130.00"), Decimal("5299.82")),
        ("D2", Decimal("4775.00"), Decimal("5500.00"), Decimal("725.00"), Decimal("5205.18")),
    ]
    assert result.worse_off == ()  # under the proportional rule
    equal_price = solve(Problem.from_dict(worked_example), shares="equal_price", time_limit_s=20, mip_rel_gap=0.0)
    assert equal_price.worse_off == ("D1",)


def test_the_engine_cites_its_own_format_file_not_one_outside_the_package():
    sources = {path.name: path.read_text() for path in PRICING.glob("*.py")}
    assert [name for name, text in sources.items() if "DESIGN.md" in text] == []
    assert "pricing/FORMAT.md" in sources["__init__.py"] and "pricing/FORMAT.md" in sources["problem.py"]
