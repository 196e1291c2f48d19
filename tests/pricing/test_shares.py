"""The sharing rules: capped equal price (the default), least core, and their guarantees."""

import itertools
import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from pricing import Problem, generate_problem, solve
from pricing.shares import coalition_costs, coalition_tolerance, core_check


def three_districts(document, offer):
    """The three-district example of pricing/FORMAT.md ("Sharing rules").

    A serves everyone at 100.00, or 90.00 a unit from 100 units on; B serves
    only the north, at 88.00. D1 (north, 60 laptops) buys from B alone for
    5,280.00; D2 (30) and D3 (20) can only buy from A, at 100.00 alone. The
    pool buys all 110 from A at 90.00: 9,900.00.
    """
    return document(
        tco_years=0,
        districts=[{"id": "D1", "region": "north"}, {"id": "D2", "region": "south"}, {"id": "D3", "region": "south"}],
        demands=[
            {"district": "D1", "item": "laptop", "quantity": 60},
            {"district": "D2", "item": "laptop", "quantity": 30},
            {"district": "D3", "item": "laptop", "quantity": 20},
        ],
        offers=[offer("A", "V1", [(1, "100.00"), (100, "90.00")]), offer("B", "V2", [(1, "88.00")], regions=["north"])],
        vendors=[{"id": "V1"}, {"id": "V2"}],
    )


def run(doc, **options):
    return solve(Problem.from_dict(doc), time_limit_s=20, mip_rel_gap=0.0, **options)


def column(result, name):
    return {s.district: getattr(s, name) for s in result.shares}


def test_equal_price_leaves_a_district_above_its_standalone_cost(document, offer):
    result = run(three_districts(document, offer), shares="equal_price")
    assert result.total_cost == Decimal("9900.00")
    assert column(result, "pooled_cost") == {
        "D1": Decimal("5400.00"),
        "D2": Decimal("2700.00"),
        "D3": Decimal("1800.00"),
    }
    assert column(result, "standalone_cost") == {
        "D1": Decimal("5280.00"),
        "D2": Decimal("3000.00"),
        "D3": Decimal("2000.00"),
    }
    assert result.worse_off == ("D1",)


def test_the_default_rule_caps_each_district_at_its_standalone_cost(document, offer):
    result = run(three_districts(document, offer), core=True)
    assert result.rules == ("capped_equal_price", "equal_price")
    # D1 pays 5,280.00 (120.00 off); D2 saves 300.00 and D3 200.00, so they carry 72.00 and 48.00.
    assert column(result, "capped_cost") == {
        "D1": Decimal("5280.00"),
        "D2": Decimal("2772.00"),
        "D3": Decimal("1848.00"),
    }
    assert result.worse_off == ()
    assert not result.core.blocked
    doc = result.to_dict()
    assert doc["shares"][0] == {
        "district": "D1",
        "pooled_cost": "5400.00",
        "standalone_cost": "5280.00",
        "savings": "-120.00",
        "capped_cost": "5280.00",
    }


def test_the_capped_rule_says_why_when_the_pool_costs_more_than_buying_apart(one_vendor_per_item):
    result = run(one_vendor_per_item)
    assert result.total_cost == Decimal("1166.00")
    assert result.message == (
        "optimal within a relative gap of 0; no shares keep every district at or below its standalone cost: "
        "the pooled total 1166.00 exceeds the sum of the standalone costs 1100.00 by 66.00 (capacities, "
        "minimum awards or the vendor cap make buying together dearer than buying apart)"
    )
    assert column(result, "capped_cost") == {"D1": None, "D2": None}
    assert result.worse_off == ("D1", "D2")  # judged on the equal price, which the result falls back to


def test_the_default_without_standalone_costs_is_the_equal_price(document):
    result = run(document(), standalone=False)
    assert result.rules == ("equal_price",)
    with pytest.raises(ValueError, match="^shares: 'capped_equal_price' needs standalone costs"):
        run(document(), shares="capped_equal_price", standalone=False)


def test_least_core_fixes_the_worked_example_changing_equal_price_as_little_as_possible(document, offer):
    result = run(three_districts(document, offer), shares="least_core")
    assert result.rules == ("least_core", "equal_price")
    # The core shares nearest (5400, 2700, 1800): D1 down to 5,280.00, the 120.00 split evenly.
    assert column(result, "least_core_cost") == {
        "D1": Decimal("5280.00"),
        "D2": Decimal("2760.00"),
        "D3": Decimal("1860.00"),
    }
    lc = result.least_core
    assert (lc.epsilon, lc.epsilon_lower_bound) == (Decimal("0.00"), Decimal("0.00"))
    assert lc.binding == (("D1",),)
    assert lc.iterations >= 1
    # The certificate: no coalition gains more than the tolerance, a cent here.
    assert lc.message == (
        "in the core: no coalition of districts found would gain by leaving the pool; certified: no coalition gains "
        "more than 0.01"
    )
    assert result.worse_off == ()
    assert result.core is not None and not result.core.blocked and result.core.gain_bound == Decimal("0.01")


