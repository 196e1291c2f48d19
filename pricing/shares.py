"""Cost shares: equal price, capped equal price, standalone costs, proportional savings, core.

The rules' definitions and guarantees are in pricing/FORMAT.md ("Sharing
rules"); the least core is in :mod:`pricing.least_core`, the Shapley value
in :mod:`pricing.shapley`.

A coalition's cost ``c(S)`` is the optimum of the same problem restricted to
the demands of the districts in ``S`` (same offers, rules and brackets).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from fractions import Fraction

import highspy
import numpy as np

from .costing import Award, coalition_gain, price_awards, round_preserving_sum
from .decompose import solve_demand_sets
from .diagnose import capacity_unmet, structural_unmet
from .guard import Job, run_guarded
from .highs import NO_SUB_MIP, SUB_MIP_OFF_BELOW, MilpArrays, RawSolution, SolverStatus
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
#: A coalition gaining at most this share of the pooled total more than the least-core value, or more than the
#: gain the core check reports, does not count (but never less than a cent): see ``coalition_tolerance``.
TOLERANCE_SHARE = Decimal("0.000001")


def coalition_tolerance(total: Decimal) -> Decimal:
    """What a coalition may gain beyond the figure reported without counting: a cent, or a millionth of the total.

    A board would not see a coalition leave a pool of $10 million to save $10 more between its members; and
    proving a coalition's largest gain to the cent asks the coalition MILP for a bound far tighter than its LP
    relaxation gives on large pools (see pricing/FORMAT.md, "Sharing rules").
    """
    return max(Decimal("0.01"), (total * TOLERANCE_SHARE).quantize(Decimal("0.01")))


#: Distinct coalitions a search for cuts (``stop_above``) stops after.
STOP_AFTER_COALITIONS = 12
#: A search for cuts also stops this many times the time its first cut took after that first cut: HiGHS finds
#: most of its solutions in bursts right after the root (measured on M: root 5-10 s, then a dozen coalitions
#: within a few seconds, then long gaps), and a round with many cuts is worth more than a long one.
STOP_AFTER_FIRST_FACTOR = 0.5


@dataclass(frozen=True)
class CoalitionSearch:
    """What the coalition MILP reported: HiGHS's outcome, and every coalition it met gaining over the floor.

    ``found`` holds, per coalition met (its membership as a tuple of 0/1), the best solution of the
    MILP with that coalition, as full column vectors.
    """

    raw: RawSolution
    found: tuple[np.ndarray, ...]


_HIGHS_STATUS = {
    "kOptimal": SolverStatus.OPTIMAL,
    "kInfeasible": SolverStatus.INFEASIBLE,
    "kUnbounded": SolverStatus.UNBOUNDED,
    "kTimeLimit": SolverStatus.LIMIT,
    "kInterrupt": SolverStatus.LIMIT,
    "kSolutionLimit": SolverStatus.LIMIT,
    "kIterationLimit": SolverStatus.LIMIT,
    "kObjectiveBound": SolverStatus.LIMIT,
}


def _coalition_milp(
    arrays: MilpArrays,
    membership: np.ndarray,
    options: dict,
    floor: float | None,
    stop: bool,
    *,
    time_limit_s: float | None,
) -> CoalitionSearch:
    """Run the coalition MILP with highspy, collecting every coalition met whose objective is below ``-floor``.

    highspy rather than :func:`scipy.optimize.milp` for its solution callback: every feasible solution
    HiGHS meets (heuristics', branching's, not only the improving ones) is a coalition with a purchase,
    a valid cut for the least core if it gains more than the bound. ``membership`` are the columns of the
    districts' binaries. With ``stop`` the search stops after ``STOP_AFTER_COALITIONS`` coalitions, or
    ``STOP_AFTER_FIRST_FACTOR`` times the time of the first; without, it runs to the proof.
    """
    started = time.perf_counter()
    highspy.Highs.resetGlobalScheduler(True)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    for key, value in options.items():
        h.setOptionValue(key, value)
    if time_limit_s is not None:
        h.setOptionValue("time_limit", float(time_limit_s))
    if np.count_nonzero(arrays.integrality) <= SUB_MIP_OFF_BELOW:
        for key, value in NO_SUB_MIP.items():
            h.setOptionValue(key, value)
    inf = highspy.kHighsInf
    n = arrays.c.size
    columns = np.arange(n, dtype=np.int32)
    h.addVars(n, arrays.lb, np.where(np.isinf(arrays.ub), inf, arrays.ub))
    h.changeColsCost(n, columns, arrays.c)
    kinds = np.where(arrays.integrality > 0, highspy.HighsVarType.kInteger, highspy.HighsVarType.kContinuous)
    h.changeColsIntegrality(n, columns, kinds)
    a = arrays.A.tocsr()
    h.addRows(
        a.shape[0],
        np.where(np.isinf(arrays.row_lb), -inf, arrays.row_lb),
        np.where(np.isinf(arrays.row_ub), inf, arrays.row_ub),
        a.nnz,
        a.indptr[:-1].astype(np.int32),
        a.indices.astype(np.int32),
        a.data,
    )
    best: dict[tuple[int, ...], tuple[float, np.ndarray]] = {}
    first_s: list[float] = []

    def met(event) -> None:
        objective = event.data_out.objective_function_value
        if floor is None or objective >= -floor:
            return
        x = np.array(event.data_out.mip_solution)
        key = tuple((x[membership] > 0.5).astype(int).tolist())
        if key not in best or objective < best[key][0]:
            best[key] = (objective, x)
        if not first_s:
            first_s.append(time.perf_counter() - started)
        if stop and len(best) >= STOP_AFTER_COALITIONS:
            event.interrupt()

    def enough(event) -> None:
        if first_s and time.perf_counter() - started >= first_s[0] * (1 + STOP_AFTER_FIRST_FACTOR):
            event.interrupt()

    if floor is not None:
        h.cbMipSolution.subscribe(met)
    if stop:
        h.cbMipInterrupt.subscribe(enough)
    h.run()
    info = h.getInfo()
    status = _HIGHS_STATUS.get(h.getModelStatus().name, SolverStatus.ERROR)
    has_x = info.primal_solution_status == 2  # kSolutionStatusFeasible
    x = np.array(h.getSolution().col_value) if has_x else None
    raw = RawSolution(
        status=status,
        message=h.modelStatusToString(h.getModelStatus()),
        x=x,
        objective=float(info.objective_function_value) if has_x else None,
        dual_bound=float(info.mip_dual_bound) if math.isfinite(info.mip_dual_bound) else None,
        nodes=int(info.mip_node_count),
        solve_time_s=time.perf_counter() - started,
    )
    found = tuple(x for _, x in sorted(best.values(), key=lambda pair: pair[0]))
    return CoalitionSearch(raw, found)


@dataclass(frozen=True)
class CoalitionCut:
    """A coalition met by the core check and what its own purchase costs (at real prices)."""

    members: frozenset[str]
    own_cost: Decimal
    #: The purchase: units per (district, item, offer index).
    units: dict[tuple[str, str, int], int]


def core_search(
    problem: Problem,
    allocation: dict[str, Decimal],
    *,
    time_limit_s: float | None,
    mip_rel_gap: float,
    above: Decimal | None = None,
    prove: bool = True,
    abs_gap: float = CORE_ABS_GAP,
) -> tuple[CoreCheck, list[CoalitionCut]]:
    """:func:`core_check`, and every coalition it met gaining more than ``above`` (best gain first).

    ``prove=False`` (with ``above``) only looks for coalitions gaining more than ``above``, and stops
    early (see :func:`_coalition_milp`): it proves nothing (``gain_bound`` is ``None``). ``abs_gap``: the
    absolute gap of the proof (dollars).
    """
    # The coalition buys as the pool does, at least evaluated cost; its gain is then priced at real prices.
    model = build_model(problem.evaluated(), coalition_shares=allocation)
    options: dict = {"mip_abs_gap": abs_gap, "mip_rel_gap": mip_rel_gap}
    floor = None if above is None else float(above)
    if not prove:
        # Only coalitions gaining more than that are wanted: HiGHS prunes the rest of the tree.
        options["objective_bound"] = -floor
    membership = np.array(list(model.coalition_vars.values()), dtype=np.int64)
    job = Job(_coalition_milp, (model.arrays, membership, options, floor, not prove))
    search = run_guarded([job], time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap)[0]
    raw = search.raw if isinstance(search, CoalitionSearch) else search  # a killed child answers a RawSolution
    found = search.found if isinstance(search, CoalitionSearch) else ()
    # A proof when the search ran to its end: the full check's bound, or for a search for coalitions gaining
    # more than ``above`` that ended without being stopped early, ``above`` (HiGHS pruned the rest there).
    # (HiGHS calls such a search infeasible when it finds nothing beyond ``above``.)
    bound = None
    if prove and raw.finished and raw.dual_bound is not None:
        bound = max(Decimal(0), Decimal(-raw.dual_bound))
    elif not prove and (raw.optimal or raw.infeasible):
        bound = max(above, Decimal(0) if raw.dual_bound is None else Decimal(-raw.dual_bound))
    cuts: dict[frozenset[str], tuple[Decimal, dict]] = {}
    for x in found + (() if raw.x is None else (raw.x,)):
        members = frozenset(model.coalition(x))
        units = model.awards(x)
        _, own_cost = price_awards(problem, units)
        if members and (members not in cuts or own_cost < cuts[members][0]):
            cuts[members] = (own_cost, units)
    gains = sorted(
        ((coalition_gain(allocation, s, c), s, c, u) for s, (c, u) in cuts.items()),
        key=lambda t: (-t[0], sorted(t[1])),
    )
    wanted = Decimal(0) if above is None else above
    found_cuts = [CoalitionCut(s, c, u) for g, s, c, u in gains if g > wanted]
    if raw.x is None and not gains and bound is None:
        check = CoreCheck(False, (), Decimal("0.00"), bound, f"core check stopped without an answer: {raw.message}")
        return check, found_cuts
    best = (gains[0][1], gains[0][0]) if gains and gains[0][0] > 0 else (frozenset(), Decimal("0.00"))
    if bound is not None:
        # The model takes each vendor's discount unrounded; a purchase's real cost rounds it half up to the cent,
        # which moves a real gain by up to half a cent per vendor with discounts. Real gains are whole cents, so
        # the bound with that margin, rounded down to the cent, holds for them (and never below the gain found,
        # for the solver's own tolerances).
        margin = Decimal("0.005") * sum(1 for vendor in problem.vendors if vendor.total_discounts)
        bound = max((bound + margin).quantize(Decimal("0.01"), rounding=ROUND_FLOOR), best[1])
    return verdict(*best, bound, raw.optimal), found_cuts


def verdict(members: frozenset[str], gain: Decimal, bound: Decimal | None, optimal: bool) -> CoreCheck:
    """The core check's answer: the coalition gaining most that was found (if it gains), and the proven bound."""
    if gain > 0:
        names = tuple(sorted(members))
        return CoreCheck(
            True, names, gain, bound, f"districts {', '.join(names)} would pay {gain} less together by leaving the pool"
        )
    if bound is None:
        message = "the core check found no coalition gaining by leaving the pool before it stopped (not proven)"
    else:
        proven = "" if optimal else " (time limit reached; not proven)"
        message = f"no coalition of districts would gain more than {bound} by leaving the pool{proven}"
    return CoreCheck(False, (), Decimal("0.00"), bound, message)


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
    The search stops once the coalition found is within half the tolerance
    (:func:`coalition_tolerance`) of the bound. Limits: the model is larger
    than the pool's own (every district may be in or out), so large instances
    may stop at the time limit with a weaker bound.
    """
    tolerance = coalition_tolerance(sum(allocation.values(), Decimal(0)))
    return core_search(
        problem, allocation, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap, abs_gap=float(tolerance) / 2
    )[0]
