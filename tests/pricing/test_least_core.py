"""The least core's cheap cuts: coalitions next to known ones, with purchases that obey every rule."""

import time
from decimal import Decimal
from types import SimpleNamespace

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import pricing.least_core as least_core_module
from pricing import Problem, generate_problem, solve
from pricing.costing import price_awards, rule_violations
from pricing.neighbours import cheaper_purchases, neighbour_cuts, purchase_cost
from pricing.shares import coalition_costs, core_search

small = st.builds(
    generate_problem,
    districts=st.integers(4, 7),
    items=st.integers(1, 3),
    vendors=st.integers(1, 4),
    seed=st.integers(0, 10_000),
    max_vendors_per_item=st.sampled_from([None, 1]),
    split_district_demand=st.booleans(),
)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small)
def test_neighbour_cuts_are_real_purchases_of_coalitions_that_gain(problem):
    result = solve(problem, time_limit_s=20, mip_rel_gap=0.0, standalone=False)
    # Shares that favour the first district: the others, together, tend to gain by leaving.
    shares = {s.district: s.pooled_cost for s in result.shares}
    first = min(shares)
    moved = min(shares[first], Decimal("0.30") * shares[first])
    shares[first] -= moved
    others = sorted(d for d in shares if d != first)
    for d in others:
        shares[d] += moved / len(others)
    shares = {d: v.quantize(Decimal("0.01")) for d, v in shares.items()}
    _, cuts = core_search(problem, shares, time_limit_s=20, mip_rel_gap=0.0, above=Decimal(0))
    for cut in cuts:
        # The MILP's purchases are priced the same way by both.
        assert purchase_cost(problem, _quantities(cut.units)) == price_awards(problem, cut.units)[1] == cut.own_cost
    near = neighbour_cuts(problem, shares, [(c.members, c.units) for c in cuts], Decimal(0))
    if not near:
        return
    own = coalition_costs(problem, [m for m, _, _ in near], time_limit_s=20, mip_rel_gap=0.0, label="test")
    known = {c.members for c in cuts}
    for members, cost, units in near:
        demands = tuple(r for r in problem.demands if r.district in members)
        assert members not in known
        assert rule_violations(problem, units, demands) == []
        assert cost == price_awards(problem, units)[1]
        # A cut: the members' shares exceed a real purchase of theirs, so they gain at least that by leaving.
        assert own[members].cost is not None and own[members].cost <= cost
        assert sum(shares[d] for d in members) - cost > 0


def _quantities(units):
    quantity = {}
    for (_, _, k), q in units.items():
        quantity[k] = quantity.get(k, 0) + q
    return quantity


