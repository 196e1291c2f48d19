"""Benchmark of an award round through the app, on generated opened RFPs.

Usage: ``python bench/round_bench.py [--cases M:1,L:1,L:2] [--poll-s 0.05]``

For every case (size and seed of :func:`pricing.generate_problem`), in a fresh SQLite file:

1. set-up, not measured (a process of its own): the app's schema (``flask_migrate.upgrade``), the opened RFP
   of the generated problem (``bench/generated_rfp.py``), and every bid scored through
   ``coop.evaluation.services.score_bid`` on each of the template's non-price criteria, with points drawn
   from the seed between the template's minimum score and 100 (so no bid is set aside, and the vendors'
   evaluation factors differ as after a real evaluation);
2. measured (another fresh process, so that its peak RSS is the round's): ``coop.awards.services.start_round``
   with the default options (the engine's default share rule, the default time limit), from the RFP as it
   stands to a round ready to publish: awards, shares with standalone costs, the core check and the
   explanation, all stored. ``REDIS_URL`` is unset, so the round runs inline, through the same
   ``run_round`` an RQ worker runs. Meanwhile a thread reads the round's row every ``--poll-s`` on a
   connection of its own (read-only, as the progress page would) and records each change of its progress
   (status, phase, best cost, lower bound, gap, elapsed) and of its heartbeat, and the load average.

Writes ``bench/results/rounds.json`` (every row, with the progress rows seen) and ``bench/results/rounds.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import report  # noqa: E402

TARGET_S = 60.0
#: The watcher reads every process's memory this often: often enough for a solve, rarely enough to cost nothing.
MEMORY_EVERY_S = 0.5
#: The round's phases while its explanation is made (coop.awards.services): the first seen starts "explanation".
EXPLANATION_PHASES = ("explaining", "runner-ups", "charts")
PROGRESS_COLUMNS = ("status", "phase", "best_cost_cents", "lower_bound_cents", "progress_gap", "elapsed_s")


def _app(database: Path):
    from coop import create_app

    # No REDIS_URL: the round runs inline whatever its size.
    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "SECRET_KEY": "bench", "REDIS_URL": None})


# --- set-up ----------------------------------------------------------------------------------------------------------


def set_up(size: str, seed: int, database: Path) -> dict:
    """The opened RFP of the generated problem, every bid scored; its id and what the set-up took."""
    import sqlalchemy as sa
    from flask_migrate import upgrade
    from generated_rfp import build_opened_rfp

    from coop import evaluated_cost
    from coop.accounts.models import User
    from coop.evaluation import queries as evaluation_queries
    from coop.evaluation import services as evaluation
    from coop.extensions import db
    from coop.rfps import queries as rfp_queries
    from coop.rfps.models import Rfp
    from pricing import generate_problem

    n, k, v = report.SIZES[size]
    started = time.perf_counter()
    with _app(database).app_context():
        upgrade()
        rfp_id = build_opened_rfp(
            generate_problem(districts=n, items=k, vendors=v, seed=seed), title=f"Generated {size} seed {seed}"
        )
        built_s = time.perf_counter() - started
        admin = db.session.scalar(sa.select(User).where(User.email == "admin@generated.example"))
        rfp = db.session.get(Rfp, rfp_id)
        criteria = evaluated_cost.non_price_criteria(rfp_queries.criteria(rfp))
        minimum = rfp_queries.minimum_score(rfp)
        points = random.Random(seed)
        bid_ids = [bid.id for bid in evaluation_queries.opened_bids(rfp)]
        for bid_id in bid_ids:
            evaluation.score_bid(
                admin,
                rfp_id,
                bid_id,
                {
                    criterion["key"]: evaluation.CriterionScore(
                        points.randint(minimum, 100), f"Bench score, seed {seed}."
                    )
                    for criterion in criteria
                },
            )
        rfp = db.session.get(Rfp, rfp_id)
        factors = [e.evaluation_factor for e in evaluation_queries.evaluations_for(rfp).values()]
    return {
        "rfp_id": rfp_id,
        "bids": len(bid_ids),
        "criteria_scored": len(criteria),
        "minimum_score": minimum,
        "factor_range": [str(min(factors)), str(max(factors))],
        "build_s": round(built_s, 1),
        "set_up_s": round(time.perf_counter() - started, 1),
    }


# --- the round -------------------------------------------------------------------------------------------------------


class Watcher(threading.Thread):
    """Reads the RFP's latest round on a read-only connection of its own, as the progress page would."""

    def __init__(self, database: Path, rfp_id: int, every_s: float) -> None:
        super().__init__(name="round-watcher", daemon=True)
        self.database, self.rfp_id, self.every_s = database, rfp_id, every_s
        self.stop = threading.Event()
        self.origin = time.perf_counter()
        self.progress: list[dict] = []  # each change of the progress columns, with when it was seen
        self.heartbeats: list[float] = []  # when a heartbeat alone was seen (the round alive, no new figure)
        self.load: list[float] = []
        self.peak_tree_rss_kb = self.peak_solver_rss_kb = 0

    def run(self) -> None:
        connection = sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=30)
        query = (
            f"SELECT {', '.join(PROGRESS_COLUMNS)}, heartbeat_at FROM award_round WHERE rfp_id = ? "
            "ORDER BY id DESC LIMIT 1"
        )
        last, last_beat, last_load, last_memory = None, None, -1.0, -1.0
        while not self.stop.is_set():
            moment = time.perf_counter() - self.origin
            row = connection.execute(query, (self.rfp_id,)).fetchone()
            if row is not None:
                values, beat = dict(zip(PROGRESS_COLUMNS, row[:-1])), row[-1]
                if values != last:
                    self.progress.append({"t_s": round(moment, 3), **values})
                    last = values
                elif beat != last_beat:
                    self.heartbeats.append(round(moment, 3))
                last_beat = beat
            if moment - last_memory >= MEMORY_EVERY_S:
                self._sample_memory()
                last_memory = moment
            if moment - last_load >= 1:
                self.load.append(os.getloadavg()[0])
                last_load = moment
            self.stop.wait(self.every_s)
        connection.close()

    def _sample_memory(self) -> None:
        """The resident memory of this process and its descendants: the engine's HiGHS children come from a fork
        server (this process runs threads), so they are not this process's children and ``RUSAGE_CHILDREN``
        misses them."""
        parent_of, rss_kb = {}, {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                status = dict(line.split(":", 1) for line in (entry / "status").read_text().splitlines() if ":" in line)
            except OSError:
                continue  # ended meanwhile
            parent_of[int(entry.name)] = int(status["PPid"])
            rss_kb[int(entry.name)] = int(status.get("VmRSS", "0 kB").split()[0])
        me, tree = os.getpid(), set()
        for pid in parent_of:
            ancestor = pid
            while ancestor > 1 and ancestor != me:
                ancestor = parent_of.get(ancestor, 0)
            if ancestor == me and pid != me:
                tree.add(pid)
        self.peak_tree_rss_kb = max(self.peak_tree_rss_kb, rss_kb.get(me, 0) + sum(rss_kb[p] for p in tree))
        self.peak_solver_rss_kb = max([self.peak_solver_rss_kb, *(rss_kb[p] for p in tree)])


def run_round(database: Path, rfp_id: int, poll_s: float) -> dict:
    """Start the round with the default options and time it to a round ready to publish."""
    import sqlalchemy as sa

    from coop.accounts.models import User
    from coop.awards import adapters
    from coop.awards import services as awards
    from coop.awards.models import AwardRound
    from coop.extensions import db

    with _app(database).app_context():
        admin = db.session.scalar(sa.select(User).where(User.email == "admin@generated.example"))
        options = adapters.RoundOptions()
        db.session.commit()
        watcher = Watcher(database, rfp_id, poll_s)
        load_before = os.getloadavg()[0]
        watcher.start()
        started = time.perf_counter() - watcher.origin
        award_round = awards.start_round(admin, rfp_id, options)
        ended = time.perf_counter() - watcher.origin
        time.sleep(2 * poll_s)  # the watcher sees the last write
        watcher.stop.set()
        watcher.join()
        award_round = db.session.get(AwardRound, award_round.id, populate_existing=True)
        result = award_round.result or {}
        stats = result.get("stats", {})
        shares = list(award_round.shares)
        core = result.get("core") or {}
        problem = award_round.problem
        row = {
            "round_status": award_round.status.value,
            "solver_status": award_round.solver_status,
            "error": award_round.error,
            "options": options.to_dict(),
            "demands": len(problem["demands"]),
            "offers": len(problem["offers"]),
            "problem_size": adapters.problem_size(problem),
            "awards": len(award_round.awards),
            "shares": len(shares),
            "standalone_missing": sum(1 for s in shares if s.standalone_cost_cents is None),
            "worse_off": len(result.get("worse_off") or []),
            "core_blocked": core.get("blocked"),
            "core_message": core.get("message"),
            "explanation_chars": len(award_round.explanation_html or ""),
            "total_cost": result.get("total_cost"),
            "gap": award_round.gap,
            "wall_s": round(ended - started, 2),
            "elapsed_s": award_round.elapsed_s,
            "engine_stats": {
                key: stats.get(key)
                for key in ("solve_time_s", "nodes", "standalone_time_s", "core_time_s", "total_time_s")
            },
        }
    row.update(phases(watcher.progress, started, ended, stats))
    row.update(progress_summary(watcher.progress, started, ended))
    row["heartbeats_alone"] = len(watcher.heartbeats)
    row["longest_silence_with_heartbeats_s"] = longest_gap(
        sorted([p["t_s"] for p in watcher.progress] + watcher.heartbeats), started, ended
    )[0]
    row["progress_rows"] = watcher.progress
    row["load_1m"] = {
        "before": round(load_before, 2),
        "min": round(min(watcher.load), 2),
        "max": round(max(watcher.load), 2),
    }
    row["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    row["peak_solver_rss_mb"] = round(watcher.peak_solver_rss_kb / 1024, 1)
    row["peak_tree_rss_mb"] = round(watcher.peak_tree_rss_kb / 1024, 1)
    return row


def _first(progress: list[dict], test) -> float | None:
    return next((p["t_s"] for p in progress if test(p)), None)


def phases(progress: list[dict], started: float, ended: float, stats: dict) -> dict:
    """Where the wall time went: before the engine (the problem read and stored), the engine's own phases
    (its stats), between them the adapter (the stored problem parsed, the result serialised), and the
    explanation with the final write (from its phase being seen to the round solved)."""
    engine_seen = _first(progress, lambda p: p["status"] == "running")
    explaining = _first(progress, lambda p: (p["phase"] or "").split(" ")[0] in EXPLANATION_PHASES)
    solved = _first(progress, lambda p: p["status"] == "solved")
    total = stats.get("total_time_s") or 0
    standalone, core = stats.get("standalone_time_s") or 0, stats.get("core_time_s") or 0
    return {
        "phase_s": {
            "prepare": None if engine_seen is None else round(engine_seen - started, 2),
            "pooled": round(total - standalone - core, 2),
            "standalone": standalone,
            "core_check": core,
            "explanation": None if explaining is None or solved is None else round(solved - explaining, 2),
            "adapter": None
            if engine_seen is None or explaining is None
            else round(explaining - engine_seen - total, 2),
        },
        "solved_seen_s": None if solved is None else round(solved - started, 2),
        "ended_s": round(ended - started, 2),
    }


def longest_gap(moments: list[float], started: float, ended: float) -> tuple[float, int]:
    """The longest stretch between ``started``, the ``moments`` in between and ``ended``, and how many moments
    came before it."""
    points = [started] + [m for m in moments if started <= m <= ended] + [ended]
    longest, at = max((b - a, i) for i, (a, b) in enumerate(zip(points, points[1:])))
    return round(longest, 2), at


def progress_summary(progress: list[dict], started: float, ended: float) -> dict:
    """How many progress changes were seen and the longest stretch without one (from the start to the end)."""
    longest, at = longest_gap([p["t_s"] for p in progress], started, ended)
    # The phase shown during the longest silence: the last progress row seen before it.
    shown = progress[at - 1]["phase"] if at >= 1 else "(none yet)"
    return {"progress_updates": len(progress), "longest_silence_s": longest, "longest_silence_phase": shown}


# --- driving ---------------------------------------------------------------------------------------------------------


def _stage(*args: str) -> dict:
    """Run a stage of this script in a fresh process; its answer is the last line it prints."""
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    if done.returncode:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"stage {args[0]} failed ({done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_case(size: str, seed: int, poll_s: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="round-bench-") as folder:
        database = Path(folder) / "bench.sqlite3"
        built = _stage("--set-up", size, str(seed), str(database))
        measured = _stage("--round", str(database), str(built["rfp_id"]), str(poll_s))
    n, k, v = report.SIZES[size]
    return {
        "size": size,
        "seed": seed,
        "districts": n,
        "items": k,
        "vendors": v,
        "set_up": built,
        **measured,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _money(amount: str | None) -> str:
    return "" if amount is None else f"{float(amount):,.2f}"


def table(rows: list[dict]) -> str:
    head = (
        "| size | seed | demands × offers | status | wall s (start_round) | elapsed_s (engine) | pooled s "
        "| standalone s | core check s | explanation and write s | prepare s | progress updates "
        "| longest silence s (phase) | with heartbeats s | shares (no standalone) | core "
        "| peak RSS MB: round (largest solver, all) | load 1m |"
    )
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        p = r["phase_s"]
        core = "" if r["core_blocked"] is None else ("blocked" if r["core_blocked"] else "in core")
        lines.append(
            f"| {r['size']} | {r['seed']} | {r['demands']} × {r['offers']} "
            f"| {r['round_status']} ({r['solver_status']}) "
            f"| {r['wall_s']} | {r['elapsed_s']} | {p['pooled']} | {p['standalone']} | {p['core_check']} "
            f"| {p['explanation']} | {p['prepare']} | {r['progress_updates']} "
            f"| {r['longest_silence_s']} ({r['longest_silence_phase']}) "
            f"| {r['longest_silence_with_heartbeats_s']} "
            f"| {r['shares']} ({r['standalone_missing']}) | {core} "
            f"| {r['peak_rss_mb']} ({r['peak_solver_rss_mb']}, {r['peak_tree_rss_mb']}) "
            f"| {r['load_1m']['min']}–{r['load_1m']['max']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="M:1,L:1,L:2", help="size:seed, comma-separated")
    parser.add_argument("--poll-s", type=float, default=0.05)
    parser.add_argument("--set-up", nargs=3, metavar=("SIZE", "SEED", "DATABASE"), help=argparse.SUPPRESS)
    parser.add_argument("--round", nargs=3, metavar=("DATABASE", "RFP_ID", "POLL_S"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.set_up:
        print(json.dumps(set_up(args.set_up[0], int(args.set_up[1]), Path(args.set_up[2]))))
        return
    if args.round:
        print(json.dumps(run_round(Path(args.round[0]), int(args.round[1]), float(args.round[2]))))
        return
    rows = []
    for case in args.cases.split(","):
        size, seed = case.split(":")
        row = run_case(size, int(seed), args.poll_s)
        print(json.dumps({k: v for k, v in row.items() if k != "progress_rows"}), file=sys.stderr, flush=True)
        rows.append(row)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    info = report.machine()
    (out / "rounds.json").write_text(
        json.dumps(
            {
                "machine": info,
                "command": f"python bench/round_bench.py --cases {args.cases} --poll-s {args.poll_s:g}",
                "rows": rows,
            },
            indent=2,
        )
    )
    md = [
        "# Award round benchmark",
        "",
        f"- machine: `{info['uname']}`",
        f"- CPU: {info['cpu']}, {info['cores']} cores, Python {info['python']}",
        f"- date: {rows[0]['date'] if rows else ''}",
        f"- command: `python bench/round_bench.py --cases {args.cases} --poll-s {args.poll_s:g}`",
        "- wall s: `start_round` called to returned, the round solved and stored (awards, shares with standalone"
        " costs, core check, explanation); elapsed_s: the round's stored engine time; pooled, standalone, core"
        " check: the engine's stats; explanation and write: from its phase seen to the round solved; prepare: from"
        " the call to the round seen running (the problem read from the RFP and stored); progress updates: changes"
        f" of the round's status, phase, best cost, lower bound, gap or elapsed seen every {args.poll_s:g} s on a"
        " second connection; longest silence: the longest stretch without one, from the call to its return, and the"
        " phase shown meanwhile; with heartbeats: the same, a heartbeat counting; peak RSS: the round's process (its"
        " getrusage), and sampled with the watcher: the largest of its descendants (HiGHS children, from a fork"
        " server) and the whole tree; load 1m: the 1-minute load average during the round (the VM is shared);"
        f" target: under {TARGET_S:g} s on 2 cores",
        "",
        table(rows),
        "",
    ]
    report.write_markdown(out / "rounds.md", md)


if __name__ == "__main__":
    main()
