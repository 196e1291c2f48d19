"""The least core: shares that hold the most any coalition gains by leaving as low as possible.

Definition (pricing/FORMAT.md, "Sharing rules"): shares ``x`` adding up to
the pooled total ``T`` that minimise ``eps >= 0`` subject to
``x(S) - C(S) <= eps`` for every coalition ``S`` of districts that can buy
on its own, ``x_d >= 0``, and ``x_d <= standalone_d`` whenever shares within
every standalone cost exist. ``eps`` is floored at 0 (the empty coalition
gains nothing), so when the core is not empty this is the core. Among those
shares it takes the one nearest the equal-price shares ``p`` (least sum of
squared differences, which makes it unique), so the rule changes the
invoices as little as stability needs.

There are ``2^n`` coalitions, so they are generated as needed: a linear
program over the coalitions found so far gives the least ``eps`` over them
(a lower bound on the true one) and a quadratic program the nearest shares;
then coalitions gaining more than that bound plus the tolerance
(:func:`pricing.shares.coalition_tolerance`) at those shares, rounded to the
cent, are looked for: first next to the coalitions already found
(:mod:`pricing.neighbours`: a district more or fewer, or the same coalition
with its purchase moved to cheaper offers; no MILP), then, when
none is there, by the coalition MILP (:func:`pricing.shares.core_search`),
which stops after a dozen or soon after the first (see
``pricing.shares.STOP_AFTER_FIRST_FACTOR``). Every coalition found is a cut
of the round: one a round makes the shares creep towards the least core
over many rounds. A MILP search that ends without finding one is the
certificate: HiGHS was told to prune every branch that cannot gain more than
the bound plus the tolerance, so none can. Every district's standalone cost
is a coalition from the start.

Only that search certifies: a bound that lets a district be partly in a
coalition (the MILP's LP relaxation, a Lagrangian decomposition by item,
the LP of each offer's purchase patterns) lets two halves of the pool each
use every offer's capacity, so it never falls below half of what the pooled
purchase would save with every vendor present twice, whatever the shares
(``bench/relaxation_gap.py``: $169,881 against a tolerance of $103.26 on the
bench's L seed 1).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import highspy
import numpy as np
from scipy.optimize import linprog

from .costing import coalition_gain, round_preserving_sum, to_cents
from .guard import Job, run_guarded
from .neighbours import cheaper_purchases, neighbour_cuts
from .problem import Problem
from .result import CoreCheck, LeastCore
from .shares import CoalitionCut, coalition_tolerance, core_search, verdict

logger = logging.getLogger(__name__)

#: Slack of the nearest-shares program over the bound, in dollars (room for the linear program's float noise).
QP_SLACK = 0.001


@dataclass(frozen=True)
class LeastCoreShares:
    costs: dict[str, Decimal]
    summary: LeastCore
    core: CoreCheck


class _Programs:
    """The linear and quadratic programs over the coalitions found so far, in units of the average share."""

    def __init__(
        self, districts: list[str], total: Decimal, pooled: dict[str, Decimal], standalone: dict[str, Decimal | None]
    ) -> None:
        self.districts = districts
        self.index = {d: k for k, d in enumerate(districts)}
        self.scale = float(total) / len(districts) or 1.0
        self.total = float(total) / self.scale
        self.target = np.array([float(pooled[d]) / self.scale for d in districts])
        known = [c for c in standalone.values() if c is not None]
        within = len(known) < len(districts) or sum(known, Decimal(0)) >= total
        self.upper = np.array(
            [float(standalone[d]) / self.scale if within and standalone[d] is not None else math.inf for d in districts]
        )
        self.coalitions: list[frozenset[str]] = []
        self.rows: list[np.ndarray] = []
        self.costs: list[float] = []
        self.exact_costs: list[Decimal] = []  # the cost of the purchase known for each coalition
        self.purchases: dict[frozenset[str], dict] = {}  # that purchase, for the coalitions found by a search

    def add(self, members: frozenset[str], cost: Decimal, units: dict | None = None) -> None:
        """A coalition's cut, or a cheaper purchase for one already known (a search stopped early can
        return a coalition with a purchase that is not its cheapest: a weaker cut, tightened here)."""
        if units is not None and (
            members not in self.coalitions or cost < self.exact_costs[self.coalitions.index(members)]
        ):
            self.purchases[members] = units
        if members in self.coalitions:
            k = self.coalitions.index(members)
            self.costs[k] = min(self.costs[k], float(cost) / self.scale)
            self.exact_costs[k] = min(self.exact_costs[k], cost)
            return
        row = np.zeros(len(self.districts))
        row[[self.index[d] for d in members]] = 1.0
        self.coalitions.append(members)
        self.rows.append(row)
        self.costs.append(float(cost) / self.scale)
        self.exact_costs.append(cost)

    def largest_gain(
        self, shares: dict[str, Decimal], also: Iterable[CoalitionCut] = ()
    ) -> tuple[frozenset[str], Decimal]:
        """The coalition gaining most at ``shares`` (the smallest, then first by name, of equals): of those known,
        and of the cuts ``also`` found at these shares but not added."""
        candidates = list(zip(self.coalitions, self.exact_costs)) + [(c.members, c.own_cost) for c in also]
        best: tuple[frozenset[str], Decimal] = (frozenset(), Decimal("0.00"))
        for members, cost in sorted(candidates, key=lambda t: (len(t[0]), sorted(t[0]))):
            gain = coalition_gain(shares, members, cost)
            if gain > best[1]:
                best = (members, gain)
        return best

    def tightens(self, members: frozenset[str], cost: Decimal) -> bool:
        """``cost`` is a new coalition's, or at least a cent below the known cost of this one."""
        if members not in self.coalitions:
            return True
        return float(cost) / self.scale < self.costs[self.coalitions.index(members)] - 0.01 / self.scale

    def least_epsilon(self) -> float:
        n = len(self.districts)
        a_ub = np.hstack([np.array(self.rows), -np.ones((len(self.rows), 1))]) if self.rows else None
        res = linprog(
            np.r_[np.zeros(n), 1.0],
            A_ub=a_ub,
            b_ub=np.array(self.costs) if self.rows else None,
            A_eq=np.r_[np.ones(n), 0.0][None, :],
            b_eq=[self.total],
            bounds=[(0.0, None if math.isinf(u) else u) for u in self.upper] + [(0.0, None)],
            method="highs",
        )
        if res.status != 0:
            raise RuntimeError(f"least-core linear program failed: {res.message}")
        return float(res.x[-1])

    def nearest(self, epsilon: float) -> np.ndarray:
        """Shares nearest the equal price with every known coalition gaining at most ``epsilon``.

        The quadratic program is written in the differences from the equal price, in dollars: the
        solver's absolute tolerance then stays far below a cent whatever the size of the shares.
        """
        p = self.target * self.scale
        rows = self.rows
        limits = [(cost + epsilon) * self.scale + QP_SLACK - row @ p for row, cost in zip(rows, self.costs)]
        # highspy prints its banner on the caller's stdout, which the command line keeps for JSON:
        # the quadratic program runs in the guarded child, whose output goes nowhere.
        job = Job(_nearest_shares, (-p, self.upper * self.scale - p, rows, limits))
        y, status = run_guarded([job], time_limit_s=None, mip_rel_gap=0.0)[0]
        if y is None:
            raise RuntimeError(f"least-core quadratic program failed: {status}")
        return (p + y) / self.scale

    def binding(self, x: np.ndarray, epsilon: float) -> tuple[tuple[str, ...], ...]:
        tight = 0.005 / self.scale  # half a cent
        found = [
            tuple(sorted(s))
            for s, row, cost in zip(self.coalitions, self.rows, self.costs)
            if row @ x - cost >= epsilon - tight
        ]
        return tuple(sorted(found, key=lambda s: (len(s), s)))

    def in_cents(self, x: np.ndarray, total: Decimal) -> dict[str, Decimal]:
        # Snapped to a millionth of a dollar first, so that float noise around a whole cent is not mistaken
        # for a remainder; the sum's tiny difference from the total is spread evenly, and every share ends
        # within a cent of the program's.
        snapped = [Fraction(round(Fraction(v * self.scale) * 10**6), 10**6) for v in x]
        spread = (Fraction(total) - sum(snapped, Fraction(0))) / len(snapped)
        return dict(zip(self.districts, round_preserving_sum([v + spread for v in snapped])))


