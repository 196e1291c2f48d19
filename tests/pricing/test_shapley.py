"""The sampled Shapley value: game by game, against the exact value of every coalition."""

import itertools
import time
from decimal import Decimal
from fractions import Fraction
from types import SimpleNamespace

import numpy as np
import pytest

import pricing.shapley as shapley_module
from pricing import Problem, generate_problem, solve
from pricing.problem import Demand
from pricing.shapley import ControlGame, _block_mean, _breaks, _exact_value, _Game, _marginals, shapley


@pytest.mark.parametrize(("seed", "items"), [(4, 2)])
def test_the_sampled_value_agrees_with_the_exact_one_within_its_standard_errors(seed, items):
    """Nine districts: every one of the 512 coalitions solved (the exact value, from a lowered threshold) against
    the value sampled game by game (only games of at most two buyers solved exactly)."""
    problem = generate_problem(districts=9, items=items, vendors=4, seed=seed)
    total = solve(problem, time_limit_s=20, mip_rel_gap=0.0, standalone=False).total_cost
    # No time limit: the sampling takes its 30 orders however loaded the machine is (a limit of 20 s ended it at
    # 8 orders on a machine at load 10), and nine districts' coalitions are solved in moments each.
    options = dict(permutations=30, seed=1, time_limit_s=None, mip_rel_gap=0.0)
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


def _tiered_game(quantities: dict[str, int], cost) -> _Game:
    """A game of one item whose coalition costs are ``cost(total quantity)`` plus 7.00 a unit, every one solved."""
    demands = tuple(Demand(d, "I", q) for d, q in quantities.items())
    game = _Game(
        demands,
        tuple(sorted(quantities)),
        False,
        {d: (("I", "north", q),) for d, q in quantities.items()},
        False,
        breaks={"I": (10, 16)},
        list_price={"I": 7.0},
    )
    for size in range(len(quantities) + 1):
        for members in itertools.combinations(game.buyers, size):
            total = sum(quantities[d] for d in members)
            game.costs[game.key(members)] = Fraction(7 * total) + cost(total)
    return game


def test_a_block_of_a_game_the_control_follows_gives_the_exact_value_whatever_its_order():
    """Nine districts buying 1-5 units at 7.00, with 20.00 off from 10 units on and 1.50 off each unit past 16:
    the control game (a step and a kink at the tier breaks) fits the costs exactly, so every block's estimate
    is the exact Shapley value, and the control's own value is the exact value less the 7.00 a unit."""
    rng = np.random.default_rng(3)
    quantities = {f"D{k}": int(q) for k, q in enumerate(rng.integers(1, 6, size=9))}
    game = _tiered_game(quantities, lambda q: Fraction(-20) * (q >= 10) - Fraction(3, 2) * max(0, q - 16))
    exact = _exact_value(game)
    game.record([[game.buyers[j] for j in rng.permutation(9)] for _ in range(12)])
    control = ControlGame.fit(game)
    assert control is not None
    for d, value, own in zip(game.buyers, exact, control.value):
        assert own == pytest.approx(float(value) - 7 * quantities[d], abs=1e-9)
    for _ in range(5):
        order = [game.buyers[j] for j in rng.permutation(9)]
        assert [float(v) for v in _block_mean(game, [order])] == pytest.approx([float(v) for v in exact], abs=1e-9)
    # Without the control a single order is far off for some district (the 20.00 goes to whoever crosses 10).
    raw = _marginals(game, [order])
    assert max(abs(float(r - v)) for r, v in zip(raw, exact)) > 5


def test_no_control_from_fewer_coalitions_than_it_needs():
    """A fit on fewer distinct coalitions than twice its coefficients would follow their noise: none is made,
    and the block's estimate is its plain mean marginal cost."""
    rng = np.random.default_rng(4)
    quantities = {f"D{k}": int(q) for k, q in enumerate(rng.integers(1, 6, size=9))}
    game = _tiered_game(quantities, lambda q: Fraction(-20) * (q >= 10))
    game.record([[game.buyers[j] for j in rng.permutation(9)]])
    assert ControlGame.fit(game) is None
    order = [game.buyers[j] for j in rng.permutation(9)]
    assert _block_mean(game, [order]) == _marginals(game, [order])


def test_the_control_bends_at_tier_breaks_and_where_the_rest_past_a_capacity_reaches_one(document, offer):
    """A capped offer (60 units, cheaper from 40) and an open one (cheaper from 50 and 500, a minimum award of 10):
    past the 60 the capped offer takes, the rest reaches the open one's minimum at 70 and its break at 110 (the
    capacity plus every break: also 100 and 120); breaks above the 120 bought are none of the game's."""
    doc = document(
        offers=[
            offer("A", "V1", [(1, "100.00"), (40, "95.00")], capacity=60),
            offer("B", "V2", [(1, "101.00"), (50, "97.00"), (500, "90.00")], min_award_quantity=10),
        ],
        vendors=[{"id": "V1"}, {"id": "V2"}],
    )
    assert _breaks(Problem.from_dict(doc), "laptop", 120) == (10, 40, 50, 60, 70, 100, 110, 120)


def test_sampling_stops_at_the_time_limit_and_names_the_districts_without_a_standard_error(
    document, offer, monkeypatch
):
    """Four districts buying laptops and tablets from a vendor whose 5 % discount both items together reach: one
    coupled game of single orders. The clock passes the time limit as the first order is solved: sampling stops
    there (no second order past the limit), every district has an estimate, none a standard error, and all are
    named."""
    districts = [f"D{k}" for k in range(1, 5)]
    doc = document(
        items=[{"id": "laptop"}, {"id": "tablet"}],
        districts=[{"id": d, "region": "north"} for d in districts],
        demands=[
            {"district": d, "item": item, "quantity": q}
            for d, q in zip(districts, (10, 20, 30, 40))
            for item in ("laptop", "tablet")
        ],
        offers=[
            offer("L", "V1", [(1, "100.00"), (50, "95.00")]),
            {**offer("T", "V1", [(1, "50.00")]), "item": "tablet"},
            offer("CL", "V2", [(1, "104.00")]),
            {**offer("CT", "V2", [(1, "52.00")]), "item": "tablet"},
        ],
        vendors=[{"id": "V1", "total_discounts": [{"min_value": "4000.00", "percent": "5"}]}, {"id": "V2"}],
    )
    problem = Problem.from_dict(doc)
    total = solve(problem, time_limit_s=20, mip_rel_gap=0.0, standalone=False).total_cost
    real_clock = time.perf_counter
    late = {"s": 0.0}
    solve_missing = shapley_module._solve_missing

    def solved_then_late(*args, **kwargs):
        solve_missing(*args, **kwargs)
        late["s"] = 3600.0  # an hour passes while the first order is solved

    monkeypatch.setattr(shapley_module, "_solve_missing", solved_then_late)
    monkeypatch.setattr(shapley_module, "time", SimpleNamespace(perf_counter=lambda: real_clock() + late["s"]))
    estimate = shapley(problem, total, permutations=30, seed=1, time_limit_s=60, mip_rel_gap=0.0, exact_max_districts=2)
    assert estimate.permutations == 1  # one order of the coupled game, and no second past the limit
    assert sum(estimate.costs.values()) == total
    assert estimate.std_errors == dict.fromkeys(districts)
    assert estimate.short == tuple(districts)
    assert "standard errors above 1% of the share when the time limit ended for D1, D2, D3, D4" in estimate.shortfall
