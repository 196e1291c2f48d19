"""How low a bound on coalitions' gains can go when it lets a district be half in a coalition.

Usage: ``python bench/relaxation_gap.py [--sizes M,L] [--seeds 1,2,3] [--copies 2,3] [--time-limit 120]``

The least core's certificate is an upper bound on ``max_S x(S) - C(S)`` within the tolerance (a millionth of
the pooled total ``T``). Three bounds were tried for it on L (pricing/least_core.py): the coalition MILP's LP
relaxation, the Lagrangian decomposition by item (each district's membership dualised per item, each
discount vendor's total value dualised, every item then solved exactly as a coalition MILP of its own), and
the LP of every offer's purchase patterns (each offer's tiers, capacity and minimum award exact). None of
them can go below ``(T - T_k) / k``, whatever the shares ``x`` (adding up to ``T``), where ``T_k`` is the
cheapest purchase of the whole pooled demand with every vendor present ``k`` times (each copy with its own
offers, capacities, minimum awards and discount brackets):

split that purchase by copy into ``k`` purchases ("worlds"), each demand bought in exactly one. Every district
in with weight ``1/k`` and each world's purchase with weight ``1/k`` is a point of each relaxation (they are
convex in the membership, and each world buys within every offer's capacity and tiers), and it gains
``x(N)/k - T_k/k = (T - T_k)/k``. For the Lagrangian, at any multipliers: its membership term is at least the
average of "everyone in" and "no one in", each item's term at least the average of the worlds' item purchases,
each vendor's term at least the average of the worlds' values; the multipliers cancel in the sum. What the
relaxations lose is that a district is in or out for all its items at once: two real coalitions splitting the
districts cannot each have the cheap capacity for every item, two worlds can. When capacities or minimum
awards bind in the pooled purchase, ``T_k < T``, and only branching on the districts' membership closes the gap.

Prints a Markdown table: ``T``, ``T_k`` (the best purchase found within the time limit: a purchase that is not
proven optimal still gives a valid floor), the floor ``(T - T_k)/k`` and the tolerance, with the load. ``T_k``
is never above ``T`` (a copy may stay unused): a floor a little below 0 is the two solves' MILP gap.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import report  # noqa: E402

from pricing import generate_problem, solve  # noqa: E402
from pricing.problem import Problem  # noqa: E402
from pricing.shares import coalition_tolerance  # noqa: E402


def with_copies(problem: Problem, copies: int) -> Problem:
    """``problem`` with every vendor and its offers present ``copies`` times (copy ``c > 0`` named ``id~c``)."""
    offers, vendors = [], []
    for c in range(copies):
        suffix = f"~{c}" if c else ""
        offers += [dataclasses.replace(o, id=o.id + suffix, vendor=o.vendor + suffix) for o in problem.offers]
        vendors += [dataclasses.replace(v, id=v.id + suffix) for v in problem.vendors]
    return dataclasses.replace(problem, offers=tuple(offers), vendors=tuple(vendors))


def measure(size: str, seed: int, copies: list[int], time_limit_s: float) -> list[dict]:
    n, k, v = report.SIZES[size]
    problem = generate_problem(districts=n, items=k, vendors=v, seed=seed)
    pooled = solve(problem, time_limit_s=time_limit_s, standalone=False, shares="equal_price", core=False)
    total = pooled.total_cost
    rows = []
    for c in copies:
        started = time.perf_counter()
        copied = solve(with_copies(problem, c), time_limit_s=time_limit_s, standalone=False, shares="equal_price")
        rows.append(
            {
                "size": size,
                "seed": seed,
                "copies": c,
                "total": total,
                "total_with_copies": copied.total_cost,
                "status": copied.status,
                "floor": ((total - copied.total_cost) / c).quantize(Decimal("0.01")),
                "tolerance": coalition_tolerance(total),
                "time_s": round(time.perf_counter() - started, 1),
                "load_avg_1m": round(os.getloadavg()[0], 2),
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="M,L")
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--copies", default="2,3")
    parser.add_argument("--time-limit", type=float, default=120.0)
    args = parser.parse_args()
    copies = [int(c) for c in args.copies.split(",")]
    print("| size | seed | copies k | pooled total T | T_k (status) | floor (T - T_k)/k | tolerance | s | load |")
    print("|---|---|---|---|---|---|---|---|---|")
    for size in args.sizes.split(","):
        for seed in (int(s) for s in args.seeds.split(",")):
            for r in measure(size, seed, copies, args.time_limit):
                print(
                    f"| {r['size']} | {r['seed']} | {r['copies']} | {r['total']} | {r['total_with_copies']} "
                    f"({r['status']}) | {r['floor']} | {r['tolerance']} | {r['time_s']} | {r['load_avg_1m']} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
