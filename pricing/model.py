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

Simple offers
    An offer with one price from the first unit, no minimum award above 1 and
    a capacity that the demands it serves cannot exceed has a linear cost: it
    is carried on the assignments themselves, without band variables. (A
    capacity below that demand keeps the band row, which holds it.)

Every row is a tight bound; no big-M appears. The assignment columns and
their rows are built as numpy blocks (one vectorised pass over the eligible
demand-offer pairs), the few per-offer and per-vendor rows in Python, and
the matrix is assembled once as a ``scipy.sparse`` COO matrix and handed to
:func:`scipy.optimize.milp`. Independent items are solved apart, see
:mod:`pricing.decompose`; items coupled by discounts are first searched with
the items solved one by one, see :mod:`pricing.brackets`. For that search
the model also records each column's item and each coupling vendor's
bracket binaries and value terms (:meth:`Model.item_costs`).

HiGHS runs in a child process (:func:`run_guarded`): HiGHS normally honours
its ``time_limit``, but a stuck solve must not hold a web worker, so the
parent kills the child at the limit plus a grace period. The child is forked
from a single-threaded caller and comes from a fork server otherwise (see
:func:`_context`). A batch may use several children side by side, and a
child may run other guarded work than a MILP (:class:`Job`).
"""

from __future__ import annotations

import dataclasses
import math
import multiprocessing
import multiprocessing.connection as mp_connection
import os
import threading
import time
import warnings
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from .problem import Demand, District, Problem

#: Seconds a child may run past its time limit before it is killed, plus 10 %.
GRACE_S = 3.0
#: Least time limit a task of a shared-budget batch gets (see :func:`run_guarded`).
MIN_TASK_S = 1.0
_CENT = 0.01
#: HiGHS options that switch off its RINS and RENS sub-MIP heuristics. On
#: models of up to ``SUB_MIP_OFF_BELOW`` integer variables they cost more root
#: time than they save (the LP bound is close and branching finds the
#: incumbent); on larger ones they are what finds a good incumbent at all.
NO_SUB_MIP = {"mip_heuristic_run_rins": False, "mip_heuristic_run_rens": False}
SUB_MIP_OFF_BELOW = 10_000


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
class Model:
    """A built MILP and the map from its variables back to awards.

    Assignment ``j`` gives ``units[j]`` units per unit of variable ``var[j]``
    of demand ``demands[demand[j]]`` to offer ``offer[j]``.
    """

    arrays: MilpArrays
    demands: tuple[Demand, ...]
    demand: np.ndarray
    offer: np.ndarray
    var: np.ndarray
    units: np.ndarray
    coalition_vars: dict[str, int]
    #: Vendor -> its bracket binaries ``h_vk``, lowest bracket first (only
    #: vendors with at least two reachable brackets, the coupling vendors).
    bracket_vars: dict[str, list[int]]
    #: The items bought, and the item of each column (-1: no item's column).
    items: tuple[str, ...]
    column_item: np.ndarray
    #: Coupling vendor -> (columns, unit prices) whose sum is its purchase value.
    vendor_value: dict[str, tuple[np.ndarray, np.ndarray]]
    #: Coupling vendor -> the row that splits its purchase value into brackets
    #: (its LP dual is the price factor the LP puts on the vendor's value).
    value_rows: dict[str, int]

    def awards(self, x: np.ndarray) -> dict[tuple[str, str, int], int]:
        """Awarded units per ``(district, item, offer index)`` from a solution."""
        values = np.rint(np.asarray(x)[self.var]).astype(np.int64) * self.units
        units: dict[tuple[str, str, int], int] = {}
        for j in np.flatnonzero(values > 0).tolist():
            r = self.demands[int(self.demand[j])]
            key = (r.district, r.item, int(self.offer[j]))
            units[key] = units.get(key, 0) + int(values[j])
        return units

    def coalition(self, x: np.ndarray) -> list[str]:
        return [d for d, var in self.coalition_vars.items() if x[var] > 0.5]

    def item_costs(self, factors: dict[str, float]) -> sp.csr_array:
        """Each item's cost as a linear function of the columns, one row per item.

        The cost of item ``items[i]`` (its purchase cost plus support) with
        the purchase value of each coupling vendor ``v`` multiplied by
        ``factors[v]`` instead of going through its discount brackets.
        """
        c = self.arrays.c.copy()
        for v, (cols, prices) in self.vendor_value.items():
            c[cols] += factors[v] * prices
        cols = np.flatnonzero((self.column_item >= 0) & (c != 0))
        return sp.csr_array((c[cols], (self.column_item[cols], cols)), shape=(len(self.items), c.size))


class _Builder:
    """Columns and rows, appended one at a time or as numpy blocks."""

    def __init__(self) -> None:
        self.n_vars = 0
        self.n_rows = 0
        self._c: list[np.ndarray] = []
        self._int: list[np.ndarray] = []
        self._ub: list[np.ndarray] = []
        self._rows: list[np.ndarray] = []
        self._cols: list[np.ndarray] = []
        self._vals: list[np.ndarray] = []
        self._rlb: list[np.ndarray] = []
        self._rub: list[np.ndarray] = []
        # scalar appends, flushed into blocks
        self.c: list[float] = []
        self.integ: list[int] = []
        self.ub: list[float] = []
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.vals: list[float] = []
        self.rlb: list[float] = []
        self.rub: list[float] = []

    def _flush(self) -> None:
        if self.c:
            self._c.append(np.asarray(self.c, float))
            self._int.append(np.asarray(self.integ, np.uint8))
            self._ub.append(np.asarray(self.ub, float))
            self.c, self.integ, self.ub = [], [], []
        if self.rows:
            self._rows.append(np.asarray(self.rows, np.int64))
            self._cols.append(np.asarray(self.cols, np.int64))
            self._vals.append(np.asarray(self.vals, float))
            self.rows, self.cols, self.vals = [], [], []
        if self.rlb:
            self._rlb.append(np.asarray(self.rlb, float))
            self._rub.append(np.asarray(self.rub, float))
            self.rlb, self.rub = [], []

    def var(self, *, cost: float = 0.0, ub: float, integer: bool) -> int:
        self.c.append(cost)
        self.integ.append(1 if integer else 0)
        self.ub.append(ub)
        self.n_vars += 1
        return self.n_vars - 1

    def row(self, terms: list[tuple[int, float]], lo: float, hi: float) -> None:
        for col, val in terms:
            self.rows.append(self.n_rows)
            self.cols.append(col)
            self.vals.append(val)
        self.rlb.append(lo)
        self.rub.append(hi)
        self.n_rows += 1

    def var_block(self, cost: np.ndarray, ub: np.ndarray, integer: bool) -> np.ndarray:
        self._flush()
        n = cost.size
        self._c.append(np.asarray(cost, float))
        self._int.append(np.full(n, 1 if integer else 0, np.uint8))
        self._ub.append(np.asarray(ub, float))
        first = self.n_vars
        self.n_vars += n
        return np.arange(first, first + n)

    def row_block(self, n: int, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, lo, hi) -> int:
        """``n`` rows; ``rows`` are 0-based within the block. Returns the first row."""
        self._flush()
        first = self.n_rows
        self._rows.append(np.asarray(rows, np.int64) + first)
        self._cols.append(np.asarray(cols, np.int64))
        self._vals.append(np.asarray(vals, float))
        self._rlb.append(np.broadcast_to(np.asarray(lo, float), (n,)).copy())
        self._rub.append(np.broadcast_to(np.asarray(hi, float), (n,)).copy())
        self.n_rows += n
        return first

    def arrays(self) -> MilpArrays:
        self._flush()

        def cat(parts: list[np.ndarray], dtype) -> np.ndarray:
            return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)

        shape = (self.n_rows, self.n_vars)
        A = sp.coo_array(
            (cat(self._vals, float), (cat(self._rows, np.int64), cat(self._cols, np.int64))), shape=shape
        ).tocsr()
        return MilpArrays(
            c=cat(self._c, float),
            integrality=cat(self._int, np.uint8),
            lb=np.zeros(self.n_vars),
            ub=cat(self._ub, float),
            A=A,
            row_lb=cat(self._rlb, float),
            row_ub=cat(self._rub, float),
        )


@dataclass(frozen=True)
class Pairs:
    """Eligible (demand, offer) pairs of a set of demands, as arrays.

    ``demand[j]`` indexes the demands, ``offer[j]`` the problem's offers;
    pairs are ordered by demand, then offer. ``reach[k]`` is the quantity the
    demands may bring to offer ``k``.
    """

    demand: np.ndarray
    offer: np.ndarray
    reach: np.ndarray


def _offer_tables(problem: Problem):
    regions = sorted({d.region for d in problem.districts})
    region_index = {r: k for k, r in enumerate(regions)}
    serves = np.zeros((len(problem.offers), len(regions)), dtype=bool)
    capacity = np.full(len(problem.offers), np.iinfo(np.int64).max, dtype=np.int64)
    minimum = np.zeros(len(problem.offers), dtype=np.int64)
    for k, offer in enumerate(problem.offers):
        if offer.regions is None:
            serves[k, :] = True
        else:
            for r in offer.regions:
                if r in region_index:
                    serves[k, region_index[r]] = True
        if offer.capacity is not None:
            capacity[k] = offer.capacity
        minimum[k] = offer.min_award_quantity
    return region_index, serves, capacity, minimum


def eligible_pairs(problem: Problem, demands: tuple[Demand, ...]) -> Pairs:
    """Offers each demand may be awarded to, after dropping unusable offers.

    An offer is usable when the demands it serves can reach its minimum award
    within its capacity; whole demands larger than the capacity are excluded.
    """
    region_index, serves, capacity, minimum = _offer_tables(problem)
    district_region = {d.id: region_index[d.region] for d in problem.districts}
    split = problem.rules.split_district_demand
    by_item: dict[str, list[int]] = {}
    for k, offer in enumerate(problem.offers):
        by_item.setdefault(offer.item, []).append(k)
    rows_by_item: dict[str, list[int]] = {}
    for j, r in enumerate(demands):
        rows_by_item.setdefault(r.item, []).append(j)
    q_all = np.array([r.quantity for r in demands], dtype=np.int64)
    reg_all = np.array([district_region[r.district] for r in demands], dtype=np.int64)
    dem_parts, off_parts = [], []
    for item, rows in rows_by_item.items():
        offers = np.array(by_item.get(item, []), dtype=np.int64)
        if offers.size == 0:
            continue
        rows_a = np.array(rows, dtype=np.int64)
        ok = serves[offers][:, reg_all[rows_a]].T  # demands x offers
        if not split:
            ok &= q_all[rows_a][:, None] <= capacity[offers][None, :]
        d_idx, o_idx = np.nonzero(ok)
        dem_parts.append(rows_a[d_idx])
        off_parts.append(offers[o_idx])
    demand = np.concatenate(dem_parts) if dem_parts else np.zeros(0, np.int64)
    offer = np.concatenate(off_parts) if off_parts else np.zeros(0, np.int64)
    reach = np.bincount(offer, weights=q_all[demand], minlength=len(problem.offers)).astype(np.int64)
    upper = np.minimum(capacity, reach)
    usable = upper >= np.maximum(minimum, 1)
    keep = usable[offer]
    demand, offer = demand[keep], offer[keep]
    order = np.lexsort((offer, demand))
    demand, offer = demand[order], offer[order]
    reach = np.bincount(offer, weights=q_all[demand], minlength=len(problem.offers)).astype(np.int64)
    return Pairs(demand, offer, reach)


def eligible_offers(problem: Problem, demands: tuple[Demand, ...]) -> dict[Demand, list[int]]:
    """Offers (by index) each demand may be awarded to; see :func:`eligible_pairs`."""
    pairs = eligible_pairs(problem, demands)
    out: dict[Demand, list[int]] = {r: [] for r in demands}
    for j, k in zip(pairs.demand.tolist(), pairs.offer.tolist()):
        out[demands[j]].append(k)
    return out


def upper_quantity(offer, reachable_units: int) -> int:
    return reachable_units if offer.capacity is None else min(offer.capacity, reachable_units)


def vendor_brackets(problem: Problem, reach: dict[int, int]) -> dict[str, list[tuple[float, float, float]]]:
    """Reachable discount brackets ``(low, high, percent)`` of each vendor with usable offers.

    A vendor's purchase value is at most the first-tier price times the most
    it can be awarded on each offer; brackets above that cannot be reached and
    the last bracket is cut there.
    """
    vendor_max_value: dict[str, float] = {}
    for k, units in reach.items():
        offer = problem.offers[k]
        vendor_max_value[offer.vendor] = (
            vendor_max_value.get(offer.vendor, 0.0) + float(offer.tiers[0].unit_price) * upper_quantity(offer, units)
        )
    vendor_by_id = {v.id: v for v in problem.vendors}
    out: dict[str, list[tuple[float, float, float]]] = {}
    for v, max_value in vendor_max_value.items():
        brackets = [(float(x.min_value), float(x.percent)) for x in vendor_by_id[v].total_discounts]
        if not brackets or brackets[0][0] > 0:
            brackets.insert(0, (0.0, 0.0))
        reachable = [br for br in brackets if br[0] <= max_value + 1e-9]
        bounded = []
        for j, (lo, pct) in enumerate(reachable):
            hi = max_value if j + 1 == len(reachable) else min(reachable[j + 1][0] - _CENT, max_value)
            bounded.append((lo, hi, pct))
        out[v] = bounded
    return out


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
        Buy only these demands (a coalition's own purchase, or one independent
        part of the problem). Default: all.
    coalition_shares : dict, optional
        District -> allocated cost. Builds the core-check model instead: the
        solver picks the coalition that gains most by buying alone.

    Returns
    -------
    Model
    """
    demands = problem.demands if demands is None else tuple(demands)
    years = problem.tco_years
    split = problem.rules.split_district_demand
    cap = problem.rules.max_vendors_per_item
    pairs = eligible_pairs(problem, demands)
    b = _Builder()
    n_offers = len(problem.offers)

    coalition_vars: dict[str, int] = {}
    if coalition_shares is not None:
        for r in demands:
            if r.district not in coalition_vars:
                share = float(coalition_shares[r.district])
                coalition_vars[r.district] = b.var(cost=-share, ub=1, integer=True)

    reach = {int(k): int(pairs.reach[k]) for k in np.flatnonzero(pairs.reach > 0)}
    brackets_of = vendor_brackets(problem, reach)
    price_factor = {v: (1.0 - br[0][2] / 100.0 if len(br) == 1 else 0.0) for v, br in brackets_of.items()}
    vendor_value_terms: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}

    # Price bands of each offer: (first unit, last unit, unit price), cut at U_o.
    bands: dict[int, list[tuple[int, int, float]]] = {}
    simple = np.zeros(n_offers, dtype=bool)  # one price from the first unit: cost on the assignment
    for k in reach:
        offer = problem.offers[k]
        upper = upper_quantity(offer, reach[k])
        starts = [t.min_quantity for t in offer.tiers]
        ends = [s - 1 for s in starts[1:]] + [upper]
        raw = [
            (start, min(end, upper), float(t.unit_price))
            for start, end, t in zip(starts, ends, offer.tiers)
            if start <= upper
        ]
        if offer.pricing == "all_units":
            minimum = offer.min_award_quantity
            raw = [(max(lo, minimum), hi, p) for lo, hi, p in raw if max(lo, minimum) <= hi]
            simple[k] = len(raw) == 1 and raw[0][0] <= 1
        elif len(raw) == 1 and offer.min_award_quantity <= 1:
            simple[k] = True  # a single incremental band is one price too
        # A capacity below the reachable demand needs the quantity row of the bands.
        simple[k] = simple[k] and raw[-1][1] >= reach[k]
        bands[k] = raw

    # Assignments, one column per eligible pair, all at once.
    q = np.array([r.quantity for r in demands], dtype=np.int64)
    pd, po = pairs.demand, pairs.offer
    n_pairs = pd.size
    cap_arr = np.array(
        [np.iinfo(np.int64).max if o.capacity is None else o.capacity for o in problem.offers], dtype=np.int64
    ).reshape(-1)
    if split:
        per_value = np.ones(n_pairs, dtype=np.int64)
        bound = np.minimum(q[pd], cap_arr[po]).astype(float) if n_pairs else np.zeros(0)
    else:
        per_value = q[pd]
        bound = np.ones(n_pairs)
    first_price = np.zeros(n_offers)
    unit_cost = np.zeros(n_offers)
    for k in np.flatnonzero(simple).tolist():
        offer = problem.offers[k]
        first_price[k] = bands[k][0][2]
        unit_cost[k] = first_price[k] * price_factor[offer.vendor] + float(offer.annual_cost_per_unit) * years
    a_vars = b.var_block(unit_cost[po] * per_value, bound, integer=True)
    items = tuple(dict.fromkeys(r.item for r in demands))
    item_index = {item: n for n, item in enumerate(items)}
    demand_item = np.array([item_index[r.item] for r in demands], dtype=np.int64)
    tagged: list[tuple[np.ndarray, np.ndarray]] = [(a_vars, demand_item[pd] if n_pairs else np.zeros(0, np.int64))]
    vendor_of = np.array([o.vendor for o in problem.offers], dtype=object) if n_offers else np.zeros(0, object)
    simple_pairs = simple[po]
    for v in brackets_of:
        if len(brackets_of[v]) == 1:
            continue
        mask = simple_pairs & (vendor_of[po] == v)
        if mask.any():
            vendor_value_terms.setdefault(v, []).append((a_vars[mask], first_price[po[mask]] * per_value[mask]))

    # Demand rows: sum of a demand's assignments = 1 (whole) or q (split).
    rhs = q.astype(float) if split else np.ones(len(demands))
    if coalition_shares is None:
        b.row_block(len(demands), pd, a_vars, np.ones(n_pairs), rhs, rhs)
    else:
        cvar = np.array([coalition_vars[r.district] for r in demands], dtype=np.int64)
        rows = np.concatenate([pd, np.arange(len(demands))])
        cols = np.concatenate([a_vars, cvar])
        vals = np.concatenate([np.ones(n_pairs), -rhs])
        b.row_block(len(demands), rows, cols, vals, 0.0, 0.0)

    # Vendor cap: a binary per vendor and item where the cap can bind.
    if cap is not None:
        vendors_on_item: dict[str, set[str]] = {}
        for k in reach:
            vendors_on_item.setdefault(problem.offers[k].item, set()).add(problem.offers[k].vendor)
        u_index: dict[tuple[str, str], int] = {}
        for item, vendors in sorted(vendors_on_item.items()):
            if len(vendors) <= cap:
                continue
            binaries = []
            for v in sorted(vendors):
                u_index[(v, item)] = b.var(ub=1, integer=True)
                binaries.append((u_index[(v, item)], 1.0))
            b.row(binaries, -np.inf, float(cap))
        if u_index:
            offer_u = np.array(
                [u_index.get((o.vendor, o.item), -1) for o in problem.offers], dtype=np.int64
            )
            u_of_pair = offer_u[po]
            sel = np.flatnonzero(u_of_pair >= 0)
            n = sel.size
            rows = np.concatenate([np.arange(n), np.arange(n)])
            cols = np.concatenate([a_vars[sel], u_of_pair[sel]])
            vals = np.concatenate([np.ones(n), -bound[sel]])
            b.row_block(n, rows, cols, vals, -np.inf, 0.0)

    # Offer quantity terms Q_o = sum q a for offers priced on band variables.
    banded = np.flatnonzero(~simple[po])
    order = banded[np.argsort(po[banded], kind="stable")]
    offer_sorted = po[order]
    starts_at = np.searchsorted(offer_sorted, np.arange(n_offers + 1))

    for k in sorted(reach):
        if simple[k]:
            continue
        offer = problem.offers[k]
        minimum = offer.min_award_quantity
        support = float(offer.annual_cost_per_unit) * years
        factor = price_factor[offer.vendor]
        sel = order[starts_at[k]:starts_at[k + 1]]
        q_terms = list(zip(a_vars[sel].tolist(), per_value[sel].astype(float).tolist()))
        value_vars: list[int] = []
        value_prices: list[float] = []
        if offer.pricing == "all_units":
            pick, ws = [], []
            for lo, hi, price in bands[k]:
                z = b.var(ub=1, integer=True)
                w = b.var(cost=price * factor + support, ub=hi, integer=False)
                b.row([(w, 1.0), (z, -float(lo))], 0.0, np.inf)
                b.row([(w, 1.0), (z, -float(hi))], -np.inf, 0.0)
                value_vars.append(w)
                value_prices.append(price)
                pick.append((z, 1.0))
                ws.append(w)
            b.row(pick, -np.inf, 1.0)
            b.row(q_terms + [(w, -1.0) for w in ws], 0.0, 0.0)
        else:
            widths = [end - start + 1 for start, end, _ in bands[k]]
            ws = []
            for (start, end, price), width in zip(bands[k], widths):
                w = b.var(cost=price * factor + support, ub=width, integer=False)
                ws.append(w)
                value_vars.append(w)
                value_prices.append(price)
            # Band 0 needs a binary only for a minimum award.
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
                s_min = max(s for s, (start, _, _) in enumerate(bands[k]) if start <= minimum)
                needed = minimum - bands[k][s_min][0] + 1
                b.row([(ws[s_min], 1.0), (gs[0], -float(needed))], 0.0, np.inf)
            b.row(q_terms + [(w, -1.0) for w in ws], 0.0, 0.0)
        tagged.append((np.array(value_vars, dtype=np.int64), np.full(len(value_vars), item_index[offer.item])))
        if len(brackets_of[offer.vendor]) > 1:
            vendor_value_terms.setdefault(offer.vendor, []).append(
                (np.array(value_vars, dtype=np.int64), np.array(value_prices))
            )

    bracket_vars: dict[str, list[int]] = {}
    value_rows: dict[str, int] = {}
    for v, brackets in sorted(brackets_of.items()):
        if len(brackets) == 1:
            continue
        pick, parts = [], []
        for lo, hi, pct in brackets:
            h = b.var(ub=1, integer=True)
            bracket_vars.setdefault(v, []).append(h)
            e = b.var(cost=1.0 - pct / 100.0, ub=hi, integer=False)
            b.row([(e, 1.0), (h, -lo)], 0.0, np.inf)
            b.row([(e, 1.0), (h, -hi)], -np.inf, 0.0)
            pick.append((h, 1.0))
            parts.append((e, 1.0))
        b.row(pick, 1.0, 1.0)
        terms = vendor_value_terms.get(v, [])
        cols = np.concatenate([np.array([e for e, _ in parts], dtype=np.int64)] + [t[0] for t in terms])
        vals = np.concatenate([np.ones(len(parts))] + [-t[1] for t in terms])
        value_rows[v] = b.row_block(1, np.zeros(cols.size, dtype=np.int64), cols, vals, 0.0, 0.0)

    arrays = b.arrays()
    column_item = np.full(arrays.c.size, -1, dtype=np.int64)
    for cols, tags in tagged:
        column_item[cols] = tags
    vendor_value = {
        v: (np.concatenate([t[0] for t in terms]), np.concatenate([t[1] for t in terms]))
        for v, terms in vendor_value_terms.items()
    }
    return Model(arrays, demands, pd, po, a_vars, per_value, coalition_vars, bracket_vars, items, column_item,
                 vendor_value, value_rows)


