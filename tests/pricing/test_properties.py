"""Properties over generated problems, and a brute-force check of the optimum."""

import dataclasses
import itertools
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from pricing import Problem, brackets, decompose, generate_problem, guard, model, solve
from pricing.costing import price_awards
from pricing.problem import DiscountBracket

FAST = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def offer_cost(offer, quantity):
    """Purchase cost written from the format's words, independently of pricing.costing."""
    if offer.pricing == "all_units":
        return (
            max((t for t in offer.tiers if t.min_quantity <= quantity), key=lambda t: t.min_quantity).unit_price
            * quantity
        )
    units = [None] * (quantity + 1)
    for t in offer.tiers:
        for n in range(t.min_quantity, quantity + 1):
            units[n] = t.unit_price
    return sum(units[1:], Decimal(0))


def total_of(problem, quantities):
    """Total cost of ownership of {(district, offer id): units}."""
    offers = {o.id: o for o in problem.offers}
    per_offer = {}
    for (_, ident), q in quantities.items():
        per_offer[ident] = per_offer.get(ident, 0) + q
    value = {}
    support = Decimal(0)
    for ident, q in per_offer.items():
        o = offers[ident]
        value[o.vendor] = value.get(o.vendor, Decimal(0)) + offer_cost(o, q)
        support += o.annual_cost_per_unit * q * problem.tco_years
    total = support
    for vendor in problem.vendors:
        v = value.get(vendor.id, Decimal(0))
        percent = max((b.percent for b in vendor.total_discounts if b.min_value <= v), default=Decimal(0))
        total += v - (v * percent / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return total


def broken_rules(problem, quantities):
    offers = {o.id: o for o in problem.offers}
    region = {d.id: d.region for d in problem.districts}
    broken = []
    per_offer, per_demand, vendors = {}, {}, {}
    for (district, ident), q in quantities.items():
        o = offers[ident]
        per_offer[ident] = per_offer.get(ident, 0) + q
        per_demand.setdefault((district, o.item), []).append(q)
        vendors.setdefault(o.item, set()).add(o.vendor)
        if o.regions is not None and region[district] not in o.regions:
            broken.append(f"{ident} outside its regions")
    for r in problem.demands:
        got = per_demand.get((r.district, r.item), [])
        if sum(got) != r.quantity or (not problem.rules.split_district_demand and len(got) != 1):
            broken.append(f"demand {r} not met whole")
    for ident, q in per_offer.items():
        o = offers[ident]
        if (o.capacity is not None and q > o.capacity) or q < o.min_award_quantity:
            broken.append(f"{ident} quantity {q} out of bounds")
    cap = problem.rules.max_vendors_per_item
    broken += [f"{item} has {len(v)} vendors" for item, v in vendors.items() if cap is not None and len(v) > cap]
    return broken


problems = st.builds(
    generate_problem,
    districts=st.integers(2, 6),
    items=st.integers(1, 3),
    vendors=st.integers(1, 4),
    seed=st.integers(0, 10_000),
    max_vendors_per_item=st.sampled_from([None, 1, 2]),
    split_district_demand=st.booleans(),
)


@FAST
@given(problems)
def test_solution_meets_every_demand_breaks_no_rule_and_adds_up(problem):
    result = solve(problem, time_limit_s=20, standalone=False)
    assert result.status == "optimal"
    quantities = {(a.district, a.offer): a.quantity for a in result.awards}
    assert broken_rules(problem, quantities) == []
    assert total_of(problem, quantities) == result.total_cost
    assert sum(s.pooled_cost for s in result.shares) == result.total_cost
    assert result.lower_bound <= result.total_cost


@FAST
@given(problems)
def test_pooling_never_costs_more_than_buying_alone(problem):
    # The union of the standalone solutions is a feasible pooled allocation
    # only without capacities (together they may exceed one) and without a
    # vendor cap (together they may use more vendors); minimum awards are
    # fine (a sum of awards at or above a minimum stays above it). Tiers only
    # get cheaper with quantity, incremental costs are concave and discount
    # percents grow with value, so the union costs at most the sum, up to a
    # rounding cent per vendor and district and the solver gap.
    problem = dataclasses.replace(
        problem,
        offers=tuple(dataclasses.replace(o, capacity=None) for o in problem.offers),
        rules=dataclasses.replace(problem.rules, max_vendors_per_item=None),
    )
    result = solve(problem, time_limit_s=20, mip_rel_gap=1e-9)
    alone = [s.standalone_cost for s in result.shares]
    assert None not in alone
    slack = Decimal("0.01") * len(problem.vendors) * len(alone)
    assert result.total_cost <= sum(alone) + slack


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), cap=st.sampled_from([None, 1]))
def test_optimum_matches_brute_force_on_tiny_problems(seed, cap):
    problem = generate_problem(districts=3, items=1, vendors=3, seed=seed, max_vendors_per_item=cap)
    offers_for = {
        r: [
            o.id
            for o in problem.offers
            if o.item == r.item
            and (o.regions is None or dict((d.id, d.region) for d in problem.districts)[r.district] in o.regions)
        ]
        for r in problem.demands
    }
    best = None
    for choice in itertools.product(*offers_for.values()):
        quantities = {}
        for r, ident in zip(offers_for, choice):
            quantities[(r.district, ident)] = r.quantity
        if not broken_rules(problem, quantities):
            cost = total_of(problem, quantities)
            best = cost if best is None else min(best, cost)
    result = solve(problem, time_limit_s=20, mip_rel_gap=0.0, standalone=False)
    assert result.total_cost == best


