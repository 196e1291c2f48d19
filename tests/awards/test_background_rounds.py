"""Award rounds on a real RQ worker (``rq worker`` in a process of its own, on Redis at 127.0.0.1:6379).

The worker builds the app from its environment, on the test's database, as a worker host would. Its round is
large enough that the engine reports progress many times (each batch of standalone solves), so that the test can
watch it, cancel it, or kill the worker in the middle of it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from coop.awards import adapters, services
from coop.awards.models import Award, AwardRound, AwardRoundStatus, DistrictShare
from coop.extensions import db

REDIS_URL = "redis://127.0.0.1:6379/0"
EXTRA_DISTRICTS = 80  # with the scenario's three, nine batches of standalone solves after the pooled one
WAIT_S = 120


@pytest.fixture
def redis_queue(app, monkeypatch) -> Iterator[str]:
    """A queue of its own on the real Redis, set as the app's; skipped (failed on CI) without Redis."""
    redis = pytest.importorskip("redis")
    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        reason = "Redis does not answer on 127.0.0.1:6379: the background round tests need a real Redis and RQ worker"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true: they must run on CI)", pytrace=False)
        pytest.skip(reason)
    name = f"coop-test-rounds-{uuid.uuid4().hex[:12]}"  # runs sharing one Redis do not take each other's jobs
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    monkeypatch.setitem(app.config, "RQ_QUEUE", name)
    monkeypatch.setitem(app.config, "COOP_ROUND_INLINE_MAX_SIZE", 0)
    yield name
    from rq import Queue

    Queue(name, connection=connection).delete(delete_jobs=True)
    connection.close()


def _database_url(app) -> str:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    options = app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}).get("connect_args", {}).get("options")
    # The test's PostgreSQL schema travels in the URL, as libpq options.
    return url if options is None else f"{url}?options={quote(options)}"


@pytest.fixture
def start_worker(app, redis_queue) -> Iterator:
    """``start_worker()``: an ``rq worker --burst`` on the queue, in a session of its own; killed if still there."""
    workers: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(app),
            "COOP_ROUND_HEARTBEAT_S": "0.2",
            "COOP_ROUND_PROGRESS_EVERY_S": "0",
            "SECRET_KEY": "test-secret-key",
        }
        rq = Path(sys.executable).parent / "rq"
        workers.append(
            subprocess.Popen(
                [str(rq), "worker", "--burst", "--url", REDIS_URL, redis_queue],
                env=env,
                cwd=Path(__file__).resolve().parents[2],
                start_new_session=True,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
        )
        return workers[-1]

    yield start
    for worker in workers:
        if worker.poll() is None:
            kill_everything_of(worker)
        worker.stdout.close()


@pytest.fixture
def large_rfp(committed_db, opened_rfp, make_district, commit_need, north, south):
    """The scenario's RFP with many more districts buying line 1: enough for the engine to report often."""
    for n in range(EXTRA_DISTRICTS):
        commit_need(opened_rfp, 1, make_district(f"District {n:02d}", region=north if n % 2 else south), 5 + n % 7)
    db.session.commit()
    return opened_rfp


def _parent_and_group(pid: int) -> tuple[int, int] | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]), int(fields[2])


def kill_everything_of(worker: subprocess.Popen) -> None:
    """SIGKILL the worker and every process under it, as when its host dies.

    RQ's work horse (the fork that runs the job) puts itself in a process group of its own, so the worker's
    group is not enough: every group of the worker's descendants is killed.
    """
    family, groups = {worker.pid}, {os.getpgid(worker.pid)}
    grew = True
    while grew:
        grew = False
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and int(entry.name) not in family:
                known = _parent_and_group(int(entry.name))
                if known is not None and known[0] in family:
                    family.add(int(entry.name))
                    groups.add(known[1])
                    grew = True
    for group in groups:
        os.killpg(group, signal.SIGKILL)
    worker.wait()


def snapshot(round_id: int) -> AwardRound:
    """The round as stored now, detached: reading it opens no transaction (on SQLite one would hold the write
    lock the worker needs)."""
    db.session.expire_all()
    award_round = db.session.get(AwardRound, round_id)
    db.session.expunge(award_round)
    db.session.rollback()
    return award_round