def relaxation_model(problem: Problem, demands: tuple[Demand, ...]) -> Model:
    """A small model with the LP relaxation of :func:`build_model`'s, for LP bounds only.

    In the LP relaxation an assignment is a share of a demand's units, so
    the demands of one item that may go to the same offers are
    interchangeable: their sum, split in units, has the same LP as the
    demands one by one. Each such group becomes one demand of a district of
    its own, offers serve exactly the groups they served, and split demand
    carries the units. Its vendor-cap rows bound a group's units on an offer
    by the offer's capacity as well, which every integer allocation obeys:
    the LP is at least as tight and still a relaxation. Its items, vendors
    and brackets are the original model's, in the same order; its integer
    solutions are not allocations (the groups are not districts).

    On the XL benchmark's part (500 districts) the LP has 10,337 columns
    instead of 254,550 and solves in 0.08 s instead of 2.5 s, to the same bound.
    """
    groups: dict[tuple[str, tuple[int, ...]], int] = {}
    for r, offers in eligible_offers(problem, demands).items():
        key = (r.item, tuple(offers))
        groups[key] = groups.get(key, 0) + r.quantity
    districts, grouped, served = [], [], {}
    for n, ((item, offers), quantity) in enumerate(groups.items()):
        name = f"group-{n}"
        districts.append(District(name, name))
        grouped.append(Demand(name, item, quantity))
        for k in offers:
            served.setdefault(k, []).append(name)
    relaxed = dataclasses.replace(
        problem,
        districts=tuple(districts),
        demands=tuple(grouped),
        offers=tuple(dataclasses.replace(o, regions=tuple(served.get(k, ()))) for k, o in enumerate(problem.offers)),
        rules=dataclasses.replace(problem.rules, split_district_demand=True),
    )
    return build_model(relaxed, demands=tuple(grouped))


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
    if not relax and np.count_nonzero(integrality) <= SUB_MIP_OFF_BELOW:
        options.update(NO_SUB_MIP)
    started = time.perf_counter()
    with warnings.catch_warnings():
        # scipy passes options it does not list to HiGHS verbatim, with a warning.
        warnings.filterwarnings("ignore", message="Unrecognized options detected", category=RuntimeWarning)
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


