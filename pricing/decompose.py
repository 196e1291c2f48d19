"""Independent parts of an allocation problem, solved apart and added up.

Items are coupled only through a vendor's total-quantity discount: every
other rule (region, capacity, minimum award, tiers, the vendor cap, whole
demands) is about one offer or one item. A vendor couples the items it has
usable offers on only when its purchase value can reach at least two
discount brackets; otherwise its discount is a constant price factor. The
items therefore fall into connected components (items joined by a coupling
vendor), and the problem is the sum of the components' problems: the
optimum is the sum of their optima, and a lower bound is the sum of their
lower bounds.

A combined solution is ``optimal`` when every part is: each part has
``objective - bound <= gap * objective``, so the sums do too. HiGHS spends
much of its time at the root of a large model (cuts, sub-MIP heuristics);
many small models are far cheaper than one block-diagonal large one. That
is also why a coupled part of several items is first searched with its
items solved one by one (:mod:`pricing.brackets`), and only what that
search cannot prove goes to HiGHS as one model.
"""

from __future__ import annotations

import bisect
import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .brackets import Incumbent, SearchResult, search, within
from .guard import MIN_TASK_S, run_guarded
from .highs import RawSolution, SolverOutcome, SolverStatus
from .model import Model, build_model, eligible_pairs, vendor_brackets
from .problem import Demand, Problem

#: Demand sets with fewer eligible demand-offer pairs are solved whole: a
#: small model costs less than the overhead of several solver calls. A
#: coupled part with at least as many goes through the bracket search.
MIN_SPLIT_PAIRS = 1_500
#: Share of the time limit a coupled part's bracket search may use.
SEARCH_SHARE = 0.9


def independent_parts(problem: Problem, demands: tuple[Demand, ...]) -> list[tuple[Demand, ...]]:
    """Split ``demands`` into groups of items that no discount couples.

    Returns
    -------
    list of tuple of Demand
        One group per component, in the order of the items' first demands;
        every demand is in exactly one group.
    """
    if not demands:
        return []
    pairs = eligible_pairs(problem, demands)
    if pairs.demand.size < MIN_SPLIT_PAIRS:
        return [tuple(demands)]
    reach = {int(k): int(pairs.reach[k]) for k in np.flatnonzero(pairs.reach > 0)}
    brackets = vendor_brackets(problem, reach)
    items = list(dict.fromkeys(r.item for r in demands))
    parent = {i: i for i in items}

    def find(i: str) -> str:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    items_of_vendor: dict[str, set[str]] = {}
    for k in reach:
        offer = problem.offers[k]
        if len(brackets[offer.vendor]) > 1:
            items_of_vendor.setdefault(offer.vendor, set()).add(offer.item)
    for linked in items_of_vendor.values():
        first, *rest = sorted(linked)
        for other in rest:
            a, b = find(first), find(other)
            if a != b:
                parent[b] = a
    groups: dict[str, list[Demand]] = {}
    for r in demands:
        groups.setdefault(find(r.item), []).append(r)
    order = {i: n for n, i in enumerate(items)}
    return [tuple(g) for _, g in sorted(groups.items(), key=lambda kv: order[kv[0]])]


@dataclass(frozen=True)
class Combined(SolverOutcome):
    """The solution of a demand set from its parts' solutions.

    ``status``: ``OPTIMAL`` every part proven within the gap, ``LIMIT`` some
    part stopped at the time limit with a solution, ``INFEASIBLE`` some part
    infeasible; otherwise the status of a part without a solution (``None``:
    killed).
    """

    status: SolverStatus | None
    message: str
    units: dict[tuple[str, str, int], int] | None
    objective: float | None
    dual_bound: float | None
    nodes: int | None
    solve_time_s: float
    parts: int
    size: dict[str, int]

    @property
    def solved(self) -> bool:
        """``units`` is an allocation: every part ended normally with one."""
        return self.units is not None and self.finished


