"""Cost shares: equal price, capped equal price, standalone costs, proportional savings, Shapley, core.

The rules' definitions and guarantees are in pricing/FORMAT.md ("Sharing
rules"); the least core is in :mod:`pricing.least_core`.

A coalition's cost ``c(S)`` is the optimum of the same problem restricted to
the demands of the districts in ``S`` (same offers, rules and brackets).
"""

from __future__ import annotations

import itertools
import logging
import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import numpy as np

from .costing import Award, price_awards, round_preserving_sum
from .diagnose import capacity_unmet, structural_unmet
from .decompose import solve_demand_sets
from .guard import run_guarded
from .model import build_model
from .problem import Problem
from .result import CoreCheck

logger = logging.getLogger(__name__)

@dataclass(frozen=True)
class CoalitionCost:
    cost: Decimal | None
    reason: str | None  # why ``cost`` is missing or not proven optimal


def pooled_costs(awards: list[Award]) -> dict[str, Decimal]:
    """Equal-price rule: each district pays its own award rows."""
    costs: dict[str, Decimal] = {}
    for a in awards:
        costs[a.district] = costs.get(a.district, Decimal("0.00")) + a.cost + a.support_cost - a.discount
    return costs


def coalition_costs(
    problem: Problem,
    coalitions: list[frozenset[str]],
    *,
    time_limit_s: float | None,
    mip_rel_gap: float,
    label: str,
) -> dict[frozenset[str], CoalitionCost]:
    """Solve each coalition's own purchase problem (one guarded child for all)."""
    results: dict[frozenset[str], CoalitionCost] = {}
    todo = []
    for members in coalitions:
        demands = tuple(r for r in problem.demands if r.district in members)
        if not demands:
            results[members] = CoalitionCost(Decimal("0.00"), None)
            continue
        unmet = structural_unmet(problem, demands)
        if unmet:
            results[members] = CoalitionCost(None, f"{unmet[0].item}: {unmet[0].reason}")
            continue
        todo.append((members, demands))

    def report(done: int) -> None:
        if done % 10 == 0 or done == len(todo):
            logger.info("%s: %d/%d solved", label, done, len(todo))

    solved = solve_demand_sets(
        problem, [demands for _, demands in todo], time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap,
        on_done=report,
    )
    for (members, demands), raw in zip(todo, solved):
        if raw.solved:
            _, total = price_awards(problem, raw.units)
            reason = None if raw.optimal else "time limit reached before optimality was proven"
            results[members] = CoalitionCost(total, reason)
        elif raw.infeasible:
            unmet = capacity_unmet(problem, demands)
            reason = (
                f"{unmet[0].item}: {unmet[0].reason}"
                if unmet
                else "cannot buy alone under the minimum awards, the vendor cap and whole-demand awards"
            )
            results[members] = CoalitionCost(None, reason)
        else:
            results[members] = CoalitionCost(None, f"no solution: {raw.message}")
    return results


@dataclass(frozen=True)
class Capped:
    costs: dict[str, Decimal] | None
    reason: str | None  # why ``costs`` is missing


def capped_equal_price(total: Decimal, pooled: dict[str, Decimal], standalone: dict[str, Decimal | None]) -> Capped:
    """Equal price, with no district above its standalone cost.

    A district whose pooled cost exceeds its standalone cost pays its
    standalone cost; the districts that save carry the difference in
    proportion to their savings. Each carries at most its savings (the
    difference is at most their sum exactly when the standalone costs cover
    the total), so nobody ends above its standalone cost, and rounding keeps
    that: capped costs are whole cents and only the savers' shares are rounded.
    """
    if any(cost is None for cost in standalone.values()):
        return Capped(None, "capped equal-price shares need every standalone cost")
    alone: dict[str, Decimal] = {d: c for d, c in standalone.items() if c is not None}
    sum_alone = sum(alone.values(), Decimal("0.00"))
    if sum_alone < total:
        return Capped(None, (
            f"no shares keep every district at or below its standalone cost: the pooled total {total} exceeds "
            f"the sum of the standalone costs {sum_alone} by {total - sum_alone} (capacities, minimum awards "
            "or the vendor cap make buying together dearer than buying apart)"
        ))
    names = sorted(pooled)
    excess = sum((max(Decimal(0), pooled[d] - alone[d]) for d in names), Decimal(0))
    savings = {d: max(Decimal(0), alone[d] - pooled[d]) for d in names}
    saved = sum(savings.values(), Decimal(0))
    exact = [
        Fraction(min(pooled[d], alone[d])) + (Fraction(excess) * Fraction(savings[d]) / Fraction(saved) if excess else 0)
        for d in names
    ]
    return Capped(dict(zip(names, round_preserving_sum(exact))), None)


def proportional(total: Decimal, standalone: dict[str, Decimal]) -> dict[str, Decimal]:
    """Everyone saves the same fraction of its standalone cost."""
    names = sorted(standalone)
    weight = sum(standalone.values(), Decimal(0))
    exact = [Fraction(total) * Fraction(standalone[d]) / Fraction(weight) for d in names]
    return dict(zip(names, round_preserving_sum(exact)))


@dataclass(frozen=True)
class ShapleyEstimate:
    costs: dict[str, Decimal] | None
    std_errors: dict[str, Decimal] | None
    permutations: int | None  # None when exact
    reason: str | None


