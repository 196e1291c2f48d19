"""The allocation problem as a mixed-integer linear program (the formulation).

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

The arrays are solved by :mod:`pricing.highs`, in a guarded child process
(:mod:`pricing.guard`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import scipy.sparse as sp

from .highs import MilpArrays
from .problem import Demand, District, Problem

#: A cent: the upper bound of a discount bracket is one cent below the next one's threshold.
_CENT = 0.01


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
        vendor_max_value[offer.vendor] = vendor_max_value.get(offer.vendor, 0.0) + float(
            offer.tiers[0].unit_price
        ) * upper_quantity(offer, units)
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


#: Price bands of an offer: (first unit, last unit, unit price), cut at ``U_o``.
Bands = list[tuple[int, int, float]]


@dataclass
class _Assigned:
    """The assignment columns ``a_ro``, one per eligible pair, and what the later sections add to them.

    ``var[j]`` carries ``per_value[j]`` units of pair ``j``, up to ``bound[j]``.
    ``tagged`` lists (columns, their items) for :attr:`Model.column_item`;
    ``value_terms`` each coupling vendor's (columns, unit prices) of purchase value.
    """

    var: np.ndarray
    per_value: np.ndarray
    bound: np.ndarray
    tagged: list[tuple[np.ndarray, np.ndarray]]
    value_terms: dict[str, list[tuple[np.ndarray, np.ndarray]]]


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
    pairs = eligible_pairs(problem, demands)
    reach = {int(k): int(pairs.reach[k]) for k in np.flatnonzero(pairs.reach > 0)}
    brackets_of = vendor_brackets(problem, reach)
    # A vendor with one reachable bracket has a constant price factor; the others' go through the brackets.
    price_factor = {v: (1.0 - br[0][2] / 100.0 if len(br) == 1 else 0.0) for v, br in brackets_of.items()}
    coupling = tuple(v for v, br in brackets_of.items() if len(br) > 1)
    items = tuple(dict.fromkeys(r.item for r in demands))
    b = _Builder()

    coalition_vars = _coalition_vars(b, demands, coalition_shares)
    bands, simple = _price_bands(problem, reach)
    assigned = _assignments(b, problem, demands, pairs, bands, simple, price_factor, coupling, items)
    _demand_rows(b, problem, demands, pairs, assigned, coalition_vars)
    if problem.rules.max_vendors_per_item is not None:
        _vendor_cap(b, problem, reach, pairs, assigned)
    _tiers(b, problem, pairs, reach, bands, simple, price_factor, coupling, assigned, items)
    bracket_vars, value_rows = _discount_brackets(b, brackets_of, assigned.value_terms)

    arrays = b.arrays()
    column_item = np.full(arrays.c.size, -1, dtype=np.int64)
    for cols, tags in assigned.tagged:
        column_item[cols] = tags
    vendor_value = {
        v: (np.concatenate([t[0] for t in terms]), np.concatenate([t[1] for t in terms]))
        for v, terms in assigned.value_terms.items()
    }
    return Model(
        arrays,
        demands,
        pairs.demand,
        pairs.offer,
        assigned.var,
        assigned.per_value,
        coalition_vars,
        bracket_vars,
        items,
        column_item,
        vendor_value,
        value_rows,
    )


def _coalition_vars(
    b: _Builder, demands: tuple[Demand, ...], coalition_shares: dict[str, Decimal] | None
) -> dict[str, int]:
    """Coalition mode: a binary ``y_d`` per district, its objective ``-share_d``."""
    coalition_vars: dict[str, int] = {}
    if coalition_shares is not None:
        for r in demands:
            if r.district not in coalition_vars:
                share = float(coalition_shares[r.district])
                coalition_vars[r.district] = b.var(cost=-share, ub=1, integer=True)
    return coalition_vars


def _price_bands(problem: Problem, reach: dict[int, int]) -> tuple[dict[int, Bands], np.ndarray]:
    """Each usable offer's price bands, and which offers are simple (one price from the first unit)."""
    bands: dict[int, Bands] = {}
    simple = np.zeros(len(problem.offers), dtype=bool)  # one price from the first unit: cost on the assignment
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
    return bands, simple