def _nearest_shares(
    lower: np.ndarray, upper: np.ndarray, rows: list[np.ndarray], limits: list[float], *, time_limit_s: float | None
) -> tuple[np.ndarray | None, str]:
    """Minimise ``sum y^2`` s.t. ``sum y = 0``, ``lower <= y <= upper`` and ``row @ y <= limit``."""
    n = lower.size
    highspy.Highs.resetGlobalScheduler(False)  # see pricing.shares._coalition_milp
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    if time_limit_s is not None:
        h.setOptionValue("time_limit", float(time_limit_s))
    inf = highspy.kHighsInf
    h.addVars(n, lower, np.where(np.isinf(upper), inf, upper))
    # HiGHS minimises c'y + y'Qy / 2: Q = 2 I.
    h.passHessian(
        n,
        n,
        highspy.HessianFormat.kTriangular,
        np.arange(n + 1, dtype=np.int32),
        np.arange(n, dtype=np.int32),
        np.full(n, 2.0),
    )
    h.addRow(0.0, 0.0, n, np.arange(n, dtype=np.int32), np.ones(n))
    for row, limit in zip(rows, limits):
        cols = np.flatnonzero(row).astype(np.int32)
        h.addRow(-inf, limit, cols.size, cols, np.ones(cols.size))
    h.run()
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        return None, h.modelStatusToString(status)
    return np.array(h.getSolution().col_value), "optimal"


