"""The guarded process pool: HiGHS (or other guarded work) in child processes killed if they overrun.

HiGHS normally honours its ``time_limit``, but a stuck solve must not hold a
web worker, so the parent kills the child at the limit plus a grace period
(:func:`run_guarded`). The child is forked from a single-threaded caller and
comes from a fork server otherwise (see :func:`_context`). A batch may use
several children side by side, and a child may run other guarded work than a
MILP (:class:`Job`).
"""

from __future__ import annotations

import math
import multiprocessing
import multiprocessing.connection as mp_connection
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .highs import MilpArrays, RawSolution, solve_arrays

#: Seconds a child may run past its time limit before it is killed, plus 10 %.
GRACE_S = 3.0
#: Least time limit a task of a shared-budget batch gets (see :func:`run_guarded`).
MIN_TASK_S = 1.0


@dataclass(frozen=True)
class Job:
    """Work for the guarded child other than one MILP: ``fn(*args, time_limit_s=...)``.

    ``fn`` must be a module-level function (it is pickled by name) and honour
    its time limit; its return value is sent back.
    """

    fn: Callable[..., Any]
    args: tuple


def _child_main(conn, solver_log: bool) -> None:
    if solver_log:
        # HiGHS logs to the C stdout; the command line keeps stdout for JSON.
        os.dup2(2, 1)
    else:
        # Some HiGHS builds print debugging lines (and highspy its banner) even with output off;
        # the child answers through the pipe only.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
    conn.send("ready")
    while True:
        task = conn.recv()
        if task is None:
            return
        work, time_limit_s, mip_rel_gap, relax = task
        if isinstance(work, Job):
            conn.send(work.fn(*work.args, time_limit_s=time_limit_s))
            continue
        conn.send(
            solve_arrays(work, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap, solver_log=solver_log, relax=relax)
        )


#: Start method of the solver child: ``None`` chooses (see :func:`_context`),
#: or one of ``"fork"``, ``"forkserver"``, ``"spawn"``.
START_METHOD: str | None = None


def _context():
    """The multiprocessing context of the solver child.

    ``fork`` when the caller runs a single Python thread: the child starts in
    about 25 ms with scipy already imported and without re-running the
    caller's ``__main__``. Forking a process that has other threads (a
    threaded web server, Playwright in a test process) can deadlock the child
    on a lock another thread held at the fork, so then the child comes from a
    ``forkserver`` (a clean single-threaded process started once, about
    0.6 s, with this module preloaded; each child after that about 30 ms).
    Like ``spawn``, ``forkserver`` imports the caller's main module in the
    child: a script that calls :func:`pricing.solve` from a threaded program
    needs the usual ``if __name__ == "__main__":`` guard.
    """
    method = START_METHOD or ("forkserver" if threading.active_count() > 1 else "fork")
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(["pricing.guard"])
    return ctx


class _Child:
    """One solver child and the task it is on."""

    def __init__(self, ctx, solver_log: bool) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_child_main, args=(child, solver_log), daemon=True)
        self.process.start()
        child.close()
        self.task: int | None = None
        self.started = 0.0
        self.deadline = math.inf
        if not self.conn.poll(60.0):
            self.close(kill=True)
            raise RuntimeError("the solver process did not start")
        self.conn.recv()

    def close(self, *, kill: bool) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except OSError:
                pass
        self.conn.close()
        self.process.join(5.0)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


def run_guarded(
    tasks: list[MilpArrays | Job],
    *,
    time_limit_s: float | None,
    mip_rel_gap: float,
    solver_log: bool = False,
    relax: bool = False,
    on_done: Callable[[int], None] | None = None,
    shared: bool = False,
    workers: int = 1,
) -> list[Any]:
    """Solve each MILP (or run each :class:`Job`) in a child process that is killed if it overruns.

    ``workers`` children (one by default) serve the whole batch, each taking
    the next task when it is done; results come back in the order of
    ``tasks``. A child that has not answered ``GRACE_S`` seconds plus 10 %
    after its time limit is killed, its task reported as a
    :class:`RawSolution` with ``status=None``, and a new child takes the
    remaining tasks. A MILP's answer is a :class:`RawSolution`, a job's its
    return value. ``shared=True`` makes ``time_limit_s`` a budget for the
    whole batch: each task gets what is left of it (at least ``MIN_TASK_S``,
    so that every part of a decomposed problem gets a chance at a first
    solution). ``on_done`` is called with the number of tasks finished.
    """
    ctx = _context()
    results: list[Any] = [None] * len(tasks)
    batch_started = time.perf_counter()
    pending = list(range(len(tasks)))
    idle: list[_Child] = []
    busy: list[_Child] = []
    finished = 0

    def finish(child: _Child, answer: Any) -> None:
        nonlocal finished
        results[child.task] = answer
        busy.remove(child)
        finished += 1
        if on_done is not None:
            on_done(finished)

    try:
        while pending or busy:
            while pending and len(busy) < max(1, workers):
                child = idle.pop() if idle else _Child(ctx, solver_log)
                child.task = pending.pop(0)
                child.started = time.perf_counter()
                limit = time_limit_s
                if shared and limit is not None:
                    limit = max(MIN_TASK_S, limit - (child.started - batch_started))
                child.deadline = math.inf if limit is None else child.started + limit * 1.1 + GRACE_S
                child.conn.send((tasks[child.task], limit, mip_rel_gap, relax))
                busy.append(child)
            wait_s = min(c.deadline for c in busy) - time.perf_counter()
            ready = mp_connection.wait([c.conn for c in busy], None if math.isinf(wait_s) else max(0.0, wait_s))
            now = time.perf_counter()
            for child in list(busy):
                if child.conn in ready:
                    try:
                        answer = child.conn.recv()
                    except EOFError:
                        finish(
                            child,
                            RawSolution(None, "the solver process died", None, None, None, None, now - child.started),
                        )
                        child.close(kill=True)
                        continue
                    # Idle before ``on_done`` runs: an exception from it must still see the child closed.
                    idle.append(child)
                    finish(child, answer)
                elif now >= child.deadline:
                    finish(
                        child,
                        RawSolution(
                            None,
                            "the solver overran its time limit and was stopped",
                            None,
                            None,
                            None,
                            None,
                            now - child.started,
                        ),
                    )
                    child.close(kill=True)
    finally:
        for child in busy:
            child.close(kill=True)
        for child in idle:
            child.close(kill=False)
    return results
