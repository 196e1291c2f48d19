"""Benchmark of the sharing rules on generated problems.

Usage: ``python bench/shares_bench.py [--sizes M,L] [--seeds 1,2,3] [--rules default,least_core,shapley]
[--time-limit 120]``

For every size and seed, through :func:`pricing.solve`:

- ``default``: the capped equal-price rule with every standalone cost and the
  core check of its shares (wall time without the core check, districts worse
  off under the equal price and the largest excess, the core check's time and
  the gain of the coalition it finds);
- ``least_core``: time, ``epsilon`` and its lower bound, the tolerance, the certificate (no coalition gains
  more than the core check's bound), iterations, proven;
- ``shapley``: time, orders sampled (over all games), the largest standard
  error relative to the share, how many districts stayed above 1 % and how
  many have no standard error (a game with one block of orders).

``--time-limit`` is passed to ``solve`` (per solve, and the budget of the
least core's generation and of the Shapley sampling). Rows are merged into
``bench/results/shares.json`` by size, seed and rule (a later run replaces
the rows it measures), and ``bench/results/shares.md`` is written from all
of them; notes below its ``## Notes`` line survive.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import report  # noqa: E402

from pricing import generate_problem, solve  # noqa: E402
from pricing.shares import coalition_tolerance  # noqa: E402

RULES = ("default", "least_core", "shapley")


def measure(size: str, seed: int, rule: str, time_limit_s: float) -> dict:
    n, k, v = report.SIZES[size]
    problem = generate_problem(districts=n, items=k, vendors=v, seed=seed)
    row: dict = {"size": size, "seed": seed, "rule": rule}
    started = time.perf_counter()
    if rule == "default":
        result = solve(problem, time_limit_s=time_limit_s, core=True)
        wall = time.perf_counter() - started
        core_s = result.stats.get("core_time_s") or 0.0
        excess = [s.pooled_cost - s.standalone_cost for s in result.shares if s.standalone_cost is not None]
        row.update(
            time_s=round(wall - core_s, 2),
            standalone_s=result.stats.get("standalone_time_s"),
            equal_price_worse_off=sum(1 for e in excess if e > 0),
            equal_price_max_excess=str(max(excess)),
            worse_off=len(result.worse_off),
            capped=result.shares[0].capped_cost is not None,
            core_s=core_s,
            core_gain=str(result.core.gain),
            core_gain_bound=None if result.core.gain_bound is None else str(result.core.gain_bound),
            core_coalition_size=len(result.core.coalition),
            core_message=result.core.message[-80:],
        )
    elif rule == "least_core":
        result = solve(problem, time_limit_s=time_limit_s, shares="least_core")
        lc = result.least_core
        row.update(
            time_s=round(time.perf_counter() - started, 2),
            least_core_s=lc.time_s,
            epsilon=str(lc.epsilon),
            epsilon_lower_bound=str(lc.epsilon_lower_bound),
            iterations=lc.iterations,
            proven=lc.proven,
            gain_bound=None if result.core.gain_bound is None else str(result.core.gain_bound),
            tolerance=str(coalition_tolerance(result.total_cost)),
        )
    else:
        result = solve(problem, time_limit_s=time_limit_s, shares="shapley")
        # A district whose share comes from a game of one block of orders has no standard error (None).
        relative = [
            None if s.shapley_std_error is None else float(s.shapley_std_error / s.shapley_cost)
            for s in result.shares
            if s.shapley_cost
        ]
        known = [r for r in relative if r is not None]
        row.update(
            time_s=round(time.perf_counter() - started, 2),
            shapley_s=result.stats.get("shapley_time_s"),
            orders=result.stats.get("shapley_permutations"),
            max_relative_std_error=round(max(known), 5) if known else None,
            above_1_percent=sum(1 for r in known if r > 0.01),
            unknown_std_error=len(relative) - len(known),
            shapley_message=result.message[-160:],
        )
    row["load_avg_1m"] = round(os.getloadavg()[0], 2)
    return row


def tables(rows: list[dict]) -> str:
    out = []
    default = [r for r in rows if r["rule"] == "default"]
    if default:
        out += [
            "| size | seed | default rule s (with standalone) | standalone s | equal price: worse off (largest excess) "
            "| capped: worse off | core check s | core check gain (coalition size) | core check bound | load |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        out += [
            f"| {r['size']} | {r['seed']} | {r['time_s']} | {r['standalone_s']} | {r['equal_price_worse_off']} "
            f"({r['equal_price_max_excess']}) | {r['worse_off'] if r['capped'] else 'impossible'} | {r['core_s']} "
            f"| {r['core_gain']} ({r['core_coalition_size']}) | {r.get('core_gain_bound') or '—'} | {r['load_avg_1m']} |"
            for r in default
        ]
        out.append("")
    least = [r for r in rows if r["rule"] == "least_core"]
    if least:
        out += [
            "| size | seed | least core s | epsilon | lower bound | tolerance | certified: no gain above | iterations "
            "| proven | load |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        out += [
            f"| {r['size']} | {r['seed']} | {r['least_core_s']} | {r['epsilon']} | {r['epsilon_lower_bound']} "
            f"| {r.get('tolerance', '')} | {r.get('gain_bound') or '—'} | {r['iterations']} | {r['proven']} "
            f"| {r['load_avg_1m']} |"
            for r in least
        ]
        out.append("")
    shap = [r for r in rows if r["rule"] == "shapley"]
    if shap:
        out += [
            "| size | seed | Shapley s | orders | largest known s.e. / share | districts above 1 % "
            "| districts without a s.e. | load |",
            "|---|---|---|---|---|---|---|---|",
        ]
        out += [
            f"| {r['size']} | {r['seed']} | {r['shapley_s']} | {r['orders']} "
            f"| {'–' if r['max_relative_std_error'] is None else format(r['max_relative_std_error'], '.2%')} "
            f"| {r['above_1_percent']} | {r.get('unknown_std_error', 0)} | {r['load_avg_1m']} |"
            for r in shap
        ]
        out.append("")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="M,L")
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--rules", default=",".join(RULES))
    parser.add_argument("--time-limit", type=float, default=120.0)
    args = parser.parse_args()
    unknown = set(args.rules.split(",")) - set(RULES)
    if unknown:
        parser.error(f"--rules: unknown {', '.join(sorted(unknown))} (choose from {', '.join(RULES)})")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    store = out / "shares.json"
    rows = json.loads(store.read_text())["rows"] if store.exists() else []
    for size in args.sizes.split(","):
        for seed in (int(s) for s in args.seeds.split(",")):
            for rule in args.rules.split(","):
                row = measure(size, seed, rule, args.time_limit)
                row["command"] = (
                    f"python bench/shares_bench.py --sizes {size} --seeds {seed} --rules {rule} "
                    f"--time-limit {args.time_limit:g}"
                )
                print(json.dumps(row), file=sys.stderr, flush=True)
                rows = [r for r in rows if (r["size"], r["seed"], r["rule"]) != (size, seed, rule)] + [row]
    rows.sort(key=lambda r: (list(report.SIZES).index(r["size"]), r["seed"], RULES.index(r["rule"])))
    store.write_text(json.dumps({"rows": rows}, indent=2))
    md = [
        "# sharing rules benchmark",
        "",
        "Rows come from separate runs (each row's command is in shares.json); load: 1-minute load average after "
        "the row (the 2-core VM is shared). Times in seconds.",
        "",
        tables(rows),
    ]
    report.write_markdown(out / "shares.md", md)


if __name__ == "__main__":
    main()
