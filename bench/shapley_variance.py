"""How many joining orders the sampled Shapley value needs: the marginal costs' spread, measured.

Usage: ``python bench/shapley_variance.py [--size M] [--seed 1] [--blocks 8] [--coupled-orders 5]
[--time-limit 60] [--no-discounts] [--out FILE]``

For one generated problem it plays every sampled game of :mod:`pricing.shapley` (an item, or a coupled part)
as the sampling does, on a fixed number of its blocks of orders (``--blocks`` per item game,
``--coupled-orders`` single orders per coupled game), solving every prefix, and reports per game:

- the time per coalition solve and the new coalitions per order;
- each buyer's marginal-cost spread ``sigma`` over the orders (every order is uniformly random), and the
  orders the game needs for that buyer's standard error to reach its part of the 1 % target (``1 % of the
  share / sqrt(k)``, ``k`` the sampled games the buyer is in, as the stopping rule asks) with independent
  orders, ``(sigma sqrt(k) / (1 % of the share))**2``: the largest and the median over the buyers, and the
  solves that many orders take;
- the standard errors of the blocks' estimates as the sampling computes them, without and with the control
  game (:class:`pricing.shapley.ControlGame`, each block's control fitted on the blocks before it), on the
  same blocks (those that had a control): the median and the largest ratio to the buyer's part of the
  target (``share / sqrt(k)``), the buyers above 1 % of it, and the orders the largest then needs.

``--no-discounts`` removes every vendor's total-quantity discounts (no coupled game: only item games).
The raw marginal costs go to ``--out`` (JSON).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pricing import generate_problem  # noqa: E402
from pricing.shapley import (  # noqa: E402
    EXACT_SHAPLEY_MAX_DISTRICTS,
    _block,
    _block_mean,
    _games,
    _marginals,
    _solve_missing,
    _unique,
)

SIZES = {"S": (12, 3, 5), "M": (60, 10, 15), "L": (200, 25, 30)}


def play(problem, game, blocks, time_limit_s):
    """Solve the blocks' coalitions a block at a time, as the sampling does (each call has ``time_limit_s``)."""
    solves, started = 0, time.perf_counter()
    for orders in blocks:
        todo = _unique([(game, game.key(o[:k]), tuple(o[:k])) for o in orders for k in range(1, len(o) + 1)])
        todo = [t for t in todo if t[1] not in game.costs]
        _solve_missing(problem, todo, budget_s=None, time_limit_s=time_limit_s, mip_rel_gap=1e-6)  # solve()'s default
        solves += len(todo)
    return solves, time.perf_counter() - started


def standard_errors(means: list[list[Fraction]]) -> np.ndarray:
    return np.std(np.array(means, dtype=float), axis=0, ddof=1) / math.sqrt(len(means))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="M")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--blocks", type=int, default=8)
    parser.add_argument("--coupled-orders", type=int, default=5)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--no-discounts", action="store_true")
    parser.add_argument("--items", default=None, help="play only the games of these items (comma-separated)")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    n, k, v = SIZES[args.size]
    problem = generate_problem(districts=n, items=k, vendors=v, seed=args.seed)
    if args.no_discounts:
        problem = dataclasses.replace(
            problem, vendors=tuple(dataclasses.replace(x, total_discounts=()) for x in problem.vendors)
        )
    games = [g for g in _games(problem, EXACT_SHAPLEY_MAX_DISTRICTS) if not g.exact]
    if args.items:
        games = [g for g in games if {r.item for r in g.demands} & set(args.items.split(","))]
    rng = np.random.default_rng(args.seed)
    played = []
    for game in games:
        game.costs[()] = Fraction(0)
        blocks = [_block(rng, game) for _ in range(args.coupled_orders if game.coupled else args.blocks)]
        solves, seconds = play(problem, game, blocks, args.time_limit)
        # Both estimators over the blocks that had a control (the first blocks' coalitions are too few to fit).
        raw, controlled = [], []
        for block in blocks:
            plain, corrected = _marginals(game, block), _block_mean(game, block)
            if corrected != plain:
                raw.append(plain)
                controlled.append(corrected)
            game.record(block)
        orders = [o for b in blocks for o in b]
        per_order = np.array([[float(x) for x in _marginals(game, [o])] for o in orders])
        played.append((game, orders, per_order, raw, controlled, solves, seconds))
        print(
            f"game {'coupled' if game.coupled else 'item'} {sorted({r.item for r in game.demands})}: "
            f"{len(game.buyers)} buyers, {len(orders)} orders in {len(blocks)} blocks, {solves} solves in "
            f"{seconds:.1f} s ({1000 * seconds / max(solves, 1):.0f} ms each)",
            flush=True,
        )
    share, games_of = {}, {}
    for game, _, m, _, _, _, _ in played:
        for j, d in enumerate(game.buyers):
            share[d] = share.get(d, 0.0) + m[:, j].mean()
            games_of[d] = games_of.get(d, 0) + 1
    report = {"size": args.size, "seed": args.seed, "no_discounts": args.no_discounts, "games": []}
    for game, orders, m, raw, controlled, solves, seconds in played:
        target = np.array([0.01 * abs(share[d]) / math.sqrt(games_of[d]) for d in game.buyers])
        sigma = m.std(axis=0, ddof=1)
        need = (sigma / target) ** 2
        per_order = solves / len(orders)
        row = {
            "coupled": game.coupled,
            "items": sorted({r.item for r in game.demands}),
            "buyers": len(game.buyers),
            "orders": len(orders),
            "blocks": len(blocks),
            "blocks_with_control": len(controlled),
            "solves": solves,
            "seconds": round(seconds, 2),
            "ms_per_solve": round(1000 * seconds / max(solves, 1), 1),
            "sigma_over_share_median": float(np.median(sigma / (100 * target))),
            "orders_needed_max": float(need.max()),
            "orders_needed_median": float(np.median(need)),
            "worst_buyer": game.buyers[int(np.argmax(need))],
            "solves_needed": float(need.max() * per_order),
            "hours_needed_at_measured_rate": float(need.max() * per_order * seconds / max(solves, 1) / 3600),
            "marginals": m.round(2).tolist(),
        }
        for name, means in (("raw", raw), ("control", controlled)):
            if len(means) < 2:
                continue
            ratio = standard_errors(means) / (100 * target)
            row[f"se_over_share_median_{name}"] = float(np.median(ratio))
            row[f"se_over_share_max_{name}"] = float(ratio.max())
            row[f"above_target_{name}"] = int(np.sum(ratio > 0.01))
            row[f"orders_needed_max_{name}"] = float((ratio.max() / 0.01) ** 2 * len(orders))
        report["games"].append(row)
        print("  " + json.dumps({k: v for k, v in row.items() if k != "marginals"}), flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps(report))


if __name__ == "__main__":
    main()
