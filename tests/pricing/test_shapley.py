"""The sampled Shapley value: game by game, against the exact value of every coalition."""

from decimal import Decimal
from fractions import Fraction

import pytest

from pricing import Problem, generate_problem, solve
from pricing.shapley import shapley


@pytest.mark.parametrize(("seed", "items"), [(4, 2)])
def test_the_sampled_value_agrees_with_the_exact_one_within_its_standard_errors(seed, items):
    """Nine districts: every one of the 512 coalitions solved (the exact value, from a lowered threshold) against
    the value sampled game by game (only games of at most two buyers solved exactly)."""
    problem = generate_problem(districts=9, items=items, vendors=4, seed=seed)
    total = solve(problem, time_limit_s=20, mip_rel_gap=0.0, standalone=False).total_cost
    options = dict(permutations=30, seed=1, time_limit_s=20, mip_rel_gap=0.0)
    exact = shapley(problem, total, exact_max_districts=9, **options)
    sampled = shapley(problem, total, exact_max_districts=2, **options)
    assert exact.permutations is None and sampled.permutations >= 30
    assert sum(exact.costs.values()) == sum(sampled.costs.values()) == total
    assert set(sampled.costs) == {r.district for r in problem.demands}
    for d, cost in sampled.costs.items():
        error = Fraction(sampled.std_errors[d])
        assert error > 0
        assert abs(Fraction(cost) - Fraction(exact.costs[d])) <= 4 * error + Fraction(2, 100), d
    # What is short of the target is named, and only that.
    assert set(sampled.short) == {
        d for d in sampled.costs if sampled.std_errors[d] > Decimal("0.01") * sampled.costs[d]
    }


def test_no_sampled_value_when_a_coalition_cannot_buy_alone(document, offer):
    """Nine districts of 10 laptops and one vendor with a minimum award of 50: the pool buys, a small coalition
    cannot, so there is no cost game to share by."""
    districts = [f"D{k}" for k in range(1, 10)]
    doc = document(
        districts=[{"id": d, "region": "north"} for d in districts],
        demands=[{"district": d, "item": "laptop", "quantity": 10} for d in districts],
        offers=[offer("A", "V1", [(1, "100.00")], min_award_quantity=50)],
    )
    result = solve(Problem.from_dict(doc), shares="shapley", time_limit_s=20, mip_rel_gap=0.0)
    assert result.total_cost == Decimal("9000.00")  # 90 units at 100.00
    assert result.message.endswith(
        "; no Shapley value: a coalition cannot buy alone: laptop: the minimum award quantities of the offers "
        "serving it cannot be reached: A (50)"
    )
    assert all(s.shapley_cost is None for s in result.shares)