def combine(
    models: list[Model],
    raws: list[RawSolution],
    incumbents: dict[int, tuple[dict, float]] | None = None,
    mip_rel_gap: float = 0.0,
) -> Combined:
    """Add up the parts; see :class:`Combined`.

    ``incumbents`` maps a part to another solution of it (units and cost as
    the model counts it), used when it is cheaper than what HiGHS returned
    or HiGHS returned none; the part's bound is the one in its raw solution.
    """
    incumbents = incumbents or {}
    raws = list(raws)
    solutions: list[tuple[dict, float] | None] = []
    for n, (m, r) in enumerate(zip(models, raws)):
        own = (m.awards(r.x), float(r.objective)) if r.solved else None
        other = incumbents.get(n)
        if other is not None and (r.optimal or r.stopped) and (own is None or other[1] < own[1] - 0.005):
            dual = r.dual_bound
            proven = dual is not None and math.isfinite(dual) and within(other[1], dual, mip_rel_gap)
            raws[n] = dataclasses.replace(
                r,
                status=SolverStatus.OPTIMAL if proven else SolverStatus.LIMIT,
                objective=other[1],
                message=r.message if own is not None else "solution from the items solved one by one",
            )
            solutions.append(other)
        else:
            solutions.append(own)
    size: dict[str, int] = {}
    for m in models:
        for key, value in m.arrays.size.items():
            size[key] = size.get(key, 0) + value
    size["parts"] = len(models)
    elapsed = sum(r.solve_time_s for r in raws)
    nodes = sum(r.nodes or 0 for r in raws)
    if any(r.infeasible for r in raws):
        message = next(r.message for r in raws if r.infeasible)
        return Combined(SolverStatus.INFEASIBLE, message, None, None, None, nodes, elapsed, len(models), size)
    missing = [r for r, sol in zip(raws, solutions) if sol is None]
    if missing:
        status = next((r.status for r in missing if r.status != SolverStatus.LIMIT), SolverStatus.LIMIT)
        return Combined(status, missing[0].message, None, None, None, nodes, elapsed, len(models), size)
    units: dict[tuple[str, str, int], int] = {}
    for sol in solutions:
        units.update(sol[0])
    objective = sum(float(r.objective) for r in raws)
    bounds = [r.dual_bound for r in raws]
    dual = sum(bounds) if all(b is not None and math.isfinite(b) for b in bounds) else None
    status = SolverStatus.OPTIMAL if all(r.optimal for r in raws) else SolverStatus.LIMIT
    message = (
        raws[0].message
        if len(raws) == 1
        else ("every part optimal" if status == SolverStatus.OPTIMAL else "time limit reached in some part")
    )
    return Combined(status, message, units, objective, dual, nodes, elapsed, len(models), size)


def _searched(raw: RawSolution | None, found: SearchResult, mip_rel_gap: float) -> RawSolution:
    """A part's solution from its bracket search and, when it ran, HiGHS on the region it left."""
    if raw is None:
        return RawSolution(
            SolverStatus.OPTIMAL if found.proven(mip_rel_gap) else SolverStatus.LIMIT,
            "proven by the bracket search, items solved one by one",
            None,
            None,
            found.bound,
            found.solves,
            found.solve_time_s,
        )
    region = found.region_bound
    if raw.infeasible and found.units is not None:
        # Nothing in the region left costs less than the cutoff.
        raw = dataclasses.replace(raw, status=SolverStatus.LIMIT, message="no allocation beats the search's", x=None)
        region = max(region, found.cutoff)
    elif raw.dual_bound is not None and math.isfinite(raw.dual_bound):
        region = max(region, min(raw.dual_bound, found.cutoff))
    bound = min(found.dropped_bound, region)
    status = raw.status
    if raw.optimal and not (
        raw.objective is not None and math.isfinite(bound) and within(raw.objective, bound, mip_rel_gap)
    ):
        status = SolverStatus.LIMIT  # proven on the region left, not against a dropped range's bound
    return dataclasses.replace(
        raw,
        status=status,
        dual_bound=bound if math.isfinite(bound) else None,
        nodes=(raw.nodes or 0) + found.solves,
        solve_time_s=raw.solve_time_s + found.solve_time_s,
    )


def _whole(
    on_search: Callable[[float | None, float | None], None] | None, parts: int
) -> Callable[[float | None, float | None], None] | None:
    """A part's search progress as its demand set's: a part's figures are the set's only when it is alone."""
    if on_search is None or parts == 1:
        return on_search
    return lambda cost, bound: on_search(None, None)


