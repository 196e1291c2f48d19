"""The allocation problem as a mixed-integer linear program, and a guarded HiGHS run.

Model
-----
Sets: demands ``r = (district d, item i, quantity q_r)``; offers ``o`` with
tiers ``t`` (``m_t`` first unit of the tier, ``p_t`` its price), capacity
``C_o``, minimum award ``L_o``, annual support cost ``s_o``; vendors ``v`` with
total-discount brackets ``k`` (``b_k`` minimum value, ``f_k`` percent).
``U_o = min(C_o, sum of the demands the offer may serve)`` bounds every
awarded quantity, and offers with ``U_o < max(L_o, 1)`` are dropped.

Assignment
    Whole demand (default): binary ``a_ro`` for every offer that serves the
    district's region and can hold ``q_r``; ``sum_o a_ro = 1``; the offer
    receives ``q_r a_ro`` units. Split demand: integer ``a_ro`` in
    ``[0, min(q_r, C_o)]`` with ``sum_o a_ro = q_r``.
    ``Q_o = sum_r (q_r) a_ro`` is the offer's quantity.
All-units tiers (multiple choice)
    One binary ``z_ot`` and one quantity ``w_ot`` per tier, with
    ``lo_t z_ot <= w_ot <= hi_t z_ot``, ``lo_t = max(m_t, L_o)``,
    ``hi_t = min(m_{t+1} - 1, U_o)``, ``sum_t z_ot <= 1``, ``Q_o = sum_t w_ot``
    and purchase cost ``sum_t p_t w_ot``. This is the disjunctive (convex-hull)
    formulation of the offer's cost curve: its LP relaxation gives the convex
    envelope of the cost, where big-M price constraints would give nothing.
    The minimum award and the capacity live in the tier bounds.
Incremental tiers (ordered segments)
    ``w_os`` in ``[0, W_s]``, ``W_s`` the width of band ``s`` truncated at
    ``U_o``; binary ``g_os`` "band s is reached" with ``w_os <= W_s g_os`` and
    ``w_os >= W_s g_o,s+1``, so a band fills only after the previous one is
    full (prices fall with quantity, so without the binaries the solver would
    fill the cheap bands first). A minimum award ``L_o`` in band ``s*`` gives
    ``w_os* >= (L_o - m_s* + 1) g_o1``.
Vendor cap
    Binary ``u_vi`` per vendor and item; ``a_ro <= ub(a_ro) u_vi`` for every
    assignment to the vendor's offers on the item; ``sum_v u_vi <= K``.
Total-quantity discounts (bracket choice)
    The vendor's purchase value ``V_v = sum p w`` over its offers is split into
    bracket variables ``e_vk`` with ``b_k h_vk <= e_vk <= (b_k+1 - 0.01) h_vk``,
    ``sum_k h_vk = 1``, ``sum_k e_vk = V_v``; the objective pays
    ``(1 - f_k/100) e_vk`` instead of ``V_v``. Values are whole cents, hence the
    upper bound one cent below the next bracket.
Objective
    Discounted purchase value of every vendor plus ``s_o * tco_years * Q_o``.
Coalition mode (the core check)
    A binary ``y_d`` per district replaces the right-hand side of its demand
    rows (``sum_o a_ro = y_d``, or ``q_r y_d``) and the objective subtracts
    ``share_d y_d``: the minimum is the most a coalition gains by leaving.

Every row is a tight bound; no big-M appears. The matrix is built once as a
``scipy.sparse`` COO matrix and handed to :func:`scipy.optimize.milp`.

HiGHS runs in a child process (:func:`run_guarded`): HiGHS normally honours
its ``time_limit``, but a stuck solve must not hold a web worker, so the
parent kills the child at the limit plus a grace period.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from .problem import Demand, Problem

#: Seconds a child may run past its time limit before it is killed, plus 10 %.
GRACE_S = 3.0
_CENT = 0.01


@dataclass(frozen=True)
class MilpArrays:
    """The numeric MILP: minimise ``c @ x`` s.t. ``row_lb <= A @ x <= row_ub``."""

    c: np.ndarray
    integrality: np.ndarray
    lb: np.ndarray
    ub: np.ndarray
    A: sp.csr_array
    row_lb: np.ndarray
    row_ub: np.ndarray

    @property
    def size(self) -> dict[str, int]:
        return {
            "variables": int(self.c.size),
            "integer_variables": int(np.count_nonzero(self.integrality)),
            "constraints": int(self.A.shape[0]),
            "nonzeros": int(self.A.nnz),
        }


@dataclass(frozen=True)
class Assignment:
    demand: Demand
    offer_index: int
    var: int
    units_per_value: int  # q for a whole-demand binary, 1 for a split integer


@dataclass(frozen=True)
class Model:
    """A built MILP and the map from its variables back to awards."""

    arrays: MilpArrays
    assignments: tuple[Assignment, ...]
    coalition_vars: dict[str, int]

    def awards(self, x: np.ndarray) -> dict[tuple[str, str, int], int]:
        """Awarded units per ``(district, item, offer index)`` from a solution."""
        units: dict[tuple[str, str, int], int] = {}
        for a in self.assignments:
            value = int(round(x[a.var])) * a.units_per_value
            if value > 0:
                units[(a.demand.district, a.demand.item, a.offer_index)] = value
        return units

    def coalition(self, x: np.ndarray) -> list[str]:
        return [d for d, var in self.coalition_vars.items() if x[var] > 0.5]


class _Builder:
    def __init__(self) -> None:
        self.c: list[float] = []
        self.integrality: list[int] = []
        self.lb: list[float] = []
        self.ub: list[float] = []
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.vals: list[float] = []
        self.row_lb: list[float] = []
        self.row_ub: list[float] = []

    def var(self, *, cost: float = 0.0, ub: float, integer: bool) -> int:
        self.c.append(cost)
        self.integrality.append(1 if integer else 0)
        self.lb.append(0.0)
        self.ub.append(ub)
        return len(self.c) - 1

    def row(self, terms: list[tuple[int, float]], lo: float, hi: float) -> None:
        r = len(self.row_lb)
        for col, val in terms:
            self.rows.append(r)
            self.cols.append(col)
            self.vals.append(val)
        self.row_lb.append(lo)
        self.row_ub.append(hi)

    def arrays(self) -> MilpArrays:
        shape = (len(self.row_lb), len(self.c))
        A = sp.coo_array((self.vals, (self.rows, self.cols)), shape=shape).tocsr()
        return MilpArrays(
            c=np.asarray(self.c, dtype=float),
            integrality=np.asarray(self.integrality, dtype=np.uint8),
            lb=np.asarray(self.lb, dtype=float),
            ub=np.asarray(self.ub, dtype=float),
            A=A,
            row_lb=np.asarray(self.row_lb, dtype=float),
            row_ub=np.asarray(self.row_ub, dtype=float),
        )


def eligible_offers(problem: Problem, demands: tuple[Demand, ...]) -> dict[Demand, list[int]]:
    """Offers (by index) each demand may be awarded to, after dropping unusable offers.

    An offer is usable when some demand it serves can reach its minimum award
    within its capacity; whole demands larger than the capacity are excluded.
    """
    region = {d.id: d.region for d in problem.districts}
    split = problem.rules.split_district_demand
    candidates: dict[Demand, list[int]] = {r: [] for r in demands}
    reach = [0] * len(problem.offers)
    by_item: dict[str, list[int]] = {}
    for k, offer in enumerate(problem.offers):
        by_item.setdefault(offer.item, []).append(k)
    for r in demands:
        for k in by_item.get(r.item, []):
            offer = problem.offers[k]
            if not offer.serves(region[r.district]):
                continue
            if not split and offer.capacity is not None and r.quantity > offer.capacity:
                continue
            candidates[r].append(k)
            reach[k] += r.quantity
    upper = [upper_quantity(o, reach[k]) for k, o in enumerate(problem.offers)]
    usable = [upper[k] >= max(o.min_award_quantity, 1) for k, o in enumerate(problem.offers)]
    return {r: [k for k in ks if usable[k]] for r, ks in candidates.items()}


def upper_quantity(offer, reachable_units: int) -> int:
    return reachable_units if offer.capacity is None else min(offer.capacity, reachable_units)


def build_model(
    problem: Problem,
    *,
    demands: tuple[Demand, ...] | None = None,
    coalition_shares: dict[str, Decimal] | None = None,
) -> Model:
    """Build the MILP of ``problem``; see the module docstring for the formulation.

    Parameters
    ----------
    problem : Problem
        A validated problem.
    demands : tuple of Demand, optional
        Buy only these demands (a coalition's own purchase). Default: all.
    coalition_shares : dict, optional
        District -> allocated cost. Builds the core-check model instead: the
        solver picks the coalition that gains most by buying alone.

    Returns
    -------
    Model
    """
    demands = problem.demands if demands is None else demands
    years = problem.tco_years
    split = problem.rules.split_district_demand
    cap = problem.rules.max_vendors_per_item
    eligible = eligible_offers(problem, demands)
    b = _Builder()

    coalition_vars: dict[str, int] = {}
    if coalition_shares is not None:
        for r in demands:
            if r.district not in coalition_vars:
                share = float(coalition_shares[r.district])
                coalition_vars[r.district] = b.var(cost=-share, ub=1, integer=True)

    # Assignments, and each offer's quantity terms.
    offer_terms: dict[int, list[tuple[int, float]]] = {}
    assignments: list[Assignment] = []
    reach: dict[int, int] = {}
    for r in demands:
        terms = []
        for k in eligible[r]:
            offer = problem.offers[k]
            if split:
                bound = r.quantity if offer.capacity is None else min(r.quantity, offer.capacity)
                var = b.var(ub=bound, integer=True)
                per_value = 1
            else:
                var = b.var(ub=1, integer=True)
                per_value = r.quantity
            assignments.append(Assignment(r, k, var, per_value))
            offer_terms.setdefault(k, []).append((var, float(per_value)))
            reach[k] = reach.get(k, 0) + r.quantity
            terms.append((var, 1.0))
        rhs = float(r.quantity if split else 1)
        if coalition_shares is None:
            b.row(terms, rhs, rhs)
        else:
            b.row(terms + [(coalition_vars[r.district], -rhs)], 0.0, 0.0)

    # Vendor cap: which vendor-item pairs need a binary.
    vendor_of = {k: problem.offers[k].vendor for k in offer_terms}
    vendor_item_binary: dict[tuple[str, str], int] = {}
    if cap is not None:
        vendors_on_item: dict[str, set[str]] = {}
        for k in offer_terms:
            vendors_on_item.setdefault(problem.offers[k].item, set()).add(vendor_of[k])
        for item, vendors in sorted(vendors_on_item.items()):
            if len(vendors) <= cap:
                continue
            binaries = []
            for v in sorted(vendors):
                vendor_item_binary[(v, item)] = b.var(ub=1, integer=True)
                binaries.append((vendor_item_binary[(v, item)], 1.0))
            b.row(binaries, -np.inf, float(cap))
        for a in assignments:
            key = (vendor_of[a.offer_index], a.demand.item)
            if key in vendor_item_binary:
                bound = b.ub[a.var]
                b.row([(a.var, 1.0), (vendor_item_binary[key], -bound)], -np.inf, 0.0)

    # Vendor discounts: a single reachable bracket is a constant factor.
    vendor_value_terms: dict[str, list[tuple[int, float]]] = {}
    vendor_max_value: dict[str, float] = {}
    for k in offer_terms:
        offer = problem.offers[k]
        upper = upper_quantity(offer, reach[k])
        vendor_max_value[offer.vendor] = (
            vendor_max_value.get(offer.vendor, 0.0) + float(offer.tiers[0].unit_price) * upper
        )
    vendor_by_id = {v.id: v for v in problem.vendors}
    vendor_brackets: dict[str, list[tuple[float, float, float]]] = {}
    for v, max_value in vendor_max_value.items():
        brackets = [(float(x.min_value), float(x.percent)) for x in vendor_by_id[v].total_discounts]
        if not brackets or brackets[0][0] > 0:
            brackets.insert(0, (0.0, 0.0))
        reachable = [br for br in brackets if br[0] <= max_value + 1e-9]
        bounded = []
        for j, (lo, pct) in enumerate(reachable):
            hi = max_value if j + 1 == len(reachable) else min(reachable[j + 1][0] - _CENT, max_value)
            bounded.append((lo, hi, pct))
        vendor_brackets[v] = bounded
    price_factor = {
        v: (1.0 - br[0][2] / 100.0 if len(br) == 1 else 0.0) for v, br in vendor_brackets.items()
    }

    for k in sorted(offer_terms):
        offer = problem.offers[k]
        upper = upper_quantity(offer, reach[k])
        minimum = offer.min_award_quantity
        support = float(offer.annual_cost_per_unit) * years
        factor = price_factor[offer.vendor]
        starts = [t.min_quantity for t in offer.tiers]
        ends = [s - 1 for s in starts[1:]] + [upper]
        bands = [
            (start, min(end, upper), float(t.unit_price))
            for start, end, t in zip(starts, ends, offer.tiers)
            if start <= upper
        ]
        quantity_vars: list[int] = []
        if offer.pricing == "all_units":
            choices = [
                (max(start, minimum), end, price)
                for start, end, price in bands
                if max(start, minimum) <= end
            ]
            if len(choices) == 1 and choices[0][0] <= 1:
                lo, hi, price = choices[0]
                w = b.var(cost=price * factor + support, ub=hi, integer=False)
                quantity_vars.append(w)
                vendor_value_terms.setdefault(offer.vendor, []).append((w, price))
            else:
                pick = []
                for lo, hi, price in choices:
                    z = b.var(ub=1, integer=True)
                    w = b.var(cost=price * factor + support, ub=hi, integer=False)
                    b.row([(w, 1.0), (z, -float(lo))], 0.0, np.inf)
                    b.row([(w, 1.0), (z, -float(hi))], -np.inf, 0.0)
                    pick.append((z, 1.0))
                    quantity_vars.append(w)
                    vendor_value_terms.setdefault(offer.vendor, []).append((w, price))
                b.row(pick, -np.inf, 1.0)
        else:
            widths = [end - start + 1 for start, end, _ in bands]
            ws = []
            for (start, end, price), width in zip(bands, widths):
                w = b.var(cost=price * factor + support, ub=width, integer=False)
                ws.append(w)
                vendor_value_terms.setdefault(offer.vendor, []).append((w, price))
            # g[s] = band s reached; band 0 needs a binary only for a minimum award.
            need_first = minimum > 1
            gs: list[int | None] = [
                b.var(ub=1, integer=True) if (s > 0 or need_first) else None for s in range(len(ws))
            ]
            for s, w in enumerate(ws):
                if gs[s] is not None:
                    b.row([(w, 1.0), (gs[s], -float(widths[s]))], -np.inf, 0.0)
                if s + 1 < len(ws):
                    b.row([(w, 1.0), (gs[s + 1], -float(widths[s]))], 0.0, np.inf)
            if need_first:
                s_min = max(s for s, (start, _, _) in enumerate(bands) if start <= minimum)
                needed = minimum - bands[s_min][0] + 1
                b.row([(ws[s_min], 1.0), (gs[0], -float(needed))], 0.0, np.inf)
            quantity_vars = ws
        b.row(offer_terms[k] + [(w, -1.0) for w in quantity_vars], 0.0, 0.0)

    for v, brackets in sorted(vendor_brackets.items()):
        if len(brackets) == 1:
            continue
        pick, parts = [], []
        for lo, hi, pct in brackets:
            h = b.var(ub=1, integer=True)
            e = b.var(cost=1.0 - pct / 100.0, ub=hi, integer=False)
            b.row([(e, 1.0), (h, -lo)], 0.0, np.inf)
            b.row([(e, 1.0), (h, -hi)], -np.inf, 0.0)
            pick.append((h, 1.0))
            parts.append((e, 1.0))
        b.row(pick, 1.0, 1.0)
        b.row(parts + [(w, -p) for w, p in vendor_value_terms[v]], 0.0, 0.0)

    return Model(b.arrays(), tuple(assignments), coalition_vars)


@dataclass(frozen=True)
class RawSolution:
    """What HiGHS reported, or ``status=None`` when the child was killed."""

    status: int | None
    message: str
    x: np.ndarray | None
    objective: float | None
    dual_bound: float | None
    nodes: int | None
    solve_time_s: float


def solve_arrays(
    arrays: MilpArrays, *, time_limit_s: float | None, mip_rel_gap: float, progress: bool, relax: bool = False
) -> RawSolution:
    """Run HiGHS in this process. ``relax=True`` solves the LP relaxation."""
    options: dict[str, Any] = {"mip_rel_gap": mip_rel_gap, "disp": progress, "presolve": True}
    if time_limit_s is not None:
        options["time_limit"] = float(time_limit_s)
    integrality = np.zeros_like(arrays.integrality) if relax else arrays.integrality
    started = time.perf_counter()
    res = milp(
        arrays.c,
        integrality=integrality,
        bounds=Bounds(arrays.lb, arrays.ub),
        constraints=LinearConstraint(arrays.A, arrays.row_lb, arrays.row_ub),
        options=options,
    )
    elapsed = time.perf_counter() - started
    dual = getattr(res, "mip_dual_bound", None)
    if relax and res.status == 0:
        dual = res.fun
    return RawSolution(
        status=int(res.status),
        message=str(res.message),
        x=res.x,
        objective=None if res.fun is None else float(res.fun),
        dual_bound=None if dual is None else float(dual),
        nodes=getattr(res, "mip_node_count", None),
        solve_time_s=elapsed,
    )


def _child_main(conn, progress: bool) -> None:
    if progress:
        # HiGHS logs to the C stdout; the command line keeps stdout for JSON.
        os.dup2(2, 1)
    conn.send("ready")
    while True:
        task = conn.recv()
        if task is None:
            return
        arrays, time_limit_s, mip_rel_gap, relax = task
        conn.send(
            solve_arrays(arrays, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap, progress=progress, relax=relax)
        )


def _context():
    # fork: a child starts in milliseconds with scipy already imported and
    # without re-running the caller's __main__ (forkserver and spawn do, which
    # breaks unguarded scripts). The child only runs HiGHS and a pipe.
    return multiprocessing.get_context("fork")


def run_guarded(
    tasks: list[MilpArrays],
    *,
    time_limit_s: float | None,
    mip_rel_gap: float,
    progress: bool = False,
    relax: bool = False,
    on_done: Callable[[int], None] | None = None,
) -> list[RawSolution]:
    """Solve each MILP in a child process that is killed if it overruns.

    One child serves the whole batch; a child that has not answered
    ``GRACE_S`` seconds plus 10 % after its time limit is killed, its task
    reported with ``status=None``, and a new child takes the remaining tasks.
    """
    ctx = _context()
    results: list[RawSolution] = []
    deadline_s = None if time_limit_s is None else time_limit_s * 1.1 + GRACE_S
    pending = list(tasks)
    while pending:
        parent, child = ctx.Pipe()
        process = ctx.Process(target=_child_main, args=(child, progress), daemon=True)
        process.start()
        child.close()
        try:
            if not parent.poll(60.0):
                raise RuntimeError("the solver process did not start")
            parent.recv()
            while pending:
                arrays = pending[0]
                started = time.perf_counter()
                parent.send((arrays, time_limit_s, mip_rel_gap, relax))
                if not parent.poll(deadline_s):
                    process.kill()
                    pending.pop(0)
                    results.append(
                        RawSolution(
                            None,
                            "the solver overran its time limit and was stopped",
                            None,
                            None,
                            None,
                            None,
                            time.perf_counter() - started,
                        )
                    )
                    if on_done is not None:
                        on_done(len(results))
                    break
                results.append(parent.recv())
                pending.pop(0)
                if on_done is not None:
                    on_done(len(results))
            else:
                parent.send(None)
        finally:
            parent.close()
            process.join(5.0)
            if process.is_alive():
                process.kill()
                process.join()
    return results