def _assignments(
    b: _Builder,
    problem: Problem,
    demands: tuple[Demand, ...],
    pairs: Pairs,
    bands: dict[int, Bands],
    simple: np.ndarray,
    price_factor: dict[str, float],
    coupling: tuple[str, ...],
    items: tuple[str, ...],
) -> _Assigned:
    """Assignment: one column per eligible pair, all at once; simple offers' cost on them."""
    years = problem.tco_years
    n_offers = len(problem.offers)
    q = np.array([r.quantity for r in demands], dtype=np.int64)
    pd, po = pairs.demand, pairs.offer
    n_pairs = pd.size
    cap_arr = np.array(
        [np.iinfo(np.int64).max if o.capacity is None else o.capacity for o in problem.offers], dtype=np.int64
    ).reshape(-1)
    if problem.rules.split_district_demand:
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
    item_index = {item: n for n, item in enumerate(items)}
    demand_item = np.array([item_index[r.item] for r in demands], dtype=np.int64)
    tagged = [(a_vars, demand_item[pd] if n_pairs else np.zeros(0, np.int64))]
    value_terms: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
    vendor_of = np.array([o.vendor for o in problem.offers], dtype=object) if n_offers else np.zeros(0, object)
    simple_pairs = simple[po]
    for v in coupling:
        mask = simple_pairs & (vendor_of[po] == v)
        if mask.any():
            value_terms.setdefault(v, []).append((a_vars[mask], first_price[po[mask]] * per_value[mask]))
    return _Assigned(a_vars, per_value, bound, tagged, value_terms)


def _demand_rows(
    b: _Builder,
    problem: Problem,
    demands: tuple[Demand, ...],
    pairs: Pairs,
    assigned: _Assigned,
    coalition_vars: dict[str, int],
) -> None:
    """Demand rows: sum of a demand's assignments = 1 (whole) or q (split); ``y_d`` or ``q_r y_d`` in coalition mode."""
    n_pairs = pairs.demand.size
    rhs = (
        np.array([r.quantity for r in demands], dtype=float)
        if problem.rules.split_district_demand
        else np.ones(len(demands))
    )
    if not coalition_vars:
        b.row_block(len(demands), pairs.demand, assigned.var, np.ones(n_pairs), rhs, rhs)
    else:
        cvar = np.array([coalition_vars[r.district] for r in demands], dtype=np.int64)
        rows = np.concatenate([pairs.demand, np.arange(len(demands))])
        cols = np.concatenate([assigned.var, cvar])
        vals = np.concatenate([np.ones(n_pairs), -rhs])
        b.row_block(len(demands), rows, cols, vals, 0.0, 0.0)


def _vendor_cap(b: _Builder, problem: Problem, reach: dict[int, int], pairs: Pairs, assigned: _Assigned) -> None:
    """Vendor cap: a binary ``u_vi`` per vendor and item where the cap can bind, and its rows."""
    cap = problem.rules.max_vendors_per_item
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
        offer_u = np.array([u_index.get((o.vendor, o.item), -1) for o in problem.offers], dtype=np.int64)
        u_of_pair = offer_u[pairs.offer]
        sel = np.flatnonzero(u_of_pair >= 0)
        n = sel.size
        rows = np.concatenate([np.arange(n), np.arange(n)])
        cols = np.concatenate([assigned.var[sel], u_of_pair[sel]])
        vals = np.concatenate([np.ones(n), -assigned.bound[sel]])
        b.row_block(n, rows, cols, vals, -np.inf, 0.0)