def empty_core(document, offer):
    """Any two districts buy 20 units from A at 5.00 (100.00), as cheap as one alone at 10.00; A holds
    only 20 units, so the third district of three pays the catalog's 10.00: 200.00 in all. Shares
    with every pair at most 100.00 would add up to at most 150.00: the core is empty."""
    return document(
        tco_years=0,
        districts=[{"id": f"D{k}", "region": "north"} for k in (1, 2, 3)],
        demands=[{"district": f"D{k}", "item": "laptop", "quantity": 10} for k in (1, 2, 3)],
        offers=[offer("A", "V1", [(1, "10.00"), (20, "5.00")], capacity=20), offer("B", "V2", [(1, "10.00")])],
        vendors=[{"id": "V1"}, {"id": "V2"}],
    )


def test_least_core_of_an_empty_core_shares_the_unavoidable_gain(document, offer):
    result = run(empty_core(document, offer), shares="least_core")
    assert result.total_cost == Decimal("200.00")
    assert column(result, "least_core_cost") == {"D1": Decimal("66.67"), "D2": Decimal("66.67"), "D3": Decimal("66.66")}
    lc = result.least_core
    # Exactly 33.33 1/3; the cent of rounding goes to D1 and D2, whose pair then gains 33.34.
    assert (lc.epsilon, lc.epsilon_lower_bound) == (Decimal("33.34"), Decimal("33.33"))
    assert lc.binding == (("D1", "D2"), ("D1", "D3"), ("D2", "D3"))
    assert lc.message == (
        "the core is empty: some coalition can always gain by leaving; these shares hold the largest gain "
        "to 33.34 (no shares can hold it below 33.33); certified: no coalition gains more than 33.34"
    )
    assert result.core.blocked and result.core.coalition == ("D1", "D2") and result.core.gain == Decimal("33.34")


def test_the_core_checks_bound_is_never_below_the_gain_it_found():
    # The coalition model takes each vendor's discount unrounded; the purchase found is priced as it would be
    # invoiced, each vendor's discount rounded half up to the cent. Here the model's best gain is 3,066.673 and
    # the purchase's real gain 3,066.68: a bound of 3,066.67 would say no coalition gains what this one does.
    problem = generate_problem(districts=8, items=3, vendors=4, seed=5)
    shapley_shares = {  # the problem's Shapley shares: solve(problem, shares="shapley")
        "D001": "43826.41",
        "D002": "8012.50",
        "D003": "95773.69",
        "D004": "200354.24",
        "D005": "414932.57",
        "D006": "153197.92",
        "D007": "84656.28",
        "D008": "51752.92",
    }
    check = core_check(
        problem, {d: Decimal(cost) for d, cost in shapley_shares.items()}, time_limit_s=30, mip_rel_gap=1e-6
    )
    assert check.blocked and check.gain == Decimal("3066.68")
    assert check.gain_bound is not None and check.gain <= check.gain_bound


@pytest.mark.parametrize("rule", ["capped_equal_price", "least_core", "equal_price", "proportional", "shapley"])
def test_the_core_check_judges_the_reported_rule(document, offer, rule):
    result = run(empty_core(document, offer), shares=rule, core=True)
    column_of = {
        "capped_equal_price": "capped_cost",
        "least_core": "least_core_cost",
        "equal_price": "pooled_cost",
        "proportional": "proportional_cost",
        "shapley": "shapley_cost",
    }
    shares = column(result, column_of[rule])
    # Every one district alone and every two together pay 100.00.
    gains = {
        s: sum(shares[d] for d in s) - Decimal("100.00")
        for size in (1, 2)
        for s in itertools.combinations(sorted(shares), size)
    }
    best = max(gains.values())
    assert best > 0  # the core is empty: every rule leaves some coalition a gain
    assert result.core.blocked
    assert result.core.gain == best == gains[result.core.coalition]
    assert result.core.message == (
        f"districts {', '.join(result.core.coalition)} would pay {best} less together by leaving the pool"
    )


