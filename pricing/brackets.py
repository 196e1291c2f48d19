"""Coupled items solved one by one: an exact search over the discount brackets.

A vendor whose purchase value can reach two or more discount brackets
couples the items it bids on (see :mod:`pricing.decompose`). The LP
relaxation of its bracket choice is the convex envelope of its discounted
value ``g(V)``, which is the top discount's line ``(1 - f_top) V``: the LP
takes the top discount without reaching it. HiGHS then has to close that gap
and every item's own integrality gap in one tree over all the coupled items,
which is the product of the items' trees; its bound hardly moves on large
parts. This module closes the gap with the items solved one by one instead.

Boxes
    A box gives each coupling vendor a range of brackets ``lo..hi``; its
    region holds the allocations whose vendors' values lie in those brackets.
    There ``g(V) >= (1 - f_hi) V``, so the items' problems with each vendor at
    the constant factor ``1 - f_hi`` (no longer coupled) are a relaxation of
    the box: the sum of the items' proven bounds bounds the box, and the
    union of their solutions is an allocation. If every vendor's value in it
    reaches its ``hi`` bracket, it costs at most the relaxation and the box is
    done. Otherwise the vendors that fall short split the box at once (for
    two, ``v1`` at ``hi``; ``v1`` below ``hi`` and ``v2`` at ``hi``; both
    below ``hi``); a box whose short vendors cannot be split is stuck. An
    item's problem depends only on its own vendors' brackets, so its
    solutions are shared between boxes.
Item cuts
    For every item ``i`` solved alone at factors ``phi``, ``cost_i^phi(x_i) >=
    bound_i^phi`` holds for every allocation (one restricted to an item is a
    purchase of that item). These cuts lift the coupled model's LP
    relaxation to at least the sum of the items' bounds at any of those
    factors, and the LP keeps what the relaxation drops: each vendor's value
    is held in its box's brackets.
Incumbent
    The first box's relaxation has no coupling vendor discounting: the
    items bought as if alone, the incumbent ``U`` (later boxes may improve
    it). Costs are compared as the model counts them (a discount not rounded
    to the cent); the exact cost is recomputed by the caller.
Bracket fixing
    The coupled model with the item cuts, restricted to a range of one
    vendor's brackets, has an LP bound; when it exceeds ``U``, no allocation
    better than ``U`` has that vendor's value in that range and the range is
    dropped, its bound kept as part of the final lower bound. The ranges
    tried are "bracket ``k`` or above" and "below bracket ``k``"; rounds
    repeat until nothing changes. A child box gets the LP bound of its
    brackets too, and a box within the gap of ``U`` is closed with its bound.
    These LPs are solved on the part's grouped relaxation
    (:func:`pricing.model.relaxation_model`: the demands of an item that may
    go to the same offers summed into one), which has the coupled model's
    LP bound with a small fraction of its columns. The LPs differ only in a
    few bounds, so one HiGHS LP (``highspy``) is re-solved from its last
    basis. Two copies of the LP (``LP_THREADS``, threads: HiGHS releases the
    GIL) probe two vendors side by side; a copy lags behind the other's
    drops of the same round, so its region contains the current one and its
    bounds still hold. Each call returns its final basis, and the next one
    (the same columns, item cuts appended as rows) starts from it.
Lagrangian step
    A box whose relaxation falls short only of thresholds it holds (its
    short vendors each at one bracket) cannot be split. Its LP holds those
    thresholds and prices each vendor's value (the dual of its value row):
    the items solved at those price factors give the cuts that LP lacks
    most (Kelley's cutting planes on the box's Lagrangian dual), and the
    union of their allocations, pushed over the thresholds, may be a better
    incumbent. The box is then branched on again; once its prices give no
    item not solved yet, it is stuck.

The lower bound is the least of the dropped ranges' and closed boxes' bounds
and of the open and stuck boxes' bounds. When stuck boxes keep it from
proving ``U`` within the gap, the caller solves the box around them with
HiGHS, pruning at a cost cutoff just below ``U`` (its ``objective_bound``):
what HiGHS proves there bounds those boxes, and a box found empty below the
cutoff is bounded by the cutoff. (A search that ran out of time is not
followed by HiGHS: the time left would not get far on such a part.)

Region left
    Boxes get stuck where the items' relaxation at the box's prices falls
    short of a threshold the box holds (a duality gap of the Lagrangian step,
    which only a search of the allocations themselves closes). Often only a
    few vendors are short there; with every other vendor priced at the top of
    its range and its thresholds dropped (a relaxation), the items those
    vendors do not bid on are uncoupled and already solved alone, so HiGHS
    gets only the short vendors' items with their brackets held to the box
    (:class:`Region`), and their bound plus the others' proves the region.
    On the bench's L rounds with evaluation factors this is a third of the
    part's model, and HiGHS proves there what it could not prove on the
    whole part in the time left (bench/results/rounds.md).
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import highspy
import numpy as np
import scipy.sparse as sp

from .costing import price_awards
from .guard import Job, run_guarded
from .highs import MilpArrays, RawSolution, solve_arrays
from .model import Model, build_model, relaxation_model, vendor_brackets
from .problem import DiscountBracket, Problem

#: Boxes relaxed (their items solved) at a time. Two: the items at one box's
#: top brackets already keep the workers busy, and the next choice of boxes
#: then knows their children's LP bounds (bench/results/HISTORY.md).
NODE_BATCH = 2
#: Solver children solving items side by side (the items are independent MILPs).
WORKERS = max(1, min(2, len(os.sched_getaffinity(0))))
#: Copies of the LP probing side by side in the bracket fixing (threads: HiGHS releases the GIL).
LP_THREADS = WORKERS
#: Digits of the price factors an item is solved at (its key among the solved items).
FACTOR_DIGITS = 6
#: Tolerance of a proof in money (see :func:`within`).
HALF_CENT = 0.005
#: Item bounds enter the cuts lowered by this relative margin (floating point).
CUT_MARGIN = 1e-9
#: The cost cutoff of the last HiGHS run is the incumbent's cost less this
#: share of the gap: below 1, so that a region found empty proves the gap.
CUTOFF_SHARE = 0.99

Units = dict[tuple[str, str, int], int]
Ranges = dict[str, tuple[int, int]]


@dataclass(frozen=True)
class SearchResult:
    """What the search proved about a coupled part.

    ``units``/``cost``: the best allocation found and its cost as the model
    counts it, discounts not rounded to the cent (``None`` when none was
    found). ``bound``: a proven lower bound of the part's optimum (``None``
    when none is known), the least of ``dropped_bound`` (the least bound of
    the dropped ranges and settled boxes, ``inf`` when there are none) and
    ``region_bound`` (the least bound of the boxes left, ``inf`` when none
    is). ``restricted``: the coupled model restricted to the box around the
    boxes left, its cost at most ``cutoff`` (a little below the
    incumbent's), for the caller's HiGHS run: if HiGHS finds it infeasible,
    the region left is bounded by ``cutoff``.
    ``region``: when the boxes left are short only of some vendors'
    thresholds, ``restricted`` is the smaller model of :class:`Region`
    (those vendors' items alone) and its answer is read through it.
    ``timed_out``: the search used its whole budget (a HiGHS run in what
    is left of it would not get far on such a part). ``infeasible``: an item
    alone has no allocation, so the caller's HiGHS run reports it.
    """

    units: Units | None
    cost: float | None
    bound: float | None
    region_bound: float
    dropped_bound: float
    restricted: MilpArrays | Job
    cutoff: float
    solves: int
    solve_time_s: float
    timed_out: bool
    infeasible: bool = False
    #: When set, ``restricted`` is not the part's model but this region's (see :class:`Region`).
    region: Region | None = None
    #: With ``region``: the task on the whole box around the boxes left (what ``restricted`` is without one), for
    #: when the region's relaxation does not prove the part.
    box: MilpArrays | Job | None = None

    def proven(self, mip_rel_gap: float) -> bool:
        """Whether the allocation is proven within ``mip_rel_gap`` of the optimum (or to the cent)."""
        return self.cost is not None and self.bound is not None and within(self.cost, self.bound, mip_rel_gap)


def solve_below(
    arrays: MilpArrays, cutoff: float, mip_rel_gap: float, solver_log: bool, *, time_limit_s: float | None
) -> RawSolution:
    """HiGHS on ``arrays``, looking only for solutions that cost less than ``cutoff`` (a guarded :class:`Job`).

    The cutoff is HiGHS's ``objective_bound``, which prunes every node whose bound reaches it: no
    solution below it ends as infeasible. (A cost row in the model instead made HiGHS twice as
    slow to prove that on L-size rounds: bench/results/rounds.md.)
    """
    return solve_arrays(
        arrays,
        time_limit_s=time_limit_s,
        mip_rel_gap=mip_rel_gap,
        solver_log=solver_log,
        highs_options={"objective_bound": cutoff},
    )


def within(cost: float, bound: float, mip_rel_gap: float) -> bool:
    """Whether ``cost`` is proven within ``mip_rel_gap`` of optimal by ``bound``.

    Money is in cents, so a bound less than half a cent below the cost proves
    it whatever the gap asked: a sum of the items' floating-point bounds is
    rarely exactly the cost even when it proves it (``mip_rel_gap=0``).
    """
    return cost - bound <= max(mip_rel_gap * abs(cost), HALF_CENT)


@dataclass(frozen=True)
class LpBounds:
    """What :func:`lp_bounds` proved: surviving ranges, their bounds and the boxes'."""

    ranges: Ranges
    dropped_bound: float
    region_bound: float
    box_bounds: list[float | None]
    #: Each box's LP price factor of each coupling vendor's purchase value (the
    #: dual of its value row; ``None`` where the box's LP was not solved to optimality).
    box_prices: list[dict[str, float] | None]
    solves: int
    #: The final LP basis (HiGHS basis statuses of the columns, then of the rows), to warm-start the next call.
    basis: tuple[np.ndarray, np.ndarray] | None = None


def lp_bounds(
    arrays: MilpArrays,
    bracket_vars: dict[str, list[int]],
    ranges: Ranges,
    incumbent: float,
    boxes: list[Ranges],
    fixing: bool,
    basis: tuple[np.ndarray, np.ndarray] | None = None,
    value_rows: dict[str, int] | None = None,
    *,
    time_limit_s: float | None,
) -> LpBounds:
    """Bracket fixing against ``incumbent`` (if ``fixing``), then the LP bound of each box.

    Parameters
    ----------
    arrays : MilpArrays
        The coupled model with its item cuts.
    bracket_vars : dict
        Vendor -> its bracket binaries, lowest bracket first.
    ranges : dict
        Vendor -> the (first, last) brackets still possible.
    incumbent : float
        Cost of an allocation: a range whose bound exceeds it is dropped.
    boxes : list of dict
        Boxes (vendor -> range of brackets) to bound, after the fixing.
    fixing : bool
        Whether to probe the ranges (otherwise only the root and the boxes are solved).
    basis : tuple of arrays, optional
        A basis of an earlier call (:attr:`LpBounds.basis`) on the same
        columns and the first of the same rows: the root starts from it, the
        rows added since basic. Only a warm start: the bounds do not depend on it.
    value_rows : dict, optional
        Vendor -> the row of its purchase value: the boxes' LP prices are read there.
    time_limit_s : float or None
        Time limit of the whole call; LPs not solved in time bound nothing.

    Returns
    -------
    LpBounds
        A box outside the surviving ranges gets ``inf`` (its region was
        dropped); a box not solved in time ``None``. ``region_bound`` is the
        LP bound of the surviving ranges (``inf`` if the LP finds them empty).
    """
    deadline = math.inf if time_limit_s is None else time.perf_counter() + time_limit_s
    ub = arrays.ub.copy()
    ranges = dict(ranges)
    for v, (lo, hi) in ranges.items():
        ub[bracket_vars[v][:lo]] = 0
        ub[bracket_vars[v][hi + 1 :]] = 0
    with ThreadPoolExecutor(max_workers=max(1, LP_THREADS - 1)) as pool:
        # Copies of the LP probe side by side: ``run`` releases the GIL. The copies
        # are built while the first solves the root, and start from its basis.
        copies = [pool.submit(_lp, arrays, ub, time_limit_s) for _ in range(LP_THREADS - 1)]
        lps = [_lp(arrays, ub, time_limit_s)]
        if basis is not None and basis[0].size == arrays.c.size and basis[1].size <= arrays.A.shape[0]:
            start = highspy.HighsBasis()
            start.col_status = [_STATUS[x] for x in basis[0].tolist()]
            start.row_status = [_STATUS[x] for x in basis[1].tolist()] + [highspy.HighsBasisStatus.kBasic] * (
                arrays.A.shape[0] - basis[1].size
            )
            lps[0].setBasis(start)
        return _Fixing(lps, copies, pool, bracket_vars, value_rows or {}, ranges, incumbent, deadline).run(
            boxes, fixing
        )


_STATUS = {int(s): s for s in highspy.HighsBasisStatus.__members__.values()}


def _lp(arrays: MilpArrays, ub: np.ndarray, time_limit_s: float | None) -> highspy.Highs:
    """A HiGHS LP of ``arrays`` with column upper bounds ``ub``."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    if time_limit_s is not None:
        h.setOptionValue("time_limit", float(time_limit_s))
    A = arrays.A.tocsr()
    h.addCols(arrays.c.size, arrays.c, arrays.lb, ub, 0, np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0))
    h.addRows(
        A.shape[0],
        arrays.row_lb,
        arrays.row_ub,
        A.nnz,
        A.indptr[:-1].astype(np.int32),
        A.indices.astype(np.int32),
        A.data,
    )
    return h


def _close(h: highspy.Highs, closed: list[int], upper: float = 0.0) -> None:
    """Set the upper bound of the binaries ``closed`` (0: fixed to 0)."""
    idx = np.array(closed, dtype=np.int32)
    h.changeColsBounds(idx.size, idx, np.zeros(idx.size), np.full(idx.size, upper))


class _Fixing:
    """The body of :func:`lp_bounds`: bracket fixing on copies of one LP, then the boxes' bounds.

    Vendors are probed side by side, one per copy, each copy holding the
    ranges as they were when the vendors were handed out plus its own
    vendor's drops: a copy's region contains the current one, so its bound
    and drops stay valid. The drops are then applied to every copy.
    """

    def __init__(
        self,
        lps: list[highspy.Highs],
        copies: list,
        pool: ThreadPoolExecutor,
        bracket_vars: dict[str, list[int]],
        value_rows: dict[str, int],
        ranges: Ranges,
        incumbent: float,
        deadline: float,
    ) -> None:
        self.lps = lps
        self.copies = copies  # futures of more copies of the LP, taken once the root is solved
        self.pool = pool
        self.bracket_vars, self.value_rows = bracket_vars, value_rows
        self.ranges = ranges
        self.incumbent = incumbent
        self.deadline = deadline
        self.solves = [0] * LP_THREADS
        self.prices: list[dict[str, float] | None] = [None] * LP_THREADS  # of each copy's last LP

    def bound(self, n: int, closed: list[int]) -> float | None:
        """LP bound of copy ``n`` with the binaries ``closed`` fixed to 0 as well (None: out of time or unsolved)."""
        self.prices[n] = None
        if self.deadline - time.perf_counter() <= 0:
            return None
        h = self.lps[n]
        _close(h, closed)
        h.run()
        self.solves[n] += 1
        status = h.getModelStatus()
        value = (
            h.getInfo().objective_function_value
            if status == highspy.HighsModelStatus.kOptimal
            else math.inf
            if status == highspy.HighsModelStatus.kInfeasible
            else None
        )
        if status == highspy.HighsModelStatus.kOptimal and self.value_rows:
            duals = h.getSolution().row_dual
            self.prices[n] = {v: float(duals[r]) for v, r in self.value_rows.items()}
        _close(h, closed, 1.0)
        return value

    def outside(self, v: str, lo: int, hi: int) -> list[int]:
        """Binaries of ``v``'s surviving brackets outside ``lo..hi``."""
        cur_lo, cur_hi = self.ranges[v]
        return [self.bracket_vars[v][k] for k in range(cur_lo, cur_hi + 1) if not lo <= k <= hi]

    def probe(self, n: int, v: str) -> float:
        """Probe vendor ``v``'s range on copy ``n``, dropping what it can there; the least bound dropped."""
        dropped = math.inf
        lo, hi = self.ranges[v]
        # "bracket k or above" drops the top of the range, "below k" its bottom; every k is
        # tried: trying only the ends first dropped the same with more LPs (bench/results/HISTORY.md).
        for k in range(lo + 1, hi + 1):
            b = self.bound(n, self.outside(v, k, hi))
            if b is not None and b > self.incumbent:
                dropped = min(dropped, b)
                _close(self.lps[n], self.outside(v, lo, k - 1))
                self.ranges[v] = (lo, k - 1)
                break
        lo, hi = self.ranges[v]
        for k in range(hi, lo, -1):
            b = self.bound(n, self.outside(v, lo, k - 1))
            if b is not None and b > self.incumbent:
                dropped = min(dropped, b)
                _close(self.lps[n], self.outside(v, k, hi))
                self.ranges[v] = (k, hi)
                break
        return dropped

    def side_by_side(self, work: list, fn: Callable[[int, Any], Any]) -> list:
        """``fn(n, item)`` for the items of ``work``, copy ``n`` taking every ``len(lps)``-th item in turn."""
        out = []
        for at in range(0, len(work), len(self.lps)):
            chunk = work[at : at + len(self.lps)]
            futures = [self.pool.submit(fn, n, item) for n, item in enumerate(chunk) if n > 0]
            first = fn(0, chunk[0])
            out += [first] + [f.result() for f in futures]
        return out

    def take_copies(self) -> None:
        """Add the copies being built to the LPs; they start from the root's basis."""
        basis = self.lps[0].getBasis()
        for f in self.copies:
            self.lps.append(f.result())
            self.lps[-1].setBasis(basis)
        self.copies = []

    def fix(self, fixing: bool) -> tuple[float, float]:
        """Rounds of probing until nothing changes (only the root if not ``fixing``).

        Returns the least bound dropped and the bound of the surviving ranges.
        """
        dropped, region = math.inf, -math.inf
        # Vendor -> the ranges its copy held when it last probed it: probing again
        # against the same ranges would solve the same LPs.
        seen: dict[str, Ranges] = {}
        while True:
            root = self.bound(0, [])
            if self.copies:
                self.take_copies()
            if root is None:
                break
            region = root
            alive = [v for v, (lo, hi) in self.ranges.items() if lo < hi]
            if not fixing or not alive or math.isinf(root):
                break
            before = dict(self.ranges)
            alive = [v for v in alive if seen.get(v) != self.ranges]
            for at in range(0, len(alive), len(self.lps)):
                chunk = alive[at : at + len(self.lps)]
                start = dict(self.ranges)
                dropped = min([dropped] + self.side_by_side(chunk, self.probe))
                for n, v in enumerate(chunk):
                    seen[v] = {**start, v: self.ranges[v]}
                    lo, hi = self.ranges[v]
                    closed = [c for k, c in enumerate(self.bracket_vars[v]) if not lo <= k <= hi]
                    for m, h in enumerate(self.lps):
                        if m != n and closed:
                            _close(h, closed)
            if self.ranges == before:
                break
        return dropped, region

    def box_bound(self, n: int, box: Ranges) -> tuple[float | None, dict[str, float] | None]:
        """A box's LP bound on copy ``n`` (``inf``: outside the surviving ranges) and its LP prices."""
        if any(max(lo, self.ranges[v][0]) > min(hi, self.ranges[v][1]) for v, (lo, hi) in box.items()):
            return math.inf, None
        return self.bound(n, [c for v, (lo, hi) in box.items() for c in self.outside(v, lo, hi)]), self.prices[n]

    def run(self, boxes: list[Ranges], fixing: bool) -> LpBounds:
        dropped, region = self.fix(fixing)
        box_bounds = self.side_by_side(boxes, self.box_bound)
        final = self.lps[0].getBasis()
        basis = None
        if final.valid:
            basis = (
                np.array([int(x) for x in final.col_status], np.int8),
                np.array([int(x) for x in final.row_status], np.int8),
            )
        return LpBounds(
            self.ranges,
            dropped,
            region,
            [b for b, _ in box_bounds],
            [p for _, p in box_bounds],
            sum(self.solves),
            basis,
        )


def split_box(box: Ranges, vendors: list[str]) -> list[Ranges]:
    """Split ``box`` on the top brackets of ``vendors`` (each with a range of two brackets or more).

    Child ``j`` has ``vendors[j]`` at its top bracket and ``vendors[:j]``
    below theirs; the last child has every one of them below its top. The
    children are disjoint and cover the box. Splitting on one vendor at a
    time would take a level of item solves per vendor.
    """
    children, below = [], dict(box)
    for v in vendors:
        lo, hi = box[v]
        children.append({**below, v: (hi, hi)})
        below[v] = (lo, hi - 1)
    return children + [below]


def _with_factors(problem: Problem, factors: dict[str, float]) -> Problem:
    """``problem`` with vendor ``v``'s purchase value multiplied by ``factors[v]`` instead of its brackets.

    The factor is written as one bracket from the first cent (a percent off, which may be
    negative or above 100: an item solved at an LP's prices is a relaxation, not a purchase).
    """

    def replaced(vendor):
        if vendor.id not in factors:
            return vendor
        pct = 100.0 * (1.0 - factors[vendor.id])
        brackets = (DiscountBracket(Decimal(0), Decimal(repr(pct))),) if pct else ()
        return dataclasses.replace(vendor, total_discounts=brackets)

    return dataclasses.replace(problem, vendors=tuple(replaced(v) for v in problem.vendors))


@dataclass(frozen=True)
class ItemKey:
    """An item solved alone: its index in the model's items, at its coupling vendors' price ``factors``."""

    item: int
    factors: tuple[float, ...]


@dataclass(frozen=True)
class ItemSolution:
    """What solving an item alone gave: its proven bound, its allocation, whether it has none at all."""

    bound: float | None
    units: Units | None
    infeasible: bool


@dataclass(frozen=True)
class Incumbent:
    """The best allocation found, and its cost as the model counts it."""

    units: Units
    cost: float


@dataclass(frozen=True)
class Box:
    """A box of brackets (vendor -> range) not ruled out, and a lower bound of its region.

    ``prices``: each coupling vendor's price factor in the box's last LP
    (``None`` where it was not solved to optimality).
    """

    ranges: Ranges
    bound: float
    prices: dict[str, float] | None = None


@dataclass(frozen=True)
class Region:
    """The region left, with only the vendors it is short of still coupling items: a relaxation HiGHS can close.

    In the box around the boxes left, every other coupling vendor is priced at the top of its range
    (``g(V) >= (1 - f_hi) V``) and its thresholds dropped, which leaves its items uncoupled: each
    such item costs at least its bound solved alone at those factors (``offset`` is their sum,
    ``units`` their allocations). The vendors the relaxation at those factors puts outside their
    ranges (the *short* vendors) keep their brackets, held to the box, over the items they bid on:
    ``model``, a fraction of the part's. Its bound plus ``offset`` bounds the region left; its
    solution with ``units`` is an allocation of the whole part.
    """

    model: Model
    offset: float
    units: Units

    def lift(self, problem: Problem, raw: RawSolution) -> tuple[RawSolution, Incumbent | None]:
        """HiGHS's answer on :attr:`model` as the part's: its bound raised by ``offset``, and its allocation.

        The answer keeps no ``x`` (it is not the part's model's); the allocation comes back apart,
        priced as the search prices (``None`` without one).
        """
        if raw.infeasible:
            return raw, None
        found = None
        if raw.x is not None and raw.finished:
            units = dict(self.units)
            units.update(self.model.awards(raw.x))
            found = Incumbent(units, counted_cost(problem, units)[0])
        dual = None if raw.dual_bound is None or not math.isfinite(raw.dual_bound) else raw.dual_bound + self.offset
        lifted = dataclasses.replace(raw, x=None, objective=None if found is None else found.cost, dual_bound=dual)
        return lifted, found


def counted_cost(problem: Problem, units: Units) -> tuple[float, dict[str, Decimal]]:
    """An allocation's cost as the model counts it (a discount not rounded to the cent), and each vendor's purchase.

    Comparable with the models' bounds; the exact cost is the caller's to price.
    """
    awards, _ = price_awards(problem, units)
    purchase: dict[str, Decimal] = {}
    objective = 0.0
    for a in awards:
        purchase[a.vendor] = purchase.get(a.vendor, Decimal(0)) + a.cost
        objective += float(a.support_cost)
    vendor_by_id = {v.id: v for v in problem.vendors}
    for v, value in purchase.items():
        objective += float(value) * (1.0 - float(vendor_by_id[v].discount_percent(value)) / 100.0)
    return objective, purchase


class _Search:
    """State of one search: solved items, incumbent, ranges, open boxes, bounds."""

    def __init__(
        self,
        problem: Problem,
        model: Model,
        time_limit_s: float | None,
        mip_rel_gap: float,
        solver_log: bool,
        on_progress: Callable[[float | None, float | None], None] | None,
    ):
        self.problem, self.model = problem, model
        # The bracket fixing and the boxes' bounds need only the LP: the small model has the same one.
        self.lp_model = relaxation_model(problem, model.demands)
        assert self.lp_model.items == model.items and set(self.lp_model.bracket_vars) == set(model.bracket_vars)
        self.mip_rel_gap, self.solver_log, self.on_progress = mip_rel_gap, solver_log, on_progress
        self.started = time.perf_counter()
        self.deadline = math.inf if time_limit_s is None else self.started + time_limit_s
        self.solves = 0
        reach: dict[int, int] = {}
        for j, k in zip(model.demand.tolist(), model.offer.tolist()):
            reach[k] = reach.get(k, 0) + model.demands[j].quantity
        all_brackets = vendor_brackets(problem, reach)
        self.vendors = sorted(model.bracket_vars)
        self.threshold = {v: [lo for lo, _, _ in all_brackets[v]] for v in self.vendors}
        self.percent = {v: [pct for _, _, pct in all_brackets[v]] for v in self.vendors}
        self.ranges: Ranges = {v: (0, len(self.percent[v]) - 1) for v in self.vendors}
        # The coupling vendors of each item, and each item's demands.
        self.item_vendors = [
            tuple(v for v in self.vendors if np.any(model.column_item[model.vendor_value[v][0]] == n))
            for n in range(len(model.items))
        ]
        self.item_demands = [tuple(r for r in model.demands if r.item == item) for item in model.items]
        self.items: dict[ItemKey, ItemSolution] = {}
        self.item_time_s: dict[int, float] = {}  # item -> its last solve's time
        self.best: Incumbent | None = None
        self.dropped_bound = math.inf
        self.fixed_against = math.inf  # the incumbent's cost at the last bracket fixing
        self.lp_basis: tuple[np.ndarray, np.ndarray] | None = None  # warm start of the next fixing
        # Boxes of brackets not ruled out: to branch on, and stuck
        # (their relaxation misses a bracket no branching can split further).
        self.open: list[Box] = []
        self.stuck: list[Box] = []
        self.timed_out = False
        self.reported_bound = -math.inf

    def run(self, tasks: list) -> list | None:
        left = self.deadline - time.perf_counter()
        if left <= 0:
            self.timed_out = True
            return None
        answers = run_guarded(
            tasks,
            time_limit_s=None if math.isinf(left) else left,
            mip_rel_gap=self.mip_rel_gap,
            solver_log=self.solver_log,
            shared=True,
            workers=WORKERS,
            # A batch of items can take a while: each one done is a sign of life.
            on_done=lambda _done: self.report(settled=False),
        )
        self.timed_out = self.timed_out or time.perf_counter() >= self.deadline
        return answers

    def factor_keys(self, factors: dict[str, float]) -> list[ItemKey]:
        """Every item at the vendors' price ``factors``, keyed by its own vendors' factors."""
        return [
            ItemKey(n, tuple(round(factors[v], FACTOR_DIGITS) for v in self.item_vendors[n]))
            for n in range(len(self.model.items))
        ]

    def leaf_keys(self, leaf: dict[str, int]) -> list[ItemKey]:
        """The items with each vendor ``v`` at its bracket ``leaf[v]``."""
        return self.factor_keys({v: 1.0 - self.percent[v][k] / 100.0 for v, k in leaf.items()})

    def solve_items(self, keys: list[ItemKey]) -> bool:
        """Solve the items of ``keys`` not solved yet; False when out of time."""
        todo = [key for key in dict.fromkeys(keys) if key not in self.items]
        # The items that took longest last time first, so that no worker finishes the batch alone.
        todo.sort(key=lambda key: self.item_time_s.get(key.item, math.inf), reverse=True)
        models = [
            build_model(
                _with_factors(self.problem, dict(zip(self.item_vendors[key.item], key.factors))),
                demands=self.item_demands[key.item],
            )
            for key in todo
        ]
        raws = self.run([m.arrays for m in models]) if todo else []
        if raws is None:
            return False
        self.solves += len(todo)
        for key, m, raw in zip(todo, models, raws):
            bound = raw.dual_bound if raw.dual_bound is not None and math.isfinite(raw.dual_bound) else None
            self.items[key] = ItemSolution(bound, m.awards(raw.x) if raw.solved else None, raw.infeasible)
            self.item_time_s[key.item] = raw.solve_time_s
        return True

    def relax(self, keys: list[ItemKey]) -> tuple[float | None, dict[str, float] | None]:
        """The relaxation of the solved items ``keys`` (one per item): its bound and the vendors' purchase values.

        The union of the items' allocations is priced exactly and may become
        the incumbent.
        """
        got = [self.items.get(key) for key in keys]
        if any(g is None for g in got):
            return None, None
        values = None
        if all(g.units is not None for g in got):
            union: Units = {}
            for g in got:
                union.update(g.units)
            objective, purchase = counted_cost(self.problem, union)
            values = {v: float(purchase.get(v, 0)) for v in self.vendors}
            if self.best is None or objective < self.best.cost:
                self.best = Incumbent(union, objective)
        bounds = [g.bound for g in got]
        return (None if any(b is None for b in bounds) else float(sum(bounds))), values

    def with_cuts(self) -> MilpArrays:
        """The coupled model's LP (:attr:`lp_model`) with an item cut for every item solved alone."""
        m = self.lp_model
        rows, lows = [m.arrays.A], [m.arrays.row_lb]
        for key, solution in self.items.items():
            if solution.bound is None:
                continue
            factors = dict.fromkeys(self.vendors, 1.0)
            factors.update(zip(self.item_vendors[key.item], key.factors))
            rows.append(m.item_costs(factors)[[key.item]])
            lows.append(np.array([solution.bound - CUT_MARGIN * abs(solution.bound)]))
        A = sp.vstack(rows).tocsr()
        row_ub = np.concatenate([m.arrays.row_ub, np.full(A.shape[0] - m.arrays.A.shape[0], np.inf)])
        return dataclasses.replace(m.arrays, A=A, row_lb=np.concatenate(lows), row_ub=row_ub)

    def fix(self, boxes: list[Ranges]) -> LpBounds | None:
        """Bracket fixing and the boxes' LP bounds in the guarded child; None when out of time."""
        if self.best is None:
            return None
        # Probing again pays only against a better incumbent.
        fixing = self.best.cost < self.fixed_against
        self.fixed_against = self.best.cost
        answer = self.run(
            [
                Job(
                    lp_bounds,
                    (
                        self.with_cuts(),
                        self.lp_model.bracket_vars,
                        self.ranges,
                        self.best.cost,
                        boxes,
                        fixing,
                        self.lp_basis,
                        self.lp_model.value_rows,
                    ),
                )
            ]
        )
        if answer is None or not isinstance(answer[0], LpBounds):
            return None
        got = answer[0]
        self.solves += got.solves
        self.lp_basis = got.basis
        self.ranges = got.ranges
        self.dropped_bound = min(self.dropped_bound, got.dropped_bound)
        # Boxes shrink to the surviving ranges; one left empty lies in a dropped range.
        self.open, self.stuck = self.surviving(self.open), self.surviving(self.stuck)
        return got

    def surviving(self, boxes: list[Box]) -> list[Box]:
        """``boxes`` shrunk to the surviving ranges, less those left empty."""
        kept = []
        for box in boxes:
            ranges = {v: (max(lo, self.ranges[v][0]), min(hi, self.ranges[v][1])) for v, (lo, hi) in box.ranges.items()}
            if all(lo <= hi for lo, hi in ranges.values()):
                kept.append(dataclasses.replace(box, ranges=ranges))
        return kept

    def reached(self, vendor: str, value: float) -> float:
        """Percent of the highest bracket ``value`` reaches."""
        return max(pct for low, pct in zip(self.threshold[vendor], self.percent[vendor]) if low <= value)

    def close(self, box: Box) -> bool:
        """Record a box's bound; True when it cannot hold an allocation better than the incumbent by the gap."""
        if self.best is not None and within(self.best.cost, box.bound, self.mip_rel_gap):
            self.dropped_bound = min(self.dropped_bound, box.bound)
            return True
        return False

    def branch(self, batch: list[Box]) -> bool:
        """Relax each box at its top brackets, then split it on the vendors its relaxation misreads.

        A box's relaxation puts every vendor at the top bracket of its range, a
        lower bound on the box. If every vendor reaches that bracket, the
        relaxation's allocation costs at most the relaxation's optimum and the
        box is settled with its bound.
        Otherwise the vendors with a range that do not reach their top split
        the box (:func:`split_box`): the LP of a child with a vendor at its
        top has the vendor's value held at the threshold. A box whose short
        vendors are all at their one bracket takes a Lagrangian step instead
        (:meth:`lagrangian`). False when out of time.
        """
        tops = [{v: hi for v, (_, hi) in box.ranges.items()} for box in batch]
        if not self.solve_items([key for top in tops for key in self.leaf_keys(top)]):
            self.open += batch
            return False
        children: list[Box] = []
        unsplittable: list[Box] = []
        for box, top in zip(batch, tops):
            relaxed, values = self.relax(self.leaf_keys(top))
            bound = box.bound if relaxed is None else max(box.bound, relaxed)
            if values is None:
                self.stuck.append(Box(box.ranges, bound))
                continue
            short = [v for v in self.vendors if values[v] < self.threshold[v][top[v]]]
            if not short:
                self.dropped_bound = min(self.dropped_bound, bound)
                continue
            splittable = [v for v in short if box.ranges[v][0] < box.ranges[v][1]]
            if not splittable:
                unsplittable.append(Box(box.ranges, bound))
                continue
            # The vendor whose unearned discount the relaxation counts most first.
            splittable.sort(
                key=lambda v: values[v] * (self.percent[v][top[v]] - self.reached(v, values[v])), reverse=True
            )
            children += [Box(child, bound) for child in split_box(box.ranges, splittable)]
        boxes = children + unsplittable
        lp = self.fix([box.ranges for box in boxes])
        if lp is None:
            self.open += boxes
            return False
        stepping: list[Box] = []
        for n, (box, b, prices) in enumerate(zip(boxes, lp.box_bounds, lp.box_prices)):
            box = Box(box.ranges, max(box.bound, -math.inf if b is None else b), prices)
            if self.close(box):
                continue
            if n < len(children):
                self.open.append(box)
            else:
                stepping.append(box)
        return self.lagrangian(stepping)

    def lagrangian(self, boxes: list[Box]) -> bool:
        """A Lagrangian step on boxes no split can help: their items solved at the prices of their LPs.

        An item solved alone at any price factors gives a valid cut. At the
        prices of a box's LP (the duals of the vendors' value rows, which
        price the thresholds the box holds) it is the cut that LP lacks
        most, so the box's next LP is the higher for it: Kelley's cutting
        planes on the box's Lagrangian dual. The union of the items'
        allocations is priced and may become the incumbent: the relaxation
        at the top brackets falls short of a threshold the box holds, the
        LP's prices push the items over it. The box goes back to the open
        boxes; one whose prices give no item not solved yet is stuck.
        False when out of time.
        """
        steps: list[tuple[Box, list[ItemKey]]] = []
        for box in boxes:
            keys = None if box.prices is None else self.factor_keys(box.prices)
            if keys is None or all(key in self.items for key in keys):
                self.stuck.append(box)
            else:
                steps.append((box, keys))
        if not self.solve_items([key for _, keys in steps for key in keys]):
            self.open += [box for box, _ in steps]
            return False
        for box, keys in steps:
            self.relax(keys)
            self.open.append(box)
        return True

    def lower_bound(self) -> float:
        """The least bound of the dropped ranges, settled boxes and boxes left."""
        return min([self.dropped_bound] + [box.bound for box in self.open + self.stuck])

    def proven(self) -> bool:
        bound = self.lower_bound()
        return self.best is not None and math.isfinite(bound) and within(self.best.cost, bound, self.mip_rel_gap)

    def report(self, settled: bool = True) -> None:
        """Tell ``on_progress`` the incumbent's cost and the lower bound so far.

        Not ``settled``: in the middle of a batch, whose boxes are out of the open ones, so the
        bound is the last one reported.
        """
        if settled:
            self.reported_bound = self.lower_bound()
        if self.on_progress is not None:
            bound = self.reported_bound
            self.on_progress(None if self.best is None else self.best.cost, bound if math.isfinite(bound) else None)

    def region(self, left: list[Box]) -> Region | None:
        """The region around the boxes ``left`` as a :class:`Region`; ``None`` when it would be the whole part.

        That is when an item at the region's top factors is not solved (or has no allocation), when the
        relaxation there is short of no vendor's range, or when the short vendors bid on every item.
        """
        top = {v: max(box.ranges[v][1] for box in left) for v in self.vendors}
        low = {v: min(box.ranges[v][0] for box in left) for v in self.vendors}
        keys = self.leaf_keys(top)
        got = [self.items.get(key) for key in keys]
        if any(g is None or g.bound is None or g.units is None for g in got):
            return None
        _, values = self.relax(keys)

        def short(v: str) -> bool:
            ceiling = self.threshold[v][top[v] + 1] if top[v] + 1 < len(self.threshold[v]) else math.inf
            return not self.threshold[v][low[v]] <= values[v] < ceiling

        coupled = [v for v in self.vendors if short(v)]
        inside = [n for n, vendors in enumerate(self.item_vendors) if set(vendors) & set(coupled)]
        if not coupled or len(inside) == len(keys):
            return None
        factors = {v: 1.0 - self.percent[v][top[v]] / 100.0 for v in self.vendors if v not in coupled}
        model = build_model(
            _with_factors(self.problem, factors), demands=tuple(r for n in inside for r in self.item_demands[n])
        )
        ub = model.arrays.ub.copy()
        for v in coupled:
            # Every item of a short vendor is inside, so its brackets are the part's.
            assert len(model.bracket_vars[v]) == len(self.threshold[v])
            ub[model.bracket_vars[v][: low[v]]] = 0
            ub[model.bracket_vars[v][top[v] + 1 :]] = 0
        units: Units = {}
        for n, g in enumerate(got):
            if n not in inside:
                units.update(g.units)
        offset = float(sum(g.bound for n, g in enumerate(got) if n not in inside))
        return Region(dataclasses.replace(model, arrays=dataclasses.replace(model.arrays, ub=ub)), offset, units)

    def result(self, infeasible: bool = False) -> SearchResult:
        left = self.open + self.stuck
        if not left and math.isinf(self.dropped_bound):
            left = [Box(dict(self.ranges), -math.inf)]  # nothing settled: the whole surviving region
        region_bound = min((box.bound for box in left), default=math.inf)
        bound = min(self.dropped_bound, region_bound)
        region = None if infeasible or not left or self.timed_out else self.region(left)
        # One HiGHS run on the box around the boxes left: faster than one run per box (bench/results/HISTORY.md).
        ub = self.model.arrays.ub.copy()
        for v in self.vendors if left else []:
            lo, hi = min(box.ranges[v][0] for box in left), max(box.ranges[v][1] for box in left)
            ub[self.model.bracket_vars[v][:lo]] = 0
            ub[self.model.bracket_vars[v][hi + 1 :]] = 0
        box_arrays = dataclasses.replace(self.model.arrays, ub=ub)
        cutoff = math.inf
        box_task: MilpArrays | Job = box_arrays
        task: MilpArrays | Job = box_arrays if region is None else region.model.arrays
        if self.best is not None:
            # HiGHS need only look for allocations better than the incumbent by more than the gap.
            cutoff = self.best.cost - CUTOFF_SHARE * self.mip_rel_gap * abs(self.best.cost)
            box_task = Job(solve_below, (box_arrays, cutoff, self.mip_rel_gap, self.solver_log))
            task = (
                box_task
                if region is None
                else Job(solve_below, (region.model.arrays, cutoff - region.offset, self.mip_rel_gap, self.solver_log))
            )
        return SearchResult(
            units=None if self.best is None else self.best.units,
            cost=None if self.best is None else self.best.cost,
            bound=bound if math.isfinite(bound) else None,
            region_bound=region_bound,
            dropped_bound=self.dropped_bound,
            restricted=task,
            cutoff=cutoff,
            solves=self.solves,
            solve_time_s=time.perf_counter() - self.started,
            timed_out=self.timed_out,
            infeasible=infeasible,
            region=region,
            box=None if region is None else box_task,
        )


def search(
    problem: Problem,
    model: Model,
    *,
    time_limit_s: float | None,
    mip_rel_gap: float,
    solver_log: bool = False,
    on_progress: Callable[[float | None, float | None], None] | None = None,
) -> SearchResult:
    """Search the discount brackets of a coupled part with its items solved one by one.

    Parameters
    ----------
    problem : Problem
        The validated problem.
    model : Model
        The coupled part's model (:func:`pricing.model.build_model` of its demands).
    time_limit_s : float or None
        Budget of the whole search; every solve runs in a guarded child.
    mip_rel_gap : float
        Gap of the item solves, and of the proof.
    solver_log : bool, optional
        Write the solver logs to stderr.
    on_progress : callable, optional
        Called as ``on_progress(cost, bound)`` after the root and after each
        batch of boxes: the incumbent's cost and the part's lower bound so far
        (``None`` while unknown), as the model counts them.

    Returns
    -------
    SearchResult
        See the module docstring for what its bound proves.
    """
    s = _Search(problem, model, time_limit_s, mip_rel_gap, solver_log, on_progress)
    none = {v: 0 for v in s.vendors}
    if not s.solve_items(s.leaf_keys(none)):
        return s.result()
    if any(solution.infeasible for solution in s.items.values()):
        return s.result(infeasible=True)
    s.relax(s.leaf_keys(none))
    s.report()  # the first incumbent, before the root's LP
    s.open = [Box(dict(s.ranges), -math.inf)]
    root = s.fix([dict(s.ranges)])
    if root is None:
        return s.result()
    s.open = [Box(box.ranges, root.box_bounds[0] if root.box_bounds[0] is not None else -math.inf) for box in s.open]
    s.report()
    while s.open and not s.proven():
        s.open.sort(key=lambda box: box.bound)
        batch, s.open = s.open[:NODE_BATCH], s.open[NODE_BATCH:]
        if not s.branch(batch):
            break
        s.report()
    return s.result()