def _tiers(
    b: _Builder,
    problem: Problem,
    pairs: Pairs,
    reach: dict[int, int],
    bands: dict[int, Bands],
    simple: np.ndarray,
    price_factor: dict[str, float],
    coupling: tuple[str, ...],
    assigned: _Assigned,
    items: tuple[str, ...],
) -> None:
    """The band variables of every offer that is not simple, tied to its quantity ``Q_o = sum q a``.

    Their columns are tagged with their item in ``assigned``, and a coupling
    vendor's are added to its purchase value terms there.
    """
    item_index = {item: n for n, item in enumerate(items)}
    years = problem.tco_years
    po = pairs.offer
    banded = np.flatnonzero(~simple[po])
    order = banded[np.argsort(po[banded], kind="stable")]
    starts_at = np.searchsorted(po[order], np.arange(len(problem.offers) + 1))
    for k in sorted(reach):
        if simple[k]:
            continue
        offer = problem.offers[k]
        sel = order[starts_at[k] : starts_at[k + 1]]
        q_terms = list(zip(assigned.var[sel].tolist(), assigned.per_value[sel].astype(float).tolist()))
        # Cost of a unit in band: its price at the vendor's constant factor (0 when coupled: the
        # brackets price it), plus its support over the years.
        factor, support = price_factor[offer.vendor], float(offer.annual_cost_per_unit) * years
        if offer.pricing == "all_units":
            ws = _all_units_tiers(b, bands[k], factor, support)
        else:
            ws = _incremental_tiers(b, bands[k], offer.min_award_quantity, factor, support)
        b.row(q_terms + [(w, -1.0) for w in ws], 0.0, 0.0)
        value_vars = np.array(ws, dtype=np.int64)
        assigned.tagged.append((value_vars, np.full(len(ws), item_index[offer.item])))
        if offer.vendor in coupling:
            assigned.value_terms.setdefault(offer.vendor, []).append(
                (value_vars, np.array([p for _, _, p in bands[k]]))
            )


def _all_units_tiers(b: _Builder, bands: Bands, factor: float, support: float) -> list[int]:
    """All-units tiers (multiple choice): ``z_ot`` and ``w_ot`` per tier; returns the ``w_ot``.

    The minimum award is already in the bands' first units.
    """
    pick, ws = [], []
    for lo, hi, price in bands:
        z = b.var(ub=1, integer=True)
        w = b.var(cost=price * factor + support, ub=hi, integer=False)
        b.row([(w, 1.0), (z, -float(lo))], 0.0, np.inf)
        b.row([(w, 1.0), (z, -float(hi))], -np.inf, 0.0)
        pick.append((z, 1.0))
        ws.append(w)
    b.row(pick, -np.inf, 1.0)
    return ws


def _incremental_tiers(b: _Builder, bands: Bands, minimum: int, factor: float, support: float) -> list[int]:
    """Incremental tiers (ordered segments): ``w_os`` and "band reached" binaries ``g_os``; returns the ``w_os``."""
    widths = [end - start + 1 for start, end, _ in bands]
    ws = [b.var(cost=price * factor + support, ub=width, integer=False) for (_, _, price), width in zip(bands, widths)]
    # Band 0 needs a binary only for a minimum award.
    need_first = minimum > 1
    gs: list[int | None] = [b.var(ub=1, integer=True) if (s > 0 or need_first) else None for s in range(len(ws))]
    for s, w in enumerate(ws):
        if gs[s] is not None:
            b.row([(w, 1.0), (gs[s], -float(widths[s]))], -np.inf, 0.0)
        if s + 1 < len(ws):
            b.row([(w, 1.0), (gs[s + 1], -float(widths[s]))], 0.0, np.inf)
    if need_first:
        s_min = max(s for s, (start, _, _) in enumerate(bands) if start <= minimum)
        needed = minimum - bands[s_min][0] + 1
        b.row([(ws[s_min], 1.0), (gs[0], -float(needed))], 0.0, np.inf)
    return ws


def _discount_brackets(
    b: _Builder,
    brackets_of: dict[str, list[tuple[float, float, float]]],
    value_terms: dict[str, list[tuple[np.ndarray, np.ndarray]]],
) -> tuple[dict[str, list[int]], dict[str, int]]:
    """Total-quantity discounts (bracket choice): ``h_vk`` and ``e_vk`` per coupling vendor.

    Returns each vendor's bracket binaries and the row that splits its value into brackets.
    """
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
        terms = value_terms.get(v, [])
        cols = np.concatenate([np.array([e for e, _ in parts], dtype=np.int64)] + [t[0] for t in terms])
        vals = np.concatenate([np.ones(len(parts))] + [-t[1] for t in terms])
        value_rows[v] = b.row_block(1, np.zeros(cols.size, dtype=np.int64), cols, vals, 0.0, 0.0)
    return bracket_vars, value_rows


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