def solve_demand_sets(
    problem: Problem,
    demand_sets: list[tuple[Demand, ...]],
    *,
    time_limit_s: float | None,
    mip_rel_gap: float,
    solver_log: bool = False,
    shared: bool = False,
    on_done: Callable[[int], None] | None = None,
    on_search: Callable[[float | None, float | None], None] | None = None,
) -> list[Combined]:
    """Solve the purchase of each demand set, each split into its independent parts.

    ``shared=True`` makes ``time_limit_s`` a budget for the whole call (the
    pooled solve); otherwise each part gets ``time_limit_s``, a searched part
    for its search and its HiGHS run together (every part's HiGHS run gets the
    limit less the longest search, at least ``MIN_TASK_S``). ``on_done`` is called with
    the number of demand sets finished so far. ``on_search`` is called as
    ``on_search(cost, bound)`` as a bracket search goes (see
    :func:`pricing.brackets.search`), with the demand set's cost and bound:
    those of the part searched when it is the set's only part, ``None``
    otherwise (the other parts are not solved yet).

    A coupled part (several items joined by discounting vendors) of a demand
    set large enough to split first goes through the bracket search of
    :mod:`pricing.brackets`, its items solved one by one, with at most
    ``SEARCH_SHARE`` of the time limit. Only when that ends without proving
    its incumbent, before its time is up, does HiGHS solve the part's model
    restricted to the brackets the search could not settle, in the batch of
    all remaining parts (one guarded child); the search's bounds and
    incumbent still count.
    """
    started = time.perf_counter()
    # The searches minimise the evaluated cost; callers price the units found on their own (real) problem.
    problem = problem.evaluated()
    plans = [[build_model(problem, demands=part) for part in independent_parts(problem, s)] for s in demand_sets]
    found: dict[tuple[int, int], SearchResult] = {}
    longest_search_s = 0.0
    for n_set, plan in enumerate(plans):
        for n_part, m in enumerate(plan):
            if m.bracket_vars and len(m.items) > 1 and m.demand.size >= MIN_SPLIT_PAIRS:
                limit = time_limit_s
                if limit is not None:
                    left = limit - (time.perf_counter() - started) if shared else limit
                    limit = max(MIN_TASK_S, SEARCH_SHARE * left)
                search_started = time.perf_counter()
                found[(n_set, n_part)] = search(
                    problem,
                    m,
                    time_limit_s=limit,
                    mip_rel_gap=mip_rel_gap,
                    solver_log=solver_log,
                    on_progress=_whole(on_search, len(plan)),
                )
                longest_search_s = max(longest_search_s, time.perf_counter() - search_started)
    keys, tasks = [], []
    for n_set, plan in enumerate(plans):
        for n_part, m in enumerate(plan):
            result = found.get((n_set, n_part))
            if result is None or result.infeasible:
                keys.append((n_set, n_part))
                tasks.append(m.arrays)
            elif not result.proven(mip_rel_gap) and not result.timed_out:
                keys.append((n_set, n_part))
                tasks.append(result.restricted)
    ends = [sum(1 for key in keys if key[0] <= n_set) for n_set in range(len(plans))]

    def report(done_tasks: int) -> None:
        if on_done is not None and done_tasks in ends:
            on_done(bisect.bisect_right(ends, done_tasks))

    report(0)
    limit = time_limit_s
    if limit is not None:
        # One budget per call (shared) or per part: what a part's search used is not given to HiGHS again.
        if shared:
            limit -= time.perf_counter() - started
        else:
            limit = max(MIN_TASK_S, limit - longest_search_s)
    raws = (
        run_guarded(
            tasks,
            time_limit_s=limit,
            mip_rel_gap=mip_rel_gap,
            solver_log=solver_log,
            on_done=report,
            shared=shared,
        )
        if tasks
        else []
    )
    by_key = dict(zip(keys, raws))
    in_regions: dict[tuple[int, int], Incumbent | None] = {}
    unproven = []
    for key, raw in by_key.items():
        result = found.get(key)
        if result is None or result.region is None:
            continue
        by_key[key], in_regions[key] = result.region.lift(problem, raw)
        if not _searched(by_key[key], result, mip_rel_gap).optimal:
            unproven.append(key)
    left_s = None if time_limit_s is None else time_limit_s - (time.perf_counter() - started)
    if unproven and (left_s is None or left_s >= MIN_TASK_S):
        # A region's relaxation bounds its part but may fall short of proving it: then HiGHS gets the whole box
        # around the boxes left, in the time left, as it does when the search finds no such region.
        retried = run_guarded(
            [found[key].box for key in unproven],
            time_limit_s=left_s,
            mip_rel_gap=mip_rel_gap,
            solver_log=solver_log,
            shared=shared,
        )
        by_key.update(zip(unproven, retried))
    out = []
    for n_set, plan in enumerate(plans):
        part_raws, incumbents = [], {}
        for n_part in range(len(plan)):
            raw = by_key.get((n_set, n_part))
            result = found.get((n_set, n_part))
            if result is not None and not result.infeasible:
                best = None if result.units is None else (result.units, result.cost)
                found_there = in_regions.get((n_set, n_part))
                if found_there is not None and (best is None or found_there.cost < best[1]):
                    best = (found_there.units, found_there.cost)
                raw = _searched(raw, result, mip_rel_gap)
                if best is not None:
                    incumbents[n_part] = best
            part_raws.append(raw)
        out.append(combine(plan, part_raws, incumbents, mip_rel_gap))
    return out
