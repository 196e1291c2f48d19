"""``python -m pricing``: solve a problem file, or generate a random problem."""

from __future__ import annotations

import argparse
import logging
import sys

from .generate import generate_problem
from .problem import ProblemError, load_problem
from .result import SHARE_RULES, Progress
from .solver import solve

logger = logging.getLogger(__name__)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pricing", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("solve", help="solve a coop.allocation/1 file and print the result JSON")
    run.add_argument("problem", help="path of the problem JSON file, or - to read it from standard input")
    run.add_argument("--time-limit", type=float, default=60.0, metavar="S", help="seconds per solve (default 60)")
    run.add_argument("--gap", type=float, default=1e-6, metavar="G", help="relative optimality gap (default 1e-6)")
    run.add_argument(
        "--shares",
        choices=SHARE_RULES,
        default=None,
        help="sharing rule to report (default capped_equal_price; equal_price with --no-standalone)",
    )
    run.add_argument("--no-standalone", action="store_true", help="skip the standalone cost of each district")
    run.add_argument(
        "--core", action="store_true", help="check whether a coalition would gain by leaving under the reported rule"
    )
    run.add_argument(
        "--permutations", type=int, default=30, help="least number of Shapley orders to sample per game (default 30)"
    )
    run.add_argument("--seed", type=int, default=0, help="seed of the Shapley sampling")
    run.add_argument("--quiet", action="store_true", help="no solver log or progress on stderr")
    gen = commands.add_parser("generate", help="print a random realistic problem")
    gen.add_argument("--districts", type=int, required=True)
    gen.add_argument("--items", type=int, required=True)
    gen.add_argument("--vendors", type=int, required=True)
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--max-vendors-per-item", type=int, default=None)
    gen.add_argument("--split", action="store_true", help="allow splitting a district's demand")
    return parser


def _log_progress(progress: Progress) -> None:
    figures = [f"best {progress.best_cost:.2f}" if progress.best_cost is not None else "no allocation yet"]
    if progress.lower_bound is not None:
        figures.append(f"bound {progress.lower_bound:.2f}")
    if progress.gap is not None:
        figures.append(f"gap {progress.gap:.4%}")
    logger.info("%s: %s after %.1f s", progress.status, ", ".join(figures), progress.elapsed_s)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 for a bad file or option)."""
    args = _parser().parse_args(argv)
    if args.command == "generate":
        try:
            problem = generate_problem(
                districts=args.districts,
                items=args.items,
                vendors=args.vendors,
                seed=args.seed,
                max_vendors_per_item=args.max_vendors_per_item,
                split_district_demand=args.split,
            )
        except ValueError as exc:
            print(exc, file=sys.stderr)
            return 2
        print(problem.to_json())
        return 0
    if not args.quiet:
        # The engine's progress and HiGHS's log go to stderr; stdout keeps the result JSON.
        logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    try:
        # "-" is standard input, as for most Unix tools: `python -m pricing generate ... | python -m pricing solve -`.
        problem = load_problem(sys.stdin if args.problem == "-" else args.problem)
        result = solve(
            problem,
            time_limit_s=args.time_limit,
            mip_rel_gap=args.gap,
            shares=args.shares,
            standalone=not args.no_standalone,
            core=args.core,
            shapley_permutations=args.permutations,
            seed=args.seed,
            progress=None if args.quiet else _log_progress,
            solver_log=not args.quiet,
        )
    except ProblemError as exc:
        print(f"{args.problem}: invalid problem", file=sys.stderr)
        for error in exc.errors:
            print(f"  {error}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"{args.problem}: {exc.strerror}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(result.to_json())
    return 0