EXACT_SHAPLEY_MAX_DISTRICTS = 8


def shapley(
    problem: Problem,
    total: Decimal,
    *,
    permutations: int,
    seed: int,
    time_limit_s: float | None,
    mip_rel_gap: float,
) -> ShapleyEstimate:
    """Shapley value of the cost game, exact or by permutation sampling.

    With at most ``EXACT_SHAPLEY_MAX_DISTRICTS`` districts every coalition is
    solved and the value is exact. Otherwise ``permutations`` random orders are
    drawn; a district's value is its mean marginal cost over them, its standard
    error the sample standard deviation over the root of their count. Every
    permutation's marginals add up to ``total``, so the estimates do too.
    """
    districts = sorted({r.district for r in problem.demands})
    n = len(districts)
    full = frozenset(districts)
    if n <= EXACT_SHAPLEY_MAX_DISTRICTS:
        subsets = [frozenset(c) for size in range(n) for c in itertools.combinations(districts, size)]
        costs = coalition_costs(
            problem, subsets, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap, label="shapley"
        )
        missing = [c for c in costs.values() if c.cost is None]
        if missing:
            return ShapleyEstimate(None, None, None, f"a coalition cannot buy alone: {missing[0].reason}")
        value = {frozenset(s): Fraction(c.cost) for s, c in costs.items()}
        value[full] = Fraction(total)
        exact = []
        for d in districts:
            acc = Fraction(0)
            for s in subsets:
                if d in s:
                    continue
                weight = Fraction(math.factorial(len(s)) * math.factorial(n - len(s) - 1), math.factorial(n))
                acc += weight * (value[s | {d}] - value[s])
            exact.append(acc)
        rounded = round_preserving_sum(exact)
        return ShapleyEstimate(
            dict(zip(districts, rounded)), {d: Decimal("0.00") for d in districts}, None, None
        )

    rng = np.random.default_rng(seed)
    orders = [[districts[k] for k in rng.permutation(n)] for _ in range(permutations)]
    prefixes = {frozenset(order[:size]) for order in orders for size in range(1, n)}
    costs = coalition_costs(
        problem, sorted(prefixes, key=lambda s: (len(s), sorted(s))), time_limit_s=time_limit_s,
        mip_rel_gap=mip_rel_gap, label="shapley",
    )
    missing = [c for c in costs.values() if c.cost is None]
    if missing:
        return ShapleyEstimate(None, None, permutations, f"a coalition cannot buy alone: {missing[0].reason}")
    value = {s: Fraction(c.cost) for s, c in costs.items()}
    value[frozenset()] = Fraction(0)
    value[full] = Fraction(total)
    marginals: dict[str, list[Fraction]] = {d: [] for d in districts}
    for order in orders:
        before: frozenset[str] = frozenset()
        for d in order:
            after = before | {d}
            marginals[d].append(value[after] - value[before])
            before = after
    means = [sum(marginals[d], Fraction(0)) / permutations for d in districts]
    errors = {}
    for d, mean in zip(districts, means):
        spread = np.array([float(m - mean) for m in marginals[d]])
        std = math.sqrt(float(spread @ spread) / (permutations - 1)) if permutations > 1 else math.inf
        errors[d] = Decimal(std / math.sqrt(permutations)).quantize(Decimal("0.01"))
    return ShapleyEstimate(dict(zip(districts, round_preserving_sum(means))), errors, permutations, None)


def core_check(
    problem: Problem,
    allocation: dict[str, Decimal],
    *,
    time_limit_s: float | None,
    mip_rel_gap: float,
) -> CoreCheck:
    """Find the coalition that would gain most by leaving the pool.

    One MILP over coalitions: a binary per district decides membership and
    switches that district's demand rows on, the coalition's own purchase is
    embedded, and the objective is the coalition's cost minus the members'
    allocated costs. Its optimum is the largest gain of any coalition, up to
    the solver gap; the gain reported is exact for the coalition found (its
    purchase is recomputed), and ``gain_bound`` bounds every coalition's gain.
    Limits: the model is larger than the pool's own (every district may be in
    or out), so large instances may stop at the time limit with a weaker bound.
    """
    model = build_model(problem, coalition_shares=allocation)
    raw = run_guarded([model.arrays], time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap)[0]
    bound = None if raw.dual_bound is None or not raw.finished else max(Decimal(0), Decimal(-raw.dual_bound))
    bound = None if bound is None else bound.quantize(Decimal("0.01"))
    if raw.x is None:
        return CoreCheck(False, (), Decimal("0.00"), bound, f"core check stopped without an answer: {raw.message}")
    members = tuple(sorted(model.coalition(raw.x)))
    units = model.awards(raw.x)
    _, own_cost = price_awards(problem, units)
    gain = sum((allocation[d] for d in members), Decimal("0.00")) - own_cost
    if gain > 0:
        return CoreCheck(
            True, members, gain, bound,
            f"districts {', '.join(members)} would pay {gain} less together by leaving the pool",
        )
    proven = "" if raw.optimal else " (time limit reached; not proven)"
    return CoreCheck(
        False, (), Decimal("0.00"), bound,
        f"no coalition of districts would gain more than {bound} by leaving the pool{proven}",
    )
