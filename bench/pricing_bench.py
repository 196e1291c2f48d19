"""Benchmark of the allocation engine on generated problems.

Usage: ``python bench/pricing_bench.py [--sizes S,M,L,XL] [--seeds 3] [--xl-seeds 2] [--time-limit 60]``

For every size and seed, through :func:`pricing.solve` as the app calls it:
the pooled solve (wall time to the proven optimum, or the gap at the time
limit), the independent parts the problem splits into, the monolithic
model's size, build time and LP relaxation bound, peak memory of the solver
process, the standalone cost of every district and, for size S, the Shapley
value (time, largest standard error). Writes
``bench/results/pricing.json`` and ``bench/results/pricing.md``.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import report  # noqa: E402
import scipy  # noqa: E402

from pricing import generate_problem, solve  # noqa: E402
from pricing.decompose import independent_parts  # noqa: E402
from pricing.guard import run_guarded  # noqa: E402
from pricing.model import build_model  # noqa: E402

GAP_TARGET = {"S": 1e-6, "M": 1e-6, "L": 1e-6, "XL": 1e-3}


def machine() -> dict:
    return {**report.machine(), "scipy": scipy.__version__, "highspy": importlib.metadata.version("highspy")}


def run_one(size: str, seed: int, time_limit_s: float) -> dict:
    n, k, v = report.SIZES[size]
    problem = generate_problem(districts=n, items=k, vendors=v, seed=seed)
    t0 = time.perf_counter()
    model = build_model(problem)  # the monolithic model, for its size and LP bound
    build_s = time.perf_counter() - t0
    lp = run_guarded([model.arrays], time_limit_s=time_limit_s, mip_rel_gap=1e-6, relax=True)[0]
    parts = independent_parts(problem, problem.demands)
    started = time.perf_counter()
    result = solve(
        problem,
        time_limit_s=time_limit_s,
        mip_rel_gap=GAP_TARGET[size],
        shares="shapley" if size == "S" else "equal_price",
    )
    wall = time.perf_counter() - started
    stats = result.stats
    pooled_s = stats["total_time_s"] - (stats.get("standalone_time_s") or 0) - (stats.get("shapley_time_s") or 0)
    total = float(result.total_cost) if result.total_cost is not None else None
    row = {
        "size": size,
        "seed": seed,
        "districts": n,
        "items": k,
        "vendors": v,
        "demands": len(problem.demands),
        "offers": len(problem.offers),
        "discount_vendors": sum(1 for x in problem.vendors if x.total_discounts),
        **model.arrays.size,
        "build_s": round(build_s, 3),
        "parts": len(parts),
        "largest_part_items": max(len({r.item for r in g}) for g in parts),
        "status": result.status,
        "pooled_s": round(pooled_s, 2),
        "highs_s": stats.get("solve_time_s"),
        "nodes": stats.get("nodes"),
        "gap": result.gap,
        "total_cost": total,
        "lower_bound": None if result.lower_bound is None else float(result.lower_bound),
        "lp_bound": lp.objective,
        "lp_time_s": round(lp.solve_time_s, 3),
        "lp_gap": None if not total or lp.objective is None else (total - lp.objective) / total,
        "solve_total_s": round(wall, 2),
        "standalone_time_s": stats.get("standalone_time_s"),
        "standalone_missing": sum(1 for x in result.shares if x.standalone_cost is None),
        "worse_off": len(result.worse_off),
        "load_avg_1m": round(__import__("os").getloadavg()[0], 2),
    }
    if size == "S":
        row["shapley_time_s"] = stats.get("shapley_time_s")
        errors = [float(x.shapley_std_error) for x in result.shares if x.shapley_std_error is not None]
        row["shapley_max_std_error"] = max(errors) if errors else None
    row["peak_child_rss_mb"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    return row


def table(rows: list[dict]) -> str:
    head = (
        "| size | seed | vars | int | parts (largest, items) | build s | status | pooled s | nodes | gap "
        "| LP gap | standalone s | full solve s | Shapley s (max s.e.) | load | peak RSS MB |"
    )
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        shap = "" if r.get("shapley_time_s") is None else f"{r['shapley_time_s']} ({r['shapley_max_std_error']:.2f})"
        gap = "" if r["gap"] is None else f"{r['gap']:.2e}"
        lp_gap = "" if r["lp_gap"] is None else f"{r['lp_gap']:.2e}"
        lines.append(
            f"| {r['size']} | {r['seed']} | {r['variables']} | {r['integer_variables']} "
            f"| {r['parts']} ({r['largest_part_items']}) | {r['build_s']} | {r['status']} | {r['pooled_s']} "
            f"| {r['nodes']} | {gap} | {lp_gap} | {r['standalone_time_s']} | {r['solve_total_s']} | {shap} "
            f"| {r['load_avg_1m']} | {r['peak_child_rss_mb']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="S,M,L")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--xl-seeds", type=int, default=2)
    parser.add_argument("--time-limit", type=float, default=60.0)
    args = parser.parse_args()
    rows = []
    for size in args.sizes.split(","):
        for seed in range(1, (args.xl_seeds if size == "XL" else args.seeds) + 1):
            row = run_one(size, seed, args.time_limit)
            print(json.dumps(row), file=sys.stderr, flush=True)
            rows.append(row)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    info = machine()
    (out / "pricing.json").write_text(json.dumps({"machine": info, "rows": rows}, indent=2))
    md = [
        "# pricing benchmark",
        "",
        f"- machine: `{info['uname']}`",
        f"- CPU: {info['cpu']}, {info['cores']} cores",
        f"- Python {info['python']}, SciPy {info['scipy']} (HiGHS), highspy {info['highspy']}",
        f"- command: `python bench/pricing_bench.py --sizes {args.sizes} --seeds {args.seeds} --xl-seeds {args.xl_seeds} "
        f"--time-limit {args.time_limit:g}`",
        "- gap asked: 1e-6 (S, M, L), 1e-3 (XL). pooled s: wall time of `solve()` up to the pooled optimum"
        " (validation, decomposition, model build, child process, HiGHS); full solve s adds the standalone costs"
        " (and Shapley for S); LP gap: LP relaxation of the monolithic model against the reported total;"
        " load: 1-minute load average after the run (the VM is shared); peak RSS is the largest solver child so far",
        "",
        table(rows),
        "",
    ]
    report.write_markdown(out / "pricing.md", md)


if __name__ == "__main__":
    main()
