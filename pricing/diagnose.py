"""Why demands cannot be met: the explanation behind an ``infeasible`` status.

Feasibility does not depend on prices or discounts, so it splits by item.
Checks go from the cheapest to the most expensive, and a demand is reported
with the first reason found:

1. per demand: no offer on the item, none serving the district's region, no
   single offer large enough for a whole demand, or minimum awards that the
   demand in the offers' regions cannot reach;
2. per item: a maximum flow from demands to offer capacities (whole units,
   demand split allowed); its minimum cut names a set of districts whose
   demand exceeds what the offers serving them can supply;
3. per item: the item's MILP, re-solved with one rule relaxed at a time
   (vendor cap, minimum awards, whole-demand awards) to name the rule that
   makes it infeasible.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order, maximum_flow

from .guard import run_guarded
from .model import build_model, eligible_offers, upper_quantity
from .problem import Demand, Problem, Rules


@dataclass(frozen=True)
class Unmet:
    """A demand that cannot be met, and why."""

    district: str
    item: str
    quantity: int
    reason: str

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def structural_unmet(problem: Problem, demands: tuple[Demand, ...]) -> list[Unmet]:
    """Demands that no usable offer can take (check 1)."""
    region = {d.id: d.region for d in problem.districts}
    eligible = eligible_offers(problem, demands)
    unmet = []
    for r in demands:
        if eligible[r]:
            continue
        on_item = [o for o in problem.offers if o.item == r.item]
        serving = [o for o in on_item if o.serves(region[r.district])]
        if not on_item:
            reason = f"no offer on item '{r.item}'"
        elif not serving:
            reason = f"no offer on item '{r.item}' serves region '{region[r.district]}'"
        elif not problem.rules.split_district_demand and all(
            o.capacity is not None and o.capacity < r.quantity for o in serving
        ):
            largest = max(o.capacity for o in serving)
            reason = (
                f"no single offer serving region '{region[r.district]}' can supply all "
                f"{r.quantity} units (largest capacity {largest}) and split_district_demand is false"
            )
        else:
            names = ", ".join(f"{o.id} ({o.min_award_quantity})" for o in serving)
            reason = f"the minimum award quantities of the offers serving it cannot be reached: {names}"
        unmet.append(Unmet(r.district, r.item, r.quantity, reason))
    return unmet


def capacity_unmet(problem: Problem, demands: tuple[Demand, ...]) -> list[Unmet]:
    """Sets of demands that exceed the capacity serving them (check 2)."""
    eligible = eligible_offers(problem, demands)
    unmet = []
    for item in sorted({r.item for r in demands}):
        rows = [r for r in demands if r.item == item]
        offers = sorted({k for r in rows for k in eligible[r]})
        total = sum(r.quantity for r in rows)
        n_rows, n_offers = len(rows), len(offers)
        sink = n_rows + n_offers + 1
        node = {k: n_rows + 1 + j for j, k in enumerate(offers)}
        edges = [(0, 1 + i, r.quantity) for i, r in enumerate(rows)]
        edges += [(1 + i, node[k], r.quantity) for i, r in enumerate(rows) for k in eligible[r]]
        edges += [(node[k], sink, upper_quantity(problem.offers[k], total)) for k in offers]
        tail, head, capacity = (np.array(x, dtype=np.int32) for x in zip(*edges))
        graph = sp.csr_array((capacity, (tail, head)), shape=(sink + 1, sink + 1))
        flow = maximum_flow(graph, 0, sink)
        if flow.flow_value >= total:
            continue
        residual = (graph - flow.flow).tocsr()
        residual.data[residual.data < 0] = 0
        residual.eliminate_zeros()
        reachable = set(breadth_first_order(residual, 0, return_predecessors=False).tolist())
        short = [r for i, r in enumerate(rows) if 1 + i in reachable]
        supply = sum(upper_quantity(problem.offers[k], total) for k in offers if node[k] in reachable)
        need = sum(r.quantity for r in short)
        names = ", ".join(r.district for r in short)
        reason = (
            f"capacities too small: the offers serving {names} can supply {supply} units "
            f"of item '{item}' but they need {need}"
        )
        unmet += [Unmet(r.district, r.item, r.quantity, reason) for r in short]
    return unmet


def rule_unmet(problem: Problem, demands: tuple[Demand, ...], *, time_limit_s: float | None) -> list[Unmet]:
    """Items whose demands fail only under a combination of rules (check 3)."""
    items = sorted({r.item for r in demands})
    relaxations = [
        (
            "the cap of max_vendors_per_item",
            lambda p: dataclasses.replace(p, rules=Rules(None, p.rules.split_district_demand)),
        ),
        (
            "the minimum award quantities",
            lambda p: dataclasses.replace(
                p, offers=tuple(dataclasses.replace(o, min_award_quantity=0) for o in p.offers)
            ),
        ),
        (
            "whole-demand awards (split_district_demand is false)",
            lambda p: dataclasses.replace(p, rules=Rules(p.rules.max_vendors_per_item, True)),
        ),
    ]
    unmet = []
    for item in items:
        rows = tuple(r for r in demands if r.item == item)
        variants = [problem] + [relax(problem) for _, relax in relaxations]
        tasks = [build_model(p, demands=rows).arrays for p in variants]
        raw = run_guarded(tasks[:1], time_limit_s=time_limit_s, mip_rel_gap=1e-4)[0]
        if not raw.infeasible:
            continue
        raws = run_guarded(tasks[1:], time_limit_s=time_limit_s, mip_rel_gap=1e-4)
        culprits = [name for (name, _), r in zip(relaxations, raws) if r.solved]
        if culprits:
            reason = f"the demands on item '{item}' cannot all be met under " + " combined with ".join(culprits)
        else:
            reason = (
                f"the demands on item '{item}' cannot all be met under the combination of "
                "capacities, minimum awards, the vendor cap and whole-demand awards"
            )
        unmet += [Unmet(r.district, r.item, r.quantity, reason) for r in rows]
    return unmet