def test_least_core_from_the_command_line(document, offer, tmp_path):
    import json
    import subprocess
    import sys

    path = tmp_path / "p.json"
    path.write_text(json.dumps(three_districts(document, offer)))
    run_ = subprocess.run(
        [sys.executable, "-m", "pricing", "solve", str(path), "--shares", "least_core", "--quiet"],
        capture_output=True,
        text=True,
        check=True,
    )
    out = json.loads(run_.stdout)
    assert [s["least_core_cost"] for s in out["shares"]] == ["5280.00", "2760.00", "1860.00"]
    assert out["least_core"]["epsilon"] == "0.00"
    assert out["least_core"]["binding"] == [["D1"]]
    assert out["core"]["blocked"] is False


# Properties over generated problems.

small = st.builds(
    generate_problem,
    districts=st.integers(3, 6),
    items=st.integers(1, 2),
    vendors=st.integers(1, 3),
    seed=st.integers(0, 10_000),
    max_vendors_per_item=st.sampled_from([None, 1]),
)
FEW = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def every_coalition_cost(problem, total):
    districts = sorted({r.district for r in problem.demands})
    proper = [frozenset(c) for size in range(1, len(districts)) for c in itertools.combinations(districts, size)]
    costs = coalition_costs(problem, proper, time_limit_s=20, mip_rel_gap=0.0, label="test")
    return districts, {s: c.cost for s, c in costs.items() if c.cost is not None}


def largest_gain(shares, costs):
    return max([Decimal(0)] + [sum(shares[d] for d in s) - c for s, c in costs.items()])


def brute_force_least_core_epsilon(districts, costs, total, standalone):
    """min eps >= 0 over shares x >= 0 summing to total with x(S) - C(S) <= eps for every S, x_i <= alone_i."""
    n = len(districts)
    rows, rhs = [], []
    for s, c in costs.items():
        rows.append([1.0 if d in s else 0.0 for d in districts] + [-1.0])
        rhs.append(float(c))
    known = [c for c in standalone.values() if c is not None]
    capped = len(known) < n or sum(known) >= total  # shares within every standalone cost exist
    bounds = [(0, float(standalone[d]) if capped and standalone[d] is not None else None) for d in districts]
    res = linprog(
        np.r_[np.zeros(n), 1.0],
        A_ub=np.array(rows) if rows else None,
        b_ub=rhs or None,
        A_eq=np.array([[1.0] * n + [0.0]]),
        b_eq=[float(total)],
        bounds=bounds + [(0, None)],
        method="highs",
    )
    assert res.status == 0
    return res.fun


@FEW
@given(small)
def test_capped_rule_adds_up_and_never_leaves_a_district_above_alone_when_possible(problem):
    result = solve(problem, time_limit_s=20, mip_rel_gap=0.0)
    alone = column(result, "standalone_cost")
    capped = column(result, "capped_cost")
    if None in alone.values() or sum(alone.values()) < result.total_cost:
        return
    assert sum(capped.values()) == result.total_cost
    assert all(capped[d] <= alone[d] for d in capped)
    assert result.worse_off == ()


@FEW
@given(small)
# Once a nearest-shares slack of a cent and rounding to the nearest cent let a pair gain 4 cents over eps.
@example(generate_problem(districts=6, items=1, vendors=2, seed=596, max_vendors_per_item=1))
@example(generate_problem(districts=5, items=2, vendors=1, seed=490))  # stops within its tolerance
@example(generate_problem(districts=6, items=2, vendors=3, seed=3233))  # a bound with the margin for rounded discounts
@example(
    generate_problem(districts=6, items=2, vendors=3, seed=5085, max_vendors_per_item=1)
)  # equal price above alone
def test_least_core_agrees_with_brute_force_and_beats_the_equal_price(problem):
    result = solve(problem, time_limit_s=20, mip_rel_gap=0.0, shares="least_core")
    lc = result.least_core
    shares = column(result, "least_core_cost")
    assert sum(shares.values()) == result.total_cost
    districts, costs = every_coalition_cost(problem, result.total_cost)
    alone = {d: costs.get(frozenset([d])) for d in districts}
    eps = brute_force_least_core_epsilon(districts, costs, result.total_cost, alone)
    tolerance = float(coalition_tolerance(result.total_cost))
    # The rule's own certificate: its lower bound is a lower bound, to the cent, and the generation stops
    # within its tolerance of the brute force's optimum.
    assert eps - tolerance - 0.005 - 1e-6 <= float(lc.epsilon_lower_bound) <= eps + 0.005 + 1e-6
    # The gain it reports is a coalition's true gain at its shares, and no coalition gains more than that plus the
    # tolerance; the largest is at most a rounding cent per district over eps, plus the tolerance.
    # The certificate: no coalition gains more than the proven bound, which is the least-core value plus the
    # tolerance (to the cent); the gain reported is a coalition's true gain at the shares.
    largest = largest_gain(shares, costs)
    assert lc.proven
    assert lc.epsilon <= largest <= result.core.gain_bound
    # The bound takes half a cent per vendor with discounts for their rounding (pricing/FORMAT.md), and the lower
    # bound is the least-core value rounded to the cent.
    rounding_margin = Decimal("0.005") * sum(1 for vendor in problem.vendors if vendor.total_discounts)
    tolerance_cents = coalition_tolerance(result.total_cost)
    assert result.core.gain_bound <= lc.epsilon_lower_bound + tolerance_cents + rounding_margin + Decimal("0.01")
    assert float(largest) <= eps + tolerance + 0.01 * len(districts)
    # The equal price is among the shares the least core chooses from only when it leaves no district above its
    # standalone cost, or when no shares can: then the least core holds the largest gain no higher. (Where it
    # leaves one above, the least core's cap can cost stability: seed 5085 below, 1,092.43 against 1,042.98.)
    pooled = column(result, "pooled_cost")
    known = [c for c in alone.values() if c is not None]
    capped = len(known) < len(districts) or sum(known) >= result.total_cost
    if not capped or all(alone[d] is None or pooled[d] <= alone[d] for d in districts):
        assert lc.epsilon <= largest_gain(pooled, costs)


