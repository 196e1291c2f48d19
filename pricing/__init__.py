"""Coop's allocation engine: pooled purchasing awarded at least total cost.

A pure library (numpy, scipy, highspy, pandas; no web framework, no database) for the
``coop.allocation/1`` problem format specified in pricing/FORMAT.md::

    from pricing import load_problem, solve
    result = solve(load_problem("problem.json"), time_limit_s=30)
    print(result.status, result.total_cost)
    print(result.to_json())

Public API: :class:`Problem` and its parts, :func:`load_problem`,
:class:`ProblemError`, :func:`solve`, :class:`AllocationResult`,
:class:`Award`, :class:`Share`, :class:`Unmet`, :class:`CoreCheck`, :class:`LeastCore`,
:class:`Progress`,
:func:`generate_problem`, :func:`explain` and its :class:`Explanation`.
"""

from .costing import Award
from .diagnose import Unmet
from .explain import Explanation, explain
from .generate import generate_problem
from .problem import (
    Demand,
    DiscountBracket,
    District,
    Item,
    Offer,
    Problem,
    ProblemError,
    Rules,
    Tier,
    Vendor,
    load_problem,
)
from .result import AllocationResult, CoreCheck, LeastCore, Progress, Share
from .solver import solve

__all__ = [
    "AllocationResult",
    "Award",
    "CoreCheck",
    "Demand",
    "DiscountBracket",
    "District",
    "Explanation",
    "Item",
    "LeastCore",
    "Offer",
    "Problem",
    "ProblemError",
    "Progress",
    "Rules",
    "Share",
    "Tier",
    "Unmet",
    "Vendor",
    "explain",
    "generate_problem",
    "load_problem",
    "solve",
]
