"""The least core's cheap cuts: coalitions next to known ones, with purchases that obey every rule."""

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pricing import generate_problem, solve
from pricing.costing import price_awards, rule_violations
from pricing.neighbours import neighbour_cuts, purchase_cost
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
