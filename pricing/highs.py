"""The HiGHS call: a numeric MILP in, what HiGHS reported out.

:func:`solve_arrays` runs :func:`scipy.optimize.milp` (HiGHS) in the calling
process; :func:`pricing.guard.run_guarded` is what runs it under a time guard
in a child process. Statuses are :class:`SolverStatus`, and both
:class:`RawSolution` and the sum of a problem's parts
(:class:`pricing.decompose.Combined`) read them through the properties of
:class:`SolverOutcome`.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

#: HiGHS options that switch off its RINS and RENS sub-MIP heuristics. On
#: models of up to ``SUB_MIP_OFF_BELOW`` integer variables they cost more root
#: time than they save (the LP bound is close and branching finds the
#: incumbent); on larger ones they are what finds a good incumbent at all.
NO_SUB_MIP = {"mip_heuristic_run_rins": False, "mip_heuristic_run_rens": False}
SUB_MIP_OFF_BELOW = 10_000


class SolverStatus(IntEnum):
    """How a solve ended, as :func:`scipy.optimize.milp` numbers it."""

    #: Proven optimal within ``mip_rel_gap``.
    OPTIMAL = 0
    #: Stopped at the time (or iteration) limit, with or without a solution.
    LIMIT = 1
    INFEASIBLE = 2
    UNBOUNDED = 3
    #: Numerical trouble or another failure of the solver.
    ERROR = 4


class SolverOutcome:
    """Properties of an outcome's ``status``: a :class:`SolverStatus`, or ``None`` when the child was killed."""

    status: SolverStatus | None

    @property
    def optimal(self) -> bool:
        """Proven optimal within the gap."""
        return self.status == SolverStatus.OPTIMAL

    @property
    def infeasible(self) -> bool:
        """Proven to have no solution."""
        return self.status == SolverStatus.INFEASIBLE

    @property
    def finished(self) -> bool:
        """The search ended normally: proven, or stopped at its own limit (its bound holds)."""
        return self.status in (SolverStatus.OPTIMAL, SolverStatus.LIMIT)

    @property
    def stopped(self) -> bool:
        """Time ran out: HiGHS stopped at its limit, or the guard killed it (``status=None``)."""
        return self.status in (SolverStatus.LIMIT, None)


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
class RawSolution(SolverOutcome):
    """What HiGHS reported, or ``status=None`` when the child was killed."""

    status: SolverStatus | None
    message: str
    x: np.ndarray | None
    objective: float | None
    dual_bound: float | None
    nodes: int | None
    solve_time_s: float

    @property
    def solved(self) -> bool:
        """``x`` is a solution: the search ended normally with one."""
        return self.x is not None and self.finished


def solve_arrays(
    arrays: MilpArrays,
    *,
    time_limit_s: float | None,
    mip_rel_gap: float,
    solver_log: bool,
    relax: bool = False,
    highs_options: dict[str, Any] | None = None,
) -> RawSolution:
    """Run HiGHS in this process. ``relax=True`` solves the LP relaxation.

    ``highs_options`` are passed to HiGHS as they are (``mip_abs_gap``, say).
    """
    options: dict[str, Any] = {"mip_rel_gap": mip_rel_gap, "disp": solver_log, "presolve": True}
    options.update(highs_options or {})
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
    status = SolverStatus(res.status)
    dual = getattr(res, "mip_dual_bound", None)
    if relax and status == SolverStatus.OPTIMAL:
        dual = res.fun
    return RawSolution(
        status=status,
        message=str(res.message),
        x=res.x,
        objective=None if res.fun is None else float(res.fun),
        dual_bound=None if dual is None else float(dual),
        nodes=getattr(res, "mip_node_count", None),
        solve_time_s=elapsed,
    )
