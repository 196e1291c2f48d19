"""``solve``: validate, build, run HiGHS under guard, verify, price exactly, share."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from decimal import ROUND_FLOOR, Decimal

from .costing import price_awards, rule_violations, to_cents
from .decompose import solve_demand_sets
from .diagnose import Unmet, capacity_unmet, rule_unmet, structural_unmet
from .least_core import least_core
from .problem import Problem
from .result import SHARE_RULES, AllocationResult, Progress, Share
from .shapley import shapley
from .shares import capped_equal_price, coalition_costs, core_check, pooled_costs, proportional

logger = logging.getLogger(__name__)

#: Districts whose standalone costs are solved between two progress reports.
STANDALONE_BATCH = 10


def _validated(problem: Problem) -> Problem:
    # Directly built dataclasses skip from_dict; a round trip applies every check.
    return Problem.from_dict(problem.to_dict())


def solve(
    problem: Problem,
    *,
    time_limit_s: float | None = 60.0,
    mip_rel_gap: float = 1e-6,
    shares: str | None = None,
    standalone: bool = True,
    core: bool = False,
    shapley_permutations: int = 30,
    seed: int = 0,
    progress: Callable[[Progress], None] | None = None,
    solver_log: bool = False,
) -> AllocationResult:
    """Award the pooled demand at least total cost of ownership and share the cost.

    Parameters
    ----------
    problem : Problem
        The allocation problem; validated again here.
    time_limit_s : float or None, optional
        Solver time limit for the pooled solve (one budget shared by the
        independent parts it splits into, see :mod:`pricing.decompose`) and
        for each part of each standalone, coalition and core solve (default
        60). HiGHS runs in a child process that is killed ``GRACE_S`` seconds
        plus 10 % after the limit. It also bounds the least core's whole
        constraint generation and the Shapley sampling.
    mip_rel_gap : float, optional
        Relative gap below which a solution counts as optimal (default 1e-6).
    shares : {'capped_equal_price', 'least_core', 'equal_price', 'proportional', 'shapley'}, optional
        Sharing rule to report beside the equal-price pooled cost (defined
        in pricing/FORMAT.md, "Sharing rules"); it is the rule ``worse_off``
        and the core check judge. Default: ``capped_equal_price`` (nobody
        above its standalone cost), or ``equal_price`` with
        ``standalone=False``. When the chosen rule has no shares (see the
        ``message``), ``worse_off`` and the core check judge the equal price.
    standalone : bool, optional
        Solve each district's own problem for its standalone cost (default
        True; required by ``capped_equal_price``, ``least_core`` and
        ``proportional``).
    core : bool, optional
        Run the core check (one extra MILP over coalitions); ``least_core``
        always ends with one, its certificate.
    shapley_permutations : int, optional
        Least number of orders sampled in each game of the Shapley value
        (an item, or items a discount ties, see :mod:`pricing.shapley`) when
        there are more than 8 districts (default 30); sampling goes on until
        every district's standard error is at most 1 % of its share or
        ``time_limit_s`` is spent (the ``message`` then names the districts
        short of it; every game still gets one block of orders).
    seed : int, optional
        Seed of the permutation sampling.
    progress : callable, optional
        Called with a :class:`Progress` as the engine goes: as the pooled
        solve starts, while the bracket search of the pooled problem runs
        (as each item of a batch is solved, after its root and after each
        batch of boxes), once the pooled allocation is priced, after each
        ``STANDALONE_BATCH`` standalone solves, and last with the result's
        status and figures. An exception it raises stops the engine (its
        solver processes are killed) and propagates to the caller.
    solver_log : bool, optional
        Write HiGHS's log of the pooled solve to stderr.

    Returns
    -------
    AllocationResult

    Raises
    ------
    ProblemError
        If the problem breaks the format (every error, with its JSON path).
    ValueError
        If an option is out of range.
    """
    if shares is None:
        shares = "capped_equal_price" if standalone else "equal_price"
    if shares not in SHARE_RULES:
        raise ValueError(f"shares: must be one of {', '.join(SHARE_RULES)}")
    if time_limit_s is not None and not time_limit_s > 0:
        raise ValueError("time_limit_s: must be positive or None")
    if not 0 <= mip_rel_gap < 1:
        raise ValueError("mip_rel_gap: must be in [0, 1)")
    if shares in ("capped_equal_price", "least_core", "proportional") and not standalone:
        raise ValueError(f"shares: '{shares}' needs standalone costs (standalone=True)")
    if shapley_permutations < 2:
        raise ValueError("shapley_permutations: must be at least 2")
    problem = _validated(problem)
    started = time.perf_counter()

    def report(status: str, cost: float | None, bound: float | None, gap: float | None = None) -> None:
        if progress is None:
            return
        if gap is None and cost is not None and bound is not None:
            gap = 0.0 if cost == 0 else max(0.0, (cost - bound) / cost)
        progress(Progress(status, cost, bound, gap, time.perf_counter() - started))

    def finish(result: AllocationResult) -> AllocationResult:
        # The cost the bound speaks of: the evaluated cost when vendors carry evaluation factors.
        cost = result.total_cost if result.evaluated_cost is None else result.evaluated_cost
        bound = result.lower_bound
        report(
            result.status, None if cost is None else float(cost), None if bound is None else float(bound), result.gap
        )
        return result

    unmet = structural_unmet(problem, problem.demands) or capacity_unmet(problem, problem.demands)
    if unmet:
        return finish(_infeasible(unmet, started))
    # Said at once: on large pools the search's first report (its first incumbent) comes seconds later.
    report("searching", None, None)
    # Items no discount couples are solved apart, within one time budget.
    raw = solve_demand_sets(
        problem,
        [problem.demands],
        time_limit_s=time_limit_s,
        mip_rel_gap=mip_rel_gap,
        solver_log=solver_log,
        shared=True,
        on_search=lambda cost, bound: report("searching", cost, bound),
    )[0]
    stats: dict = {"model": raw.size}
    stats.update(solve_time_s=round(raw.solve_time_s, 3), nodes=raw.nodes)
    if raw.infeasible:
        return finish(_infeasible(rule_unmet(problem, problem.demands, time_limit_s=time_limit_s), started, stats))
    if raw.units is None:
        status = "time_limit" if raw.stopped else "error"
        return finish(AllocationResult(status, f"no allocation found: {raw.message}", stats=stats))

    units = raw.units
    violations = rule_violations(problem, units, problem.demands)
    if violations:
        return finish(
            AllocationResult(
                "error",
                "the solver returned an allocation that breaks the rules: " + "; ".join(violations),
                stats=stats,
            )
        )
    awards, total = price_awards(problem, units)
    evaluated = problem.evaluated()
    # What the search minimised, the figure its bound and gap speak of: the evaluated cost when vendors
    # carry evaluation factors, else the total cost itself.
    evaluated_cost = None if evaluated is problem else to_cents(price_awards(evaluated, units)[1])
    objective = total if evaluated_cost is None else evaluated_cost
    lower: Decimal | None = objective if raw.optimal else None
    if raw.dual_bound is not None and math.isfinite(raw.dual_bound):
        lower = min(objective, Decimal(raw.dual_bound).quantize(Decimal("0.01"), rounding=ROUND_FLOOR))
    gap = None if lower is None else 0.0 if objective == 0 else float((objective - lower) / objective)
    if raw.optimal:
        status, message = "optimal", f"optimal within a relative gap of {mip_rel_gap:g}"
    elif gap is None:
        # A part stopped (or was stopped) before HiGHS reported a bound: no gap to claim.
        status, message = "feasible", "time limit reached before a lower bound was known; the gap is unknown"
    else:
        status, message = "feasible", f"time limit reached; best allocation is within {gap:.4%} of optimal"
    report("sharing", float(objective), None if lower is None else float(lower), gap)

    pooled = pooled_costs(awards)
    districts = sorted(pooled)
    standalone_costs = {}
    if standalone:
        t0 = time.perf_counter()
        # In batches, with a progress report after each: a caller can follow (or stop, by raising from
        # its callback) the standalone solves, which take as long as the pooled one on large pools.
        for first in range(0, len(districts), STANDALONE_BATCH):
            standalone_costs.update(
                coalition_costs(
                    problem,
                    [frozenset([d]) for d in districts[first : first + STANDALONE_BATCH]],
                    time_limit_s=time_limit_s,
                    mip_rel_gap=mip_rel_gap,
                    label="standalone",
                )
            )
            report("sharing", float(objective), None if lower is None else float(lower), gap)
        stats["standalone_time_s"] = round(time.perf_counter() - t0, 3)
    chosen = dict(pooled)
    rules = (shares,) if shares == "equal_price" else (shares, "equal_price")
    alone_costs = {d: standalone_costs[frozenset([d])].cost for d in districts} if standalone else {}
    proportional_costs: dict = {}
    capped_costs: dict = {}
    least_core_result = None
    shapley_estimate = None
    if shares == "capped_equal_price":
        capped = capped_equal_price(total, pooled, alone_costs)
        if capped.costs is not None:
            capped_costs = chosen = capped.costs
        else:
            message += f"; {capped.reason}"
    if shares == "least_core":
        least_core_result = least_core(
            problem, total, pooled, alone_costs, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap
        )
        chosen = least_core_result.costs
        stats["least_core_time_s"] = least_core_result.summary.time_s
    if shares == "proportional":
        if all(v is not None for v in alone_costs.values()):
            proportional_costs = proportional(total, alone_costs)
            chosen = proportional_costs
        else:
            message += "; proportional shares need every standalone cost"
    if shares == "shapley":
        t0 = time.perf_counter()
        shapley_estimate = shapley(
            problem,
            total,
            permutations=shapley_permutations,
            seed=seed,
            time_limit_s=time_limit_s,
            mip_rel_gap=mip_rel_gap,
        )
        stats["shapley_time_s"] = round(time.perf_counter() - t0, 3)
        stats["shapley_permutations"] = shapley_estimate.permutations
        if shapley_estimate.costs is not None:
            chosen = shapley_estimate.costs
            if shapley_estimate.shortfall is not None:
                message += f"; {shapley_estimate.shortfall}"
        else:
            message += f"; no Shapley value: {shapley_estimate.reason}"

    rows = []
    worse_off = []
    for d in districts:
        alone = standalone_costs.get(frozenset([d]))
        alone_cost = None if alone is None else alone.cost
        rows.append(
            Share(
                district=d,
                pooled_cost=pooled[d],
                standalone_cost=alone_cost,
                savings=None if alone_cost is None else alone_cost - pooled[d],
                standalone_reason=None if alone is None else alone.reason,
                proportional_cost=proportional_costs.get(d),
                shapley_cost=None
                if shapley_estimate is None or shapley_estimate.costs is None
                else shapley_estimate.costs[d],
                shapley_std_error=None
                if shapley_estimate is None or shapley_estimate.std_errors is None
                else shapley_estimate.std_errors[d],
                capped_cost=capped_costs.get(d),
                least_core_cost=None if least_core_result is None else least_core_result.costs[d],
            )
        )
        if alone_cost is not None and chosen[d] > alone_cost:
            worse_off.append(d)

    core_result = None if least_core_result is None else least_core_result.core
    if core and core_result is None:
        t0 = time.perf_counter()
        core_result = core_check(problem, chosen, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap)
        stats["core_time_s"] = round(time.perf_counter() - t0, 3)
    stats["total_time_s"] = round(time.perf_counter() - started, 3)
    logger.info("done: %s, total %s", status, total)
    return finish(
        AllocationResult(
            status=status,
            message=message,
            total_cost=total,
            evaluated_cost=evaluated_cost,
            lower_bound=lower,
            gap=gap,
            awards=tuple(awards),
            shares=tuple(rows),
            rules=rules,
            worse_off=tuple(worse_off),
            core=core_result,
            least_core=None if least_core_result is None else least_core_result.summary,
            stats=stats,
        )
    )


def _infeasible(unmet: list[Unmet], started: float, stats: dict | None = None) -> AllocationResult:
    stats = dict(stats or {})
    stats["total_time_s"] = round(time.perf_counter() - started, 3)
    count = len(unmet)
    return AllocationResult(
        "infeasible",
        f"{count} demand{'s' if count != 1 else ''} cannot be met",
        unmet=tuple(unmet),
        stats=stats,
    )
