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
many small models are far cheaper than one block-diagonal large one.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .costing import price_awards
from .model import Model, RawSolution, build_model, eligible_pairs, run_guarded, vendor_brackets
from .problem import Demand, Problem

#: Demand sets with fewer eligible demand-offer pairs are solved whole: a
#: small model costs less than the overhead of several solver calls.
MIN_SPLIT_PAIRS = 1_500
#: A coupled part with more integer variables than this also gets an
#: incumbent from its items solved one by one (see :func:`solve_demand_sets`).
ITEM_INCUMBENT_ABOVE = 20_000


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
class Combined:
    """The solution of a demand set from its parts' solutions.

    ``status`` follows HiGHS: 0 every part proven within the gap, 1 some part
    stopped at the time limit with a solution, 2 some part infeasible,
    ``None`` some part without a solution (killed, error, no incumbent).
    """

    status: int | None
    message: str
    units: dict[tuple[str, str, int], int] | None
    objective: float | None
    dual_bound: float | None
    nodes: int | None
    solve_time_s: float
    parts: int
    size: dict[str, int]


def combine(
    models: list[Model],
    raws: list[RawSolution],
    incumbents: dict[int, tuple[dict, float]] | None = None,
    mip_rel_gap: float = 0.0,
) -> Combined:
    """Add up the parts; see :class:`Combined`.

    ``incumbents`` maps a part to another solution of it (units and exact
    cost), used when it is cheaper than what HiGHS returned or HiGHS returned
    none; the part's bound is still HiGHS's.
    """
    incumbents = incumbents or {}
    raws = list(raws)
    solutions: list[tuple[dict, float] | None] = []
    for n, (m, r) in enumerate(zip(models, raws)):
        own = (m.awards(r.x), float(r.objective)) if r.x is not None and r.status in (0, 1) else None
        other = incumbents.get(n)
        if other is not None and r.status in (0, 1, None) and (own is None or other[1] < own[1] - 0.005):
            dual = r.dual_bound
            proven = dual is not None and math.isfinite(dual) and other[1] - dual <= mip_rel_gap * abs(other[1])
            raws[n] = dataclasses.replace(
                r, status=0 if proven else 1, objective=other[1],
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
    if any(r.status == 2 for r in raws):
        message = next(r.message for r in raws if r.status == 2)
        return Combined(2, message, None, None, None, nodes, elapsed, len(models), size)
    missing = [r for r, sol in zip(raws, solutions) if sol is None]
    if missing:
        status = next((r.status for r in missing if r.status != 1), 1)
        return Combined(status, missing[0].message, None, None, None, nodes, elapsed, len(models), size)
    units: dict[tuple[str, str, int], int] = {}
    for sol in solutions:
        units.update(sol[0])
    objective = sum(float(r.objective) for r in raws)
    bounds = [r.dual_bound for r in raws]
    dual = sum(bounds) if all(b is not None and math.isfinite(b) for b in bounds) else None
    status = 0 if all(r.status == 0 for r in raws) else 1
    message = raws[0].message if len(raws) == 1 else (
        "every part optimal" if status == 0 else "time limit reached in some part")
    return Combined(status, message, units, objective, dual, nodes, elapsed, len(models), size)


def _uncoupled(problem: Problem, demands: tuple[Demand, ...]) -> Problem:
    """The problem with the discounts of the vendors that couple ``demands``' items removed."""
    pairs = eligible_pairs(problem, demands)
    reach = {int(k): int(pairs.reach[k]) for k in np.flatnonzero(pairs.reach > 0)}
    coupling = {v for v, br in vendor_brackets(problem, reach).items() if len(br) > 1}
    return dataclasses.replace(problem, vendors=tuple(
        dataclasses.replace(v, total_discounts=()) if v.id in coupling else v for v in problem.vendors
    ))


def solve_demand_sets(
    problem: Problem,
    demand_sets: list[tuple[Demand, ...]],
    *,
    time_limit_s: float | None,
    mip_rel_gap: float,
    progress: bool = False,
    shared: bool = False,
    on_done: Callable[[int], None] | None = None,
) -> list[Combined]:
    """Solve the purchase of each demand set, each split into its independent parts.

    All parts of all sets run in one guarded batch. ``shared=True`` makes
    ``time_limit_s`` a budget for the whole batch (the pooled solve); otherwise
    each part gets ``time_limit_s``. ``on_done`` is called with the number of
    demand sets finished so far.

    A large coupled part (more than ``ITEM_INCUMBENT_ABOVE`` integer
    variables) is one HiGHS cannot always close in the time limit, and its
    first incumbents can be poor. Its items are then first solved one by one
    without the coupling vendors' discounts: together they are a feasible
    purchase, priced exactly with the discounts it does reach. When that beats
    the coupled model's incumbent it replaces it; the lower bound stays the
    coupled model's, so the gap stays honest.
    """
    plans = [[build_model(problem, demands=part) for part in independent_parts(problem, s)] for s in demand_sets]
    extra: list[tuple[int, int, list[Model]]] = []  # (set, part, item models)
    for n_set, plan in enumerate(plans):
        for n_part, m in enumerate(plan):
            items = list(dict.fromkeys(r.item for r in m.demands))
            if len(items) > 1 and m.arrays.size["integer_variables"] > ITEM_INCUMBENT_ABOVE:
                loose = _uncoupled(problem, m.demands)
                extra.append((n_set, n_part, [
                    build_model(loose, demands=tuple(r for r in m.demands if r.item == item)) for item in items
                ]))
    first = [im.arrays for _, _, models in extra for im in models]
    tasks = first + [m.arrays for plan in plans for m in plan]
    ends = (len(first) + np.cumsum([len(plan) for plan in plans])).tolist()

    def report(done_tasks: int) -> None:
        if on_done is not None and done_tasks in ends:
            on_done(ends.index(done_tasks) + 1)

    raws = run_guarded(
        tasks, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap, progress=progress,
        on_done=report, shared=shared,
    ) if tasks else []
    item_raws, raws = raws[:len(first)], raws[len(first):]
    incumbents: dict[tuple[int, int], tuple[dict, float]] = {}
    start = 0
    for n_set, n_part, models in extra:
        got = item_raws[start:start + len(models)]
        start += len(models)
        if all(r.x is not None and r.status in (0, 1) for r in got):
            units: dict[tuple[str, str, int], int] = {}
            for im, r in zip(models, got):
                units.update(im.awards(r.x))
            incumbents[(n_set, n_part)] = (units, float(price_awards(problem, units)[1]))
    out = []
    start = 0
    for n_set, plan in enumerate(plans):
        part_raws = raws[start:start + len(plan)]
        start += len(plan)
        overrides = {n_part: inc for (s_, n_part), inc in incumbents.items() if s_ == n_set}
        out.append(combine(plan, part_raws, overrides, mip_rel_gap))
    return out
