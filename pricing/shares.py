"""Cost shares: equal price, capped equal price, standalone costs, proportional savings, core.

The rules' definitions and guarantees are in pricing/FORMAT.md ("Sharing
rules"); the least core is in :mod:`pricing.least_core`, the Shapley value
in :mod:`pricing.shapley`.

A coalition's cost ``c(S)`` is the optimum of the same problem restricted to
the demands of the districts in ``S`` (same offers, rules and brackets).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from .costing import Award, price_awards, round_preserving_sum
from .decompose import solve_demand_sets
from .diagnose import capacity_unmet, structural_unmet
from .guard import Job, run_guarded
from .highs import MilpArrays, RawSolution, solve_arrays
from .model import build_model
from .problem import Demand, Problem
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
    demand_sets = [tuple(r for r in problem.demands if r.district in members) for members in coalitions]
    costs = demand_set_costs(problem, demand_sets, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap, label=label)
    return dict(zip(coalitions, costs))


def demand_set_costs(
    problem: Problem,
    demand_sets: list[tuple[Demand, ...]],
    *,
    time_limit_s: float | None,
    mip_rel_gap: float,
    label: str,
) -> list[CoalitionCost]:
    """The least cost of buying each set of demands on its own (one guarded child for all)."""
    results: dict[int, CoalitionCost] = {}
    todo = []
    for n, demands in enumerate(demand_sets):
        unmet = structural_unmet(problem, demands) if demands else []
        if not demands:
            results[n] = CoalitionCost(Decimal("0.00"), None)
        elif unmet:
            results[n] = CoalitionCost(None, f"{unmet[0].item}: {unmet[0].reason}")
        else:
            todo.append((n, demands))

    def report(done: int) -> None:
        if done % 10 == 0 or done == len(todo):
            logger.info("%s: %d/%d solved", label, done, len(todo))

    solved = solve_demand_sets(
        problem,
        [demands for _, demands in todo],
        time_limit_s=time_limit_s,
        mip_rel_gap=mip_rel_gap,
        on_done=report,
    )
    for (n, demands), raw in zip(todo, solved):
        if raw.solved:
            _, total = price_awards(problem, raw.units)
            reason = None if raw.optimal else "time limit reached before optimality was proven"
            results[n] = CoalitionCost(total, reason)
        elif raw.infeasible:
            unmet = capacity_unmet(problem, demands)
            reason = (
                f"{unmet[0].item}: {unmet[0].reason}"
                if unmet
                else "cannot buy alone under the minimum awards, the vendor cap and whole-demand awards"
            )
            results[n] = CoalitionCost(None, reason)
        else:
            results[n] = CoalitionCost(None, f"no solution: {raw.message}")
    return [results[n] for n in range(len(demand_sets))]


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
        return Capped(
            None,
            (
                f"no shares keep every district at or below its standalone cost: the pooled total {total} exceeds "
                f"the sum of the standalone costs {sum_alone} by {total - sum_alone} (capacities, minimum awards "
                "or the vendor cap make buying together dearer than buying apart)"
            ),
        )
    names = sorted(pooled)
    excess = sum((max(Decimal(0), pooled[d] - alone[d]) for d in names), Decimal(0))
    savings = {d: max(Decimal(0), alone[d] - pooled[d]) for d in names}
    saved = sum(savings.values(), Decimal(0))
    exact = [
        Fraction(min(pooled[d], alone[d]))
        + (Fraction(excess) * Fraction(savings[d]) / Fraction(saved) if excess else 0)
        for d in names
    ]
    return Capped(dict(zip(names, round_preserving_sum(exact))), None)


def proportional(total: Decimal, standalone: dict[str, Decimal]) -> dict[str, Decimal]:
    """Everyone saves the same fraction of its standalone cost."""
    names = sorted(standalone)
    weight = sum(standalone.values(), Decimal(0))
    exact = [Fraction(total) * Fraction(standalone[d]) / Fraction(weight) for d in names]
    return dict(zip(names, round_preserving_sum(exact)))


#: Absolute gap of the core check's MILP: for an objective near 0, such as a gain, the relative gap alone
#: would ask for far more than a cent (HiGHS's default absolute gap is 1e-6).
CORE_ABS_GAP = 0.005
#: Solutions a core check told to stop at a gain stops after: the first ones come long before a proof.
STOP_AFTER_SOLUTIONS = 3


def _coalition_milp(
    arrays: MilpArrays, mip_rel_gap: float, options: dict, *, time_limit_s: float | None
) -> RawSolution:
    return solve_arrays(
        arrays, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap, solver_log=False, highs_options=options
    )


def core_check(
    problem: Problem,
    allocation: dict[str, Decimal],
    *,
    time_limit_s: float | None,
    mip_rel_gap: float,
    stop_above: Decimal | None = None,
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

    With ``stop_above``, the search only looks for coalitions gaining more
    than that and stops after ``STOP_AFTER_SOLUTIONS`` of them (the least
    core's search for a cut); it proves nothing (``gain_bound`` is ``None``).
    """
    # The coalition buys as the pool does, at least evaluated cost; its gain is then priced at real prices.
    model = build_model(problem.evaluated(), coalition_shares=allocation)
    options: dict = {"mip_abs_gap": CORE_ABS_GAP}
    if stop_above is not None:
        options.update(objective_bound=-float(stop_above), mip_max_improving_sols=STOP_AFTER_SOLUTIONS)
    job = Job(_coalition_milp, (model.arrays, mip_rel_gap, options))
    raw = run_guarded([job], time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap)[0]
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
            True,
            members,
            gain,
            bound,
            f"districts {', '.join(members)} would pay {gain} less together by leaving the pool",
        )
    proven = "" if raw.optimal else " (time limit reached; not proven)"
    return CoreCheck(
        False,
        (),
        Decimal("0.00"),
        bound,
        f"no coalition of districts would gain more than {bound} by leaving the pool{proven}",
    )