@dataclass(frozen=True)
class Job:
    """Work for the guarded child other than one MILP: ``fn(*args, time_limit_s=...)``.

    ``fn`` must be a module-level function (it is pickled by name) and honour
    its time limit; its return value is sent back.
    """

    fn: Callable[..., Any]
    args: tuple


def _child_main(conn, progress: bool) -> None:
    if progress:
        # HiGHS logs to the C stdout; the command line keeps stdout for JSON.
        os.dup2(2, 1)
    else:
        # Some HiGHS builds print debugging lines (and highspy its banner) even with output off;
        # the child answers through the pipe only.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
    conn.send("ready")
    while True:
        task = conn.recv()
        if task is None:
            return
        work, time_limit_s, mip_rel_gap, relax = task
        if isinstance(work, Job):
            conn.send(work.fn(*work.args, time_limit_s=time_limit_s))
            continue
        conn.send(
            solve_arrays(work, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap, progress=progress, relax=relax)
        )


#: Start method of the solver child: ``None`` chooses (see :func:`_context`),
#: or one of ``"fork"``, ``"forkserver"``, ``"spawn"``.
START_METHOD: str | None = None


def _context():
    """The multiprocessing context of the solver child.

    ``fork`` when the caller runs a single Python thread: the child starts in
    about 25 ms with scipy already imported and without re-running the
    caller's ``__main__``. Forking a process that has other threads (a
    threaded web server, Playwright in a test process) can deadlock the child
    on a lock another thread held at the fork, so then the child comes from a
    ``forkserver`` (a clean single-threaded process started once, about
    0.6 s, with this module preloaded; each child after that about 30 ms).
    Like ``spawn``, ``forkserver`` imports the caller's main module in the
    child: a script that calls :func:`pricing.solve` from a threaded program
    needs the usual ``if __name__ == "__main__":`` guard.
    """
    method = START_METHOD or ("forkserver" if threading.active_count() > 1 else "fork")
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(["pricing.model"])
    return ctx