def two_kinds(document, offer):
    """Ten districts: five in the north wanting 10 laptops, five in the south wanting 20; A serves everyone
    at 100.00, 90.00 from 60 units, 80.00 from 120; B serves the north only at 85.00."""
    north = [f"N{k}" for k in range(5)]
    south = [f"S{k}" for k in range(5)]
    return document(
        tco_years=0,
        districts=[{"id": d, "region": "north"} for d in north] + [{"id": d, "region": "south"} for d in south],
        demands=[{"district": d, "item": "laptop", "quantity": 10} for d in north]
        + [{"district": d, "item": "laptop", "quantity": 20} for d in south],
        offers=[
            offer("A", "V1", [(1, "100.00"), (60, "90.00"), (120, "80.00")]),
            offer("B", "V2", [(1, "85.00")], regions=["north"]),
        ],
        vendors=[{"id": "V1"}, {"id": "V2"}],
    )


def test_sampled_shapley_reaches_one_percent_and_agrees_with_the_exact_value(document, offer):
    doc = two_kinds(document, offer)
    result = run(doc, shares="shapley", seed=3)
    problem = Problem.from_dict(doc)
    # A coalition's cost depends only on how many of each kind it has: the exact value from 36 costs.
    north, south = ["N0", "N1", "N2", "N3", "N4"], ["S0", "S1", "S2", "S3", "S4"]
    kinds = [frozenset(north[:a] + south[:b]) for a in range(6) for b in range(6)]
    cost = {
        (len(s & set(north)), len(s & set(south))): Fraction(c.cost)
        for s, c in coalition_costs(problem, kinds, time_limit_s=20, mip_rel_gap=0.0, label="test").items()
    }
    n = 10

    def exact(grows_north):
        value = Fraction(0)
        for a in range(5 if grows_north else 6):
            for b in range(6 if grows_north else 5):
                others = (math.comb(4, a) * math.comb(5, b)) if grows_north else (math.comb(5, a) * math.comb(4, b))
                weight = Fraction(math.factorial(a + b) * math.factorial(n - a - b - 1), math.factorial(n))
                after = (a + 1, b) if grows_north else (a, b + 1)
                value += others * weight * (cost[after] - cost[(a, b)])
        return value

    assert result.message == "optimal within a relative gap of 0"  # every standard error reached 1 %
    for s in result.shares:
        truth = exact(s.district.startswith("N"))
        assert s.shapley_std_error <= Decimal("0.01") * s.shapley_cost
        assert abs(Fraction(s.shapley_cost) - truth) <= 4 * Fraction(s.shapley_std_error) + Fraction(1, 100)
    assert sum(s.shapley_cost for s in result.shares) == result.total_cost
    assert result.stats["shapley_permutations"] >= 30


def test_shapley_names_the_districts_short_of_the_target_when_time_ends(document, offer, monkeypatch):
    from pricing import shapley

    monkeypatch.setattr(shapley, "SHAPLEY_TARGET_RELATIVE_ERROR", 0.0)  # a target no sampling reaches
    result = solve(Problem.from_dict(two_kinds(document, offer)), shares="shapley", time_limit_s=2, mip_rel_gap=0.0)
    short = [s.district for s in result.shares if s.shapley_std_error > 0]
    assert short
    assert result.message == (
        "optimal within a relative gap of 0; Shapley standard errors above 0% of the share when the time "
        f"limit ended for {', '.join(short)}"
    )
    assert sum(s.shapley_cost for s in result.shares) == result.total_cost