def test_an_exchange_of_two_districts_fills_a_capacity_no_single_move_can(document, offer):
    # A holds 28 laptops at 10.00, B any number at 12.00. Bought with D1 (10) on A and D2 (20), D3 (25) on B,
    # neither D2 nor D3 fits on A beside D1: exchanging D1 and D3 fills A with 25, the coalition's cheapest.
    doc = document(
        tco_years=0,
        districts=[{"id": d, "region": "north"} for d in ("D1", "D2", "D3")],
        demands=[{"district": d, "item": "laptop", "quantity": q} for d, q in (("D1", 10), ("D2", 20), ("D3", 25))],
        offers=[offer("A", "V1", [(1, "10.00")], capacity=28), offer("B", "V2", [(1, "12.00")])],
        vendors=[{"id": "V1"}, {"id": "V2"}],
    )
    problem = Problem.from_dict(doc)
    everyone = frozenset(["D1", "D2", "D3"])
    known = {("D1", "laptop", 0): 10, ("D2", "laptop", 1): 20, ("D3", "laptop", 1): 25}
    assert price_awards(problem, known)[1] == Decimal("640.00")
    shares = dict.fromkeys(everyone, Decimal("200.00"))
    [(members, cost, units)] = cheaper_purchases(problem, shares, [(everyone, known)])
    assert members == everyone
    assert cost == price_awards(problem, units)[1] == Decimal("610.00")
    assert units == {("D3", "laptop", 0): 25, ("D1", "laptop", 1): 10, ("D2", "laptop", 1): 20}
    assert rule_violations(problem, units, problem.demands) == []
    own = coalition_costs(problem, [everyone], time_limit_s=20, mip_rel_gap=0.0, label="test")
    assert own[everyone].cost == cost
    # Past its deadline (the least core's time limit) the improvement does not start.
    assert cheaper_purchases(problem, shares, [(everyone, known)], deadline=0.0) == []


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small)
# Each has cheaper purchases: the vendor cap and whole demands, then split demands.
@example(generate_problem(districts=4, items=3, vendors=4, seed=3, max_vendors_per_item=1))
@example(generate_problem(districts=6, items=3, vendors=3, seed=26, max_vendors_per_item=1, split_district_demand=True))
def test_cheaper_purchases_are_real_purchases_of_the_same_coalitions(problem):
    result = solve(problem, time_limit_s=20, mip_rel_gap=0.0, standalone=False)
    shares = {s.district: s.pooled_cost for s in result.shares}
    offer_index = {o.id: k for k, o in enumerate(problem.offers)}
    pooled: dict = {}
    for a in result.awards:
        key = (a.district, a.item, offer_index[a.offer])
        pooled[key] = pooled.get(key, 0) + a.quantity
    # The pool's purchase without one district: a purchase of the others, seldom their cheapest.
    known = {}
    for d in shares:
        members = frozenset(shares) - {d}
        units = {key: q for key, q in pooled.items() if key[0] != d}
        if rule_violations(problem, units, tuple(r for r in problem.demands if r.district in members)) == []:
            known[members] = units
    cheaper = cheaper_purchases(problem, shares, list(known.items()))
    own = coalition_costs(problem, [m for m, _, _ in cheaper], time_limit_s=20, mip_rel_gap=0.0, label="test")
    for members, cost, units in cheaper:
        demands = tuple(r for r in problem.demands if r.district in members)
        assert rule_violations(problem, units, demands) == []
        assert cost == price_awards(problem, units)[1] < price_awards(problem, known[members])[1]
        assert own[members].cost is not None and own[members].cost <= cost


def test_when_the_time_limit_ends_the_generation_the_reported_gain_is_a_coalition_s_at_the_shares_reported(
    monkeypatch,
):
    """20 districts: round 1's coalition MILP finds a coalition gaining over 10,000 at its shares, round 2's
    neighbour search finds more at round 2's. The clock passes the time limit in round 2: the gain reported is
    what the coalition it names gains at the shares returned, not what round 1's coalition gained at round 1's."""
    problem = generate_problem(districts=20, items=3, vendors=5, seed=1)
    real_clock = time.perf_counter
    late = {"s": 0.0, "searches": 0}
    search = least_core_module.neighbour_cuts

    def searched_then_late(*args, **kwargs):
        found = search(*args, **kwargs)
        late["searches"] += 1
        if late["searches"] == 2:
            late["s"] = 3600.0  # an hour passes in round 2's neighbour search
        return found

    monkeypatch.setattr(least_core_module, "neighbour_cuts", searched_then_late)
    monkeypatch.setattr(least_core_module, "time", SimpleNamespace(perf_counter=lambda: real_clock() + late["s"]))
    result = solve(problem, shares="least_core", time_limit_s=600, mip_rel_gap=0.0)
    summary, core = result.least_core, result.core
    assert (summary.iterations, summary.proven) == (2, False)
    assert summary.message.startswith("the time limit ended the search after 2 rounds: a coalition still gains")
    assert core.blocked and summary.epsilon == core.gain > 0
    shares = {s.district: s.least_core_cost for s in result.shares}
    (own,) = coalition_costs(
        problem, [frozenset(core.coalition)], time_limit_s=60, mip_rel_gap=0.0, label="test"
    ).values()
    assert sum(shares[d] for d in core.coalition) - own.cost >= core.gain
