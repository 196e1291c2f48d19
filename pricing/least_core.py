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
the core check (:func:`pricing.shares.core_check`, the coalition MILP) then
looks for the coalition that gains most at those shares, rounded to the cent
(first only for a few coalitions gaining more than the bound: any will do,
and some are found long before the best is proven). If the full check finds
none gaining more than the bound plus ``TOLERANCE`` (or only one already
among the coalitions at no lower cost, whose excess is rounding), the
shares are least-core within that tolerance and that check is the
certificate; otherwise the coalition's cost joins the programs (or lowers
the one known) and the round repeats. Every district's
standalone cost is a coalition from the start.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import highspy
import numpy as np
from scipy.optimize import linprog

from .costing import round_preserving_sum, to_cents
from .guard import Job, run_guarded
from .problem import Problem
from .result import CoreCheck, LeastCore
from .shares import core_search

logger = logging.getLogger(__name__)

#: A coalition gaining at most this share of the pooled total more than the least-core bound does not count
#: (but never less than a cent): see ``least_core_tolerance``.
TOLERANCE_SHARE = Decimal("0.000001")


def least_core_tolerance(total: Decimal) -> Decimal:
    """What a coalition may gain over the least-core value without counting: a cent, or a millionth of the total.

    A board would not see a coalition leave a pool of $10 million to save $10 between its members; and
    proving that no coalition gains more than the least-core value to the cent asks the coalition MILP for a
    bound far tighter than its LP relaxation gives on large pools (see pricing/FORMAT.md, "Sharing rules").
    """
    return max(Decimal("0.01"), (total * TOLERANCE_SHARE).quantize(Decimal("0.01")))


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

    def add(self, members: frozenset[str], cost: Decimal) -> None:
        """A coalition's cut, or a cheaper purchase for one already known (a search stopped early can
        return a coalition with a purchase that is not its cheapest: a weaker cut, tightened here)."""
        if members in self.coalitions:
            k = self.coalitions.index(members)
            self.costs[k] = min(self.costs[k], float(cost) / self.scale)
            return
        row = np.zeros(len(self.districts))
        row[[self.index[d] for d in members]] = 1.0
        self.coalitions.append(members)
        self.rows.append(row)
        self.costs.append(float(cost) / self.scale)

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
    tolerance = least_core_tolerance(total)
    iterations = 0
    while True:
        iterations += 1
        epsilon = programs.least_epsilon()
        x = programs.nearest(epsilon)
        costs = programs.in_cents(x, total)
        bound = to_cents(Decimal(epsilon * programs.scale))
        above = Decimal(epsilon * programs.scale) + tolerance

        def left() -> float | None:
            return None if time_limit_s is None else max(1.0, time_limit_s - (time.perf_counter() - started))

        # Any coalition gaining more than the bound is a cut, and the coalition MILP meets many long before
        # it can prove the best: a search that collects them (HiGHS's every feasible solution, see
        # pricing.shares._coalition_milp) and stops early, all of them cuts of the round; the full check
        # only when that search finds none, to find the last cuts or prove that none is left.
        check_started = time.perf_counter()
        check, cuts = core_search(
            problem, costs, time_limit_s=left(), mip_rel_gap=mip_rel_gap, above=above, prove=False
        )
        new = [c for c in cuts if programs.tightens(c.members, c.own_cost)]
        which = "short"
        if not new:
            check, cuts = core_search(
                problem,
                costs,
                time_limit_s=left(),
                mip_rel_gap=mip_rel_gap,
                above=above,
                abs_gap=float(tolerance) / 2,
            )
            new = [c for c in cuts if programs.tightens(c.members, c.own_cost)]
            which = "full"
        logger.info(
            "least core: round %d, bound %s, %d cuts (best gain %s) found by the %s check in %.1f s",
            iterations,
            bound,
            len(new),
            check.gain,
            which,
            time.perf_counter() - check_started,
        )
        out_of_time = time_limit_s is not None and time.perf_counter() - started >= time_limit_s
        if not new or out_of_time:
            break
        for cut in new:
            programs.add(cut.members, cut.own_cost)

    proven = not new and check.gain_bound is not None and check.gain_bound <= check.gain + tolerance
    summary = LeastCore(
        epsilon=check.gain,
        epsilon_lower_bound=max(Decimal("0.00"), bound),
        binding=programs.binding(x, epsilon),
        iterations=iterations,
        time_s=round(time.perf_counter() - started, 3),
        proven=proven,
        message=_message(check.gain, bound, proven, iterations if new else None),
    )
    return LeastCoreShares(costs, summary, check)


def _message(epsilon: Decimal, bound: Decimal, proven: bool, stopped_after: int | None) -> str:
    """``stopped_after``: the rounds done when the time limit ended the generation with a cut still to add."""
    if stopped_after is not None:
        return (
            f"the time limit ended the search after {stopped_after} rounds: a coalition still gains {epsilon} by "
            f"leaving, and no shares can hold the largest gain below {bound}"
        )
    if epsilon == 0:
        text = "in the core: no coalition of districts would gain by leaving the pool"
    elif bound > 0:
        text = (
            "the core is empty: some coalition can always gain by leaving; these shares hold the largest gain "
            f"to {epsilon} (no shares can hold it below {bound})"
        )
    else:
        text = f"in the core up to rounding to the cent: a coalition would gain {epsilon} by leaving"
    return text + (" (certified)" if proven and epsilon == 0 else "" if proven else " (time limit reached; not proven)")