@FAST
@given(problems)
def test_independent_parts_add_up_to_the_whole_problem(problem):
    # Tiny problems are solved whole; force the split (and the bracket search
    # of coupled parts) and compare with the whole model's optimum.
    parts = decompose.independent_parts(problem, problem.demands)
    key = lambda r: (r.district, r.item)  # noqa: E731
    assert sorted((r for part in parts for r in part), key=key) == sorted(problem.demands, key=key)
    whole = solve(problem, time_limit_s=20, mip_rel_gap=0.0, standalone=False)
    saved = decompose.MIN_SPLIT_PAIRS
    decompose.MIN_SPLIT_PAIRS = 0
    try:
        split = solve(problem, time_limit_s=20, mip_rel_gap=0.0, standalone=False)
        parts = decompose.independent_parts(problem, problem.demands)
    finally:
        decompose.MIN_SPLIT_PAIRS = saved
    assert split.status == whole.status == "optimal"
    assert split.stats["model"]["parts"] == len(parts)
    # Equal optima; alternative optimal awards may round a discount a cent apart.
    assert abs(split.total_cost - whole.total_cost) <= Decimal("0.01") * len(problem.vendors)
    quantities = {(a.district, a.offer): a.quantity for a in split.awards}
    assert broken_rules(problem, quantities) == []
    assert split.lower_bound <= split.total_cost


def with_brackets(problem: Problem, low: float, high: float) -> Problem:
    """Every bidding vendor gets brackets at ``low`` and ``high`` of its offers' value at their first price."""
    demand = {}
    for r in problem.demands:
        demand[r.item] = demand.get(r.item, 0) + r.quantity
    potential = {}
    for o in problem.offers:
        potential[o.vendor] = potential.get(o.vendor, 0) + float(o.tiers[0].unit_price) * demand.get(o.item, 0)

    def money(x: float) -> Decimal:
        return Decimal(f"{max(x, 0.01):.2f}")

    vendors = tuple(
        dataclasses.replace(
            v,
            total_discounts=(
                DiscountBracket(money(low * potential[v.id]), Decimal("2")),
                DiscountBracket(money(high * potential[v.id]), Decimal("6")),
            ),
        )
        if potential.get(v.id)
        else v
        for v in problem.vendors
    )
    return dataclasses.replace(problem, vendors=vendors)


coupled = st.builds(
    lambda seed, districts, items, vendors, low, cap, split: with_brackets(
        generate_problem(
            districts=districts,
            items=items,
            vendors=vendors,
            seed=seed,
            max_vendors_per_item=cap,
            split_district_demand=split,
        ),
        low,
        2 * low,
    ),
    seed=st.integers(0, 10_000),
    districts=st.integers(2, 6),
    items=st.integers(2, 4),
    vendors=st.integers(2, 4),
    low=st.sampled_from([0.1, 0.2, 0.35]),
    cap=st.sampled_from([None, 1, 2]),
    split=st.booleans(),
)