class _Child:
    """One solver child and the task it is on."""

    def __init__(self, ctx, progress: bool) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_child_main, args=(child, progress), daemon=True)
        self.process.start()
        child.close()
        self.task: int | None = None
        self.started = 0.0
        self.deadline = math.inf
        if not self.conn.poll(60.0):
            self.close(kill=True)
            raise RuntimeError("the solver process did not start")
        self.conn.recv()

    def close(self, *, kill: bool) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except OSError:
                pass
        self.conn.close()
        self.process.join(5.0)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


def run_guarded(
    tasks: list[MilpArrays | Job],
    *,
    time_limit_s: float | None,
    mip_rel_gap: float,
    progress: bool = False,
    relax: bool = False,
    on_done: Callable[[int], None] | None = None,
    shared: bool = False,
    workers: int = 1,
) -> list[Any]:
    """Solve each MILP (or run each :class:`Job`) in a child process that is killed if it overruns.

    ``workers`` children (one by default) serve the whole batch, each taking
    the next task when it is done; results come back in the order of
    ``tasks``. A child that has not answered ``GRACE_S`` seconds plus 10 %
    after its time limit is killed, its task reported as a
    :class:`RawSolution` with ``status=None``, and a new child takes the
    remaining tasks. A MILP's answer is a :class:`RawSolution`, a job's its
    return value. ``shared=True`` makes ``time_limit_s`` a budget for the
    whole batch: each task gets what is left of it (at least ``MIN_TASK_S``,
    so that every part of a decomposed problem gets a chance at a first
    solution). ``on_done`` is called with the number of tasks finished.
    """
    ctx = _context()
    results: list[Any] = [None] * len(tasks)
    batch_started = time.perf_counter()
    pending = list(range(len(tasks)))
    idle: list[_Child] = []
    busy: list[_Child] = []
    finished = 0

    def finish(child: _Child, answer: Any) -> None:
        nonlocal finished
        results[child.task] = answer
        busy.remove(child)
        finished += 1
        if on_done is not None:
            on_done(finished)

    try:
        while pending or busy:
            while pending and len(busy) < max(1, workers):
                child = idle.pop() if idle else _Child(ctx, progress)
                child.task = pending.pop(0)
                child.started = time.perf_counter()
                limit = time_limit_s
                if shared and limit is not None:
                    limit = max(MIN_TASK_S, limit - (child.started - batch_started))
                child.deadline = math.inf if limit is None else child.started + limit * 1.1 + GRACE_S
                child.conn.send((tasks[child.task], limit, mip_rel_gap, relax))
                busy.append(child)
            wait_s = min(c.deadline for c in busy) - time.perf_counter()
            ready = mp_connection.wait([c.conn for c in busy], None if math.isinf(wait_s) else max(0.0, wait_s))
            now = time.perf_counter()
            for child in list(busy):
                if child.conn in ready:
                    try:
                        answer = child.conn.recv()
                    except EOFError:
                        finish(child, RawSolution(None, "the solver process died", None, None, None, None,
                                                  now - child.started))
                        child.close(kill=True)
                        continue
                    finish(child, answer)
                    idle.append(child)
                elif now >= child.deadline:
                    finish(child, RawSolution(None, "the solver overran its time limit and was stopped",
                                              None, None, None, None, now - child.started))
                    child.close(kill=True)
    finally:
        for child in busy:
            child.close(kill=True)
        for child in idle:
            child.close(kill=False)
    return results