def wait_until(round_id: int, condition, worker: subprocess.Popen) -> AwardRound:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        award_round = snapshot(round_id)
        if condition(award_round):
            return award_round
        assert worker.poll() is None or condition(snapshot(round_id)), worker.stdout.read().decode()
        time.sleep(0.05)
    raise AssertionError(f"round {round_id} never got there: {snapshot(round_id)!r}")


def rows_of(round_id: int) -> tuple[int, int]:
    counts = tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(model).where(model.award_round_id == round_id))
        for model in (Award, DistrictShare)
    )
    db.session.rollback()
    return counts


def finished(worker: subprocess.Popen) -> str:
    output = worker.communicate(timeout=WAIT_S)[0].decode()
    assert worker.returncode == 0, output
    return output


def test_a_worker_runs_the_round_and_its_progress_shows_as_it_goes(admin, large_rfp, start_worker):
    round_id = services.start_round(admin, large_rfp.id, adapters.RoundOptions()).id
    db.session.rollback()
    assert snapshot(round_id).status == AwardRoundStatus.QUEUED  # on the queue, not run in the request
    worker = start_worker()
    seen = wait_until(round_id, lambda r: r.status == AwardRoundStatus.RUNNING and r.phase == "sharing", worker)
    assert seen.best_cost_cents is not None and seen.heartbeat_at is not None and seen.elapsed_s is not None
    beat = seen.heartbeat_at
    wait_until(round_id, lambda r: r.heartbeat_at > beat or r.status != AwardRoundStatus.RUNNING, worker)
    finished(worker)
    done = snapshot(round_id)
    assert (done.status, done.solver_status, done.phase) == (AwardRoundStatus.SOLVED, "optimal", "optimal")
    assert done.best_cost_cents == done.total_cost_cents == seen.best_cost_cents
    assert rows_of(round_id) == (len(done.result["awards"]), 3 + EXTRA_DISTRICTS)


def test_a_cancel_stops_the_running_round_and_nothing_is_written(admin, large_rfp, start_worker):
    round_id = services.start_round(admin, large_rfp.id, adapters.RoundOptions()).id
    db.session.rollback()
    worker = start_worker()
    wait_until(round_id, lambda r: r.status == AwardRoundStatus.RUNNING and r.phase == "sharing", worker)
    asked = services.cancel_round(admin, large_rfp.id, 1)
    status, cancel_requested_at = asked.status, asked.cancel_requested_at
    db.session.rollback()
    assert status == AwardRoundStatus.RUNNING and cancel_requested_at is not None
    finished(worker)
    done = snapshot(round_id)
    assert done.status == AwardRoundStatus.CANCELLED
    assert done.error == "Cancelled by an administrator; nothing of the round was written."
    assert done.result is None and rows_of(round_id) == (0, 0)


def test_a_worker_killed_mid_round_leaves_it_failed_and_rerunnable_never_half_written(
    app, admin, large_rfp, start_worker, monkeypatch, now
):
    round_id = services.start_round(admin, large_rfp.id, adapters.RoundOptions()).id
    db.session.rollback()
    worker = start_worker()
    wait_until(round_id, lambda r: r.status == AwardRoundStatus.RUNNING and r.phase == "sharing", worker)
    kill_everything_of(worker)  # the worker, its work horse and the engine's solver processes
    time.sleep(0.5)  # a heartbeat thread would have written by now, were it alive
    killed = snapshot(round_id)
    assert killed.status == AwardRoundStatus.RUNNING and killed.result is None and rows_of(round_id) == (0, 0)
    last_beat = killed.heartbeat_at
    time.sleep(0.5)
    assert snapshot(round_id).heartbeat_at == last_beat
    now(max(now(), last_beat) + timedelta(seconds=app.config["COOP_ROUND_STALE_S"] + 1))
    assert services.worker_stopped(snapshot(round_id))
    monkeypatch.setitem(app.config, "COOP_ROUND_INLINE_MAX_SIZE", 10**9)  # the re-run runs here, inline
    rerun = services.rerun_round(admin, large_rfp.id, 1)
    stopped = snapshot(round_id)
    assert stopped.status == AwardRoundStatus.FAILED
    assert stopped.error.startswith("The worker stopped while the round was running (no sign of life since ")
    assert rows_of(round_id) == (0, 0)
    again = snapshot(rerun.id)
    assert (again.number, again.status) == (2, AwardRoundStatus.SOLVED)
    assert rows_of(rerun.id)[1] == 3 + EXTRA_DISTRICTS