# A few districts and items are proven optimal in well under a second; the limit is room for a loaded machine (at
# load 10 a 20 s limit once ended a search "feasible"), not a budget the test relies on.
SMALL_PROBLEM_LIMIT_S = 120


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(coupled)
# Once a region's relaxation bounded this part short of its optimum and the solve stopped there, in half a second,
# saying "time limit reached": the whole box around the boxes left is HiGHS's then.
@example(with_brackets(generate_problem(districts=5, items=4, vendors=4, seed=240), 0.35, 0.7))
def test_search_bounds_hold_and_solve_matches_the_whole_model(problem):
    whole_model = model.build_model(problem)
    assume(whole_model.bracket_vars and len(whole_model.items) > 1)
    (whole,) = guard.run_guarded([whole_model.arrays], time_limit_s=SMALL_PROBLEM_LIMIT_S, mip_rel_gap=0.0)
    assert whole.status == 0
    optimum = price_awards(problem, whole_model.awards(whole.x))[1]
    found = brackets.search(problem, whole_model, time_limit_s=SMALL_PROBLEM_LIMIT_S, mip_rel_gap=0.0)
    slack = Decimal("0.01") * len(problem.vendors)  # the model's discounts are not rounded to the cent
    assert found.units is not None
    assert not broken_rules(problem, {(d, problem.offers[k].id): q for (d, _, k), q in found.units.items()})
    assert Decimal(f"{found.cost:.2f}") >= optimum - slack
    assert found.bound is None or Decimal(f"{found.bound:.2f}") <= optimum + slack

    saved = decompose.MIN_SPLIT_PAIRS
    decompose.MIN_SPLIT_PAIRS = 0
    try:
        split = solve(problem, time_limit_s=SMALL_PROBLEM_LIMIT_S, mip_rel_gap=0.0, standalone=False)
    finally:
        decompose.MIN_SPLIT_PAIRS = saved
    assert split.status == "optimal"
    assert abs(split.total_cost - optimum) <= slack
    assert split.lower_bound <= split.total_cost


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000), low=st.sampled_from([0.1, 0.25, 0.4]))
def test_search_optimum_matches_brute_force_on_two_items(seed, low):
    problem = with_brackets(generate_problem(districts=3, items=2, vendors=2, seed=seed), low, 2 * low)
    region = {d.id: d.region for d in problem.districts}
    offers_for = {
        r: [o.id for o in problem.offers if o.item == r.item and (o.regions is None or region[r.district] in o.regions)]
        for r in problem.demands
    }
    best = None
    for choice in itertools.product(*offers_for.values()):
        quantities = {(r.district, ident): r.quantity for r, ident in zip(offers_for, choice)}
        if not broken_rules(problem, quantities):
            cost = total_of(problem, quantities)
            best = cost if best is None else min(best, cost)
    saved = decompose.MIN_SPLIT_PAIRS
    decompose.MIN_SPLIT_PAIRS = 0
    try:
        result = solve(problem, time_limit_s=20, mip_rel_gap=0.0, standalone=False)
    finally:
        decompose.MIN_SPLIT_PAIRS = saved
    assert result.status == "optimal"
    assert result.total_cost == best


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(coupled, st.sampled_from([1, 2]))
def test_bracket_fixing_side_by_side_and_warm_started_keeps_the_optimum(problem, copies):
    m = model.build_model(problem)
    assume(m.bracket_vars and len(m.items) > 1)
    (whole,) = guard.run_guarded([m.arrays], time_limit_s=20, mip_rel_gap=0.0)
    assert whole.status == 0
    # The optimum's brackets, and an incumbent a little above it: no range holding them may be dropped.
    at = {v: int(np.argmax([whole.x[c] for c in cols])) for v, cols in m.bracket_vars.items()}
    incumbent = whole.objective + 1.0
    ranges = {v: (0, len(cols) - 1) for v, cols in m.bracket_vars.items()}
    boxes = [dict(ranges), {v: (k, k) for v, k in at.items()}]
    saved = brackets.LP_THREADS
    brackets.LP_THREADS = copies  # LP copies probing side by side (threads)
    try:
        cold = brackets.lp_bounds(m.arrays, m.bracket_vars, ranges, incumbent, boxes, True, time_limit_s=20)
        warm = brackets.lp_bounds(m.arrays, m.bracket_vars, ranges, incumbent, boxes, True, cold.basis, time_limit_s=20)
    finally:
        brackets.LP_THREADS = saved
    assert cold.basis is not None
    for got in (cold, warm):
        assert all(lo <= at[v] <= hi for v, (lo, hi) in got.ranges.items())
        assert got.region_bound <= whole.objective + 1e-6 * abs(whole.objective) + 0.005
        assert got.dropped_bound > incumbent
        assert all(b is not None and b <= whole.objective + 1e-6 * abs(whole.objective) + 0.005 for b in got.box_bounds)
    assert warm.ranges == cold.ranges
    assert warm.region_bound == pytest.approx(cold.region_bound, rel=1e-9, abs=1e-6)


@FAST
@given(coupled)
def test_the_grouped_relaxation_has_the_whole_models_lp_bound_or_a_tighter_valid_one(problem):
    whole = model.build_model(problem)
    small = model.relaxation_model(problem, problem.demands)
    assert small.items == whole.items and set(small.bracket_vars) == set(whole.bracket_vars)
    assert small.arrays.c.size <= whole.arrays.c.size
    lp_whole, lp_small = (
        lp.objective
        for lp in guard.run_guarded([whole.arrays, small.arrays], time_limit_s=20, mip_rel_gap=0.0, relax=True)
    )
    (optimum,) = guard.run_guarded([whole.arrays], time_limit_s=20, mip_rel_gap=0.0)
    tolerance = 1e-7 * abs(optimum.objective) + 1e-6
    # Grouping interchangeable demands changes nothing in the LP; a capacity on the vendor-cap rows may tighten it.
    if problem.rules.max_vendors_per_item is None:
        assert lp_small == pytest.approx(lp_whole, rel=1e-7, abs=1e-6)
    assert lp_whole - tolerance <= lp_small <= optimum.objective + tolerance