def least_core(
    problem: Problem,
    total: Decimal,
    pooled: dict[str, Decimal],
    standalone: dict[str, Decimal | None],
    *,
    time_limit_s: float | None,
    mip_rel_gap: float,
) -> LeastCoreShares:
    """Least-core shares by constraint generation (see the module docstring).

    ``standalone`` maps each district to its standalone cost (``None``: it
    cannot buy alone). ``time_limit_s`` bounds the whole generation: each
    core check gets what is left of it; when it runs out, the shares of the
    last round are returned with ``proven=False``.
    """
    started = time.perf_counter()
    districts = sorted(pooled)
    programs = _Programs(districts, total, pooled, standalone)
    for d in districts:
        if standalone[d] is not None:
            programs.add(frozenset([d]), standalone[d])
    tolerance = coalition_tolerance(total)
    iterations = 0
    while True:
        iterations += 1
        check: CoreCheck | None = None  # this round's coalition MILP, at this round's shares
        epsilon = programs.least_epsilon()
        x = programs.nearest(epsilon)
        costs = programs.in_cents(x, total)
        bound = to_cents(Decimal(epsilon * programs.scale))
        above = Decimal(epsilon * programs.scale) + tolerance

        def left() -> float | None:
            return None if time_limit_s is None else max(1.0, time_limit_s - (time.perf_counter() - started))

        # First the coalitions next to known ones (pricing.neighbours: no MILP, a fraction of a second): late
        # in the generation the shares move just enough to stop the known coalitions, and the next cut is
        # mostly one of those with a district more or fewer.
        check_started = time.perf_counter()
        # The known coalitions' purchases moved to cheaper offers come first: the coalition MILP's cuts late in
        # the generation were mostly known coalitions with a cheaper purchase, exchanges of districts between two
        # offers of an item filling one to its capacity (M seed 1: 11 of the 14 cuts of its last seven MILP rounds).
        deadline = None if time_limit_s is None else started + time_limit_s
        cheaper = cheaper_purchases(problem, costs, list(programs.purchases.items()), deadline=deadline)
        new = [
            CoalitionCut(m, c, u)
            for m, c, u in cheaper
            if coalition_gain(costs, m, c) > above and programs.tightens(m, c)
        ]
        known = {**programs.purchases, **{m: u for m, _, u in cheaper}}
        near = neighbour_cuts(problem, costs, list(known.items()), above, deadline=deadline)
        new += [CoalitionCut(m, c, u) for m, c, u in near if programs.tightens(m, c)]
        which = "neighbour search"
        if not new:
            # Then the coalition MILP: any coalition gaining more than the bound is a cut, and it meets many
            # long before it could prove the best: the search collects them (HiGHS's every feasible solution,
            # see pricing.shares._coalition_milp) and stops early, all of them cuts of the round. Told to look
            # only for coalitions gaining more than the bound plus the tolerance, HiGHS prunes every branch
            # that cannot: a search that ends without finding one is the proof, and no separate full check is
            # run (it would redo the same tree to pin down a gain the tolerance says does not count).
            check, cuts = core_search(
                problem, costs, time_limit_s=left(), mip_rel_gap=mip_rel_gap, above=above, prove=False
            )
            new = [c for c in cuts if programs.tightens(c.members, c.own_cost)]
            which = "coalition MILP"
        logger.info(
            "least core: round %d, bound %s, %d cuts (best gain %s) by the %s in %.1f s%s",
            iterations,
            bound,
            len(new),
            max((coalition_gain(costs, c.members, c.own_cost) for c in new), default=Decimal(0)),
            which,
            time.perf_counter() - check_started,
            "" if new or check is None or check.gain_bound is None else f", none gaining more than {check.gain_bound}",
        )
        out_of_time = time_limit_s is not None and time.perf_counter() - started >= time_limit_s
        if not new or out_of_time:
            break
        for cut in new:
            programs.add(cut.members, cut.own_cost, cut.units)

    proven = not new and check is not None and check.gain_bound is not None
    # The largest gain at the shares: the most any coalition known (cuts of earlier rounds included, at the
    # cost of the purchase found for it) or met by the last round's search gains; with the proof, no coalition gains
    # more than ``gain_bound``, within the tolerance of the least-core value.
    # The last round's cuts count too: found at these shares, the time limit left them out of the programs.
    members, gain = programs.largest_gain(costs, also=new)
    if check is not None and check.gain > gain:
        members, gain = frozenset(check.coalition), check.gain
    final = verdict(members, gain, check.gain_bound if proven else None, proven)
    summary = LeastCore(
        epsilon=final.gain,
        epsilon_lower_bound=max(Decimal("0.00"), bound),
        binding=programs.binding(x, epsilon),
        iterations=iterations,
        time_s=round(time.perf_counter() - started, 3),
        proven=proven,
        message=_message(final.gain, bound, final.gain_bound, iterations if new else None),
    )
    return LeastCoreShares(costs, summary, final)


def _message(epsilon: Decimal, bound: Decimal, proof: Decimal | None, stopped_after: int | None) -> str:
    """``proof``: no coalition gains more (``None``: not proven); ``stopped_after``: the rounds done when the
    time limit ended the generation with a cut still to add."""
    if stopped_after is not None:
        return (
            f"the time limit ended the search after {stopped_after} rounds: a coalition still gains {epsilon} by "
            f"leaving, and no shares can hold the largest gain below {bound}"
        )
    if epsilon == 0:
        text = "in the core: no coalition of districts found would gain by leaving the pool"
    elif bound > 0:
        text = (
            "the core is empty: some coalition can always gain by leaving; these shares hold the largest gain "
            f"to {epsilon} (no shares can hold it below {bound})"
        )
    else:
        text = f"in the core within the tolerance: a coalition would gain {epsilon} by leaving"
    if proof is None:
        return text + " (time limit reached; not proven)"
    return text + f"; certified: no coalition gains more than {proof}"
