"""Award rounds' use cases: start a round on an opened RFP, run it (inline or on an RQ worker), cancel it, re-run it.

A round is stored before it runs, with its problem document and options, so that it can be re-run exactly and
downloaded. While the engine works, its progress callback writes the round's progress in short transactions of
their own (at most one per ``COOP_ROUND_PROGRESS_EVERY_S``) and reads whether a cancel was asked for; when it
was, the callback raises :class:`RoundCancelled`, which stops the engine (its solver processes are killed on the
way out). On a worker, a thread also writes a heartbeat every ``COOP_ROUND_HEARTBEAT_S``, so that a round whose
worker was killed is seen as stopped (:func:`worker_stopped`) even during a long solve. Awards and shares are
written in one transaction at the very end: a round that does not reach it has none.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app, has_app_context
from redis.exceptions import RedisError

from coop import clock, jobs
from coop.accounts.models import User
from coop.audit import services as audit
from coop.awards import adapters, explanation, queries
from coop.awards.models import Award, AwardRound, AwardRoundStatus, DistrictShare
from coop.errors import Refusal
from coop.evaluation import queries as evaluation_queries
from coop.extensions import db
from coop.money import format_dollars
from coop.rfps.models import Rfp, RfpStatus
from coop.transactions import locked, unit_of_work

log = logging.getLogger(__name__)

NOT_ROUNDABLE = "{reference} is {status}: award rounds run only while its bids are opened and it is not yet awarded."
NO_DEMAND = "{reference} has no confirmed quantity on any line: there is nothing to award."
NOT_SCORED = "Score every bid on every criterion before running a round. {problems}"
NOT_CANCELLABLE = "Round {number} is {status}: only a queued or running round can be cancelled."
STILL_RUNNING = "Round {number} is still {status}: wait for it to end, or cancel it, before re-running it."
WORKER_STOPPED = (
    "The worker stopped while the round was running (no sign of life since {time}); nothing of it "
    "was written. Re-run it."
)
QUEUE_DOWN = "The job queue did not answer ({error}), so the round did not start. Try again later."
ENGINE_FAILED = "The engine failed: {error}"
NO_ALLOCATION = "The engine found no allocation: {message}"
CANCELLED = "Cancelled by an administrator; nothing of the round was written."
# The engine's statuses that come with an answer (pricing/FORMAT.md, "The result document").
ANSWERED = ("optimal", "feasible", "infeasible")
# A round on a worker may run this long before RQ stops it; a stopped one then shows as failed.
JOB_TIMEOUT_S = 4 * 3600


class RoundCancelled(Exception):
    """Raised from the engine's progress callback when an administrator asked to cancel the round."""


# --- reading, with the app's settings --------------------------------------------------------------------------------


def worker_stopped(award_round: AwardRound, now: datetime | None = None) -> bool:
    """Whether a running round lost its worker: no heartbeat for ``COOP_ROUND_STALE_S``."""
    return queries.is_stale(award_round, now or clock.utcnow(), current_app.config["COOP_ROUND_STALE_S"])


def stopped_message(award_round: AwardRound) -> str:
    return WORKER_STOPPED.format(time=clock.format_utc(award_round.heartbeat_at or award_round.started_at))


def _evaluations(rfp: Rfp) -> Mapping[int, adapters.Evaluation]:
    """Each bid's evaluation by bid id (set aside or not, and its evaluation factor): the one place a round reads
    them."""
    return evaluation_queries.evaluations_for(rfp)


# --- starting --------------------------------------------------------------------------------------------------------


def _rfp_for_round(rfp_id: int) -> Rfp:
    """The RFP, locked so that round numbers are taken one at a time.

    Raises ``LookupError`` when its bids are sealed (not opened): nothing about them may be read, nor
    whether there is an RFP to award; :class:`Refusal` when it is opened but not open to rounds.
    """
    rfp = locked(Rfp, rfp_id)
    if rfp.opened_at is None:
        raise LookupError(rfp_id)
    if rfp.status != RfpStatus.OPENED:
        raise Refusal(NOT_ROUNDABLE.format(reference=rfp.reference, status=rfp.status.value))
    return rfp


def _new_round(
    admin: User, rfp: Rfp, problem: dict, options: adapters.RoundOptions, rerun_of: AwardRound | None
) -> AwardRound:
    # Its number is the RFP's next (the model's default), taken under the lock on the RFP's row.
    award_round = AwardRound(
        rfp_id=rfp.id,
        status=AwardRoundStatus.QUEUED,
        options=options.to_dict(),
        problem=problem,
        rule=options.share_rule,
        created_by_id=admin.id,
        rerun_of=rerun_of,
        phase="queued",
    )
    db.session.add(award_round)
    db.session.flush()
    audit.record(
        "award_round.created",
        entity_type="award_round",
        entity_id=award_round.id,
        actor_user_id=admin.id,
        rfp_id=rfp.id,
        after={
            "number": award_round.number,
            "status": award_round.status.value,
            "options": options.to_dict(),
            "rerun_of": None if rerun_of is None else rerun_of.number,
        },
    )
    return award_round


def start_round(admin: User, rfp_id: int, options: adapters.RoundOptions) -> AwardRound:
    """Build the round's problem from the RFP as it stands, store the round, and run it.

    A round whose problem is larger than ``COOP_ROUND_INLINE_MAX_SIZE`` (demands times offers) goes to
    an RQ worker when ``REDIS_URL`` is set; any other runs now, before this returns.

    Raises
    ------
    LookupError
        No such RFP, or its bids are not opened.
    Refusal
        The RFP is awarded or cancelled, a bid is not fully scored, or nothing on it is confirmed; nothing was
        written.
    """
    with unit_of_work():
        rfp = _rfp_for_round(rfp_id)
        if problems := evaluation_queries.scoring_problems(rfp):
            raise Refusal(NOT_SCORED.format(problems=" ".join(problems)))
        problem = adapters.problem_for(rfp, options=options, evaluations=_evaluations(rfp))
        if not problem.demands:
            raise Refusal(NO_DEMAND.format(reference=rfp.reference))
        award_round = _new_round(admin, rfp, adapters.problem_document(problem), options, rerun_of=None)
    _dispatch(award_round)
    return award_round


def rerun_round(admin: User, rfp_id: int, number: int) -> AwardRound:
    """A new round from a round's stored problem and options: the same awards, whatever changed since.

    A round whose worker stopped is marked failed first.

    Raises
    ------
    LookupError
        No such round, or the RFP's bids are not opened.
    Refusal
        The round is still queued or running, or the RFP is not open to rounds; nothing was written.
    """
    with unit_of_work():
        rfp = _rfp_for_round(rfp_id)
        source = _locked_round(rfp.id, number)
        if source.status in (AwardRoundStatus.QUEUED, AwardRoundStatus.RUNNING):
            if not worker_stopped(source):
                raise Refusal(STILL_RUNNING.format(number=number, status=source.status.value))
            _mark_stopped(source)
        award_round = _new_round(
            admin, rfp, dict(source.problem), adapters.RoundOptions.from_dict(source.options), rerun_of=source
        )
    _dispatch(award_round)
    return award_round


def _dispatch(award_round: AwardRound) -> None:
    round_id = award_round.id
    large = adapters.problem_size(award_round.problem) > current_app.config["COOP_ROUND_INLINE_MAX_SIZE"]
    if not (large and current_app.config.get("REDIS_URL")):
        run_round(round_id)
        return
    try:
        jobs.enqueue(run_round_job, round_id, timeout_s=JOB_TIMEOUT_S)
    except (RedisError, OSError) as error:
        db.session.rollback()
        _end(round_id, AwardRoundStatus.FAILED, error=QUEUE_DOWN.format(error=error))


# --- cancelling ------------------------------------------------------------------------------------------------------


def _locked_round(rfp_id: int, number: int) -> AwardRound:
    award_round = db.session.scalar(
        sa.select(AwardRound)
        .where(AwardRound.rfp_id == rfp_id, AwardRound.number == number)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if award_round is None:
        raise LookupError(number)
    return award_round


def _mark_stopped(award_round: AwardRound) -> None:
    before = award_round.status.value
    award_round.status = AwardRoundStatus.FAILED
    award_round.error = stopped_message(award_round)
    award_round.finished_at = clock.utcnow()
    audit.record(
        "award_round.worker_stopped",
        entity_type="award_round",
        entity_id=award_round.id,
        actor_user_id=None,
        rfp_id=award_round.rfp_id,
        before={"status": before},
        after={"status": award_round.status.value},
    )


def cancel_round(admin: User, rfp_id: int, number: int) -> AwardRound:
    """Cancel a queued round at once, or ask a running one to stop (the engine stops at its next progress report).

    A running round whose worker stopped is cancelled at once: no one else will.

    Raises
    ------
    LookupError
        No such round, or the RFP's bids are not opened.
    Refusal
        The round has ended; nothing was written.
    """
    with unit_of_work():
        rfp = db.session.get(Rfp, rfp_id)
        if rfp is None or rfp.opened_at is None:
            raise LookupError(rfp_id)
        award_round = _locked_round(rfp_id, number)
        if award_round.status not in (AwardRoundStatus.QUEUED, AwardRoundStatus.RUNNING):
            raise Refusal(NOT_CANCELLABLE.format(number=number, status=award_round.status.value))
        if award_round.cancel_requested_at is not None and not worker_stopped(award_round):
            return award_round  # asked already: a double click
        now = clock.utcnow()
        before = award_round.status.value
        award_round.cancel_requested_at = now
        if award_round.status == AwardRoundStatus.QUEUED or worker_stopped(award_round, now):
            award_round.status = AwardRoundStatus.CANCELLED
            award_round.phase = "cancelled"
            award_round.error = CANCELLED
            award_round.finished_at = now
        audit.record(
            "award_round.cancel_requested",
            entity_type="award_round",
            entity_id=award_round.id,
            actor_user_id=admin.id,
            rfp_id=rfp_id,
            before={"status": before},
            after={"status": award_round.status.value},
        )
    return award_round


# --- running ---------------------------------------------------------------------------------------------------------


def _cents(dollars: float | None) -> int | None:
    # The engine's running figures are floats; they are shown, never invoiced.
    if dollars is None or not math.isfinite(dollars):
        return None
    return round(Decimal(repr(dollars)) * 100)


class _Tracker:
    """The engine's progress callback: the round's progress written at most every ``every_s``, and the last one."""

    def __init__(self, round_id: int, every_s: float) -> None:
        self.round_id = round_id
        self.every_s = every_s
        self.last_write = -math.inf

    def __call__(self, progress) -> None:
        moment = time.monotonic()
        final = progress.status not in ("searching", "sharing")
        if not final and moment - self.last_write < self.every_s:
            return
        self.last_write = moment
        self._write(
            phase=progress.status,
            best_cost_cents=_cents(progress.best_cost),
            lower_bound_cents=_cents(progress.lower_bound),
            progress_gap=progress.gap,
            elapsed_s=round(progress.elapsed_s, 3),
        )

    def phase(self, name: str) -> None:
        """The round's work after the engine's (the explanation) begins: said at once, and a cancel honoured."""
        self.last_write = time.monotonic()
        self._write(phase=name)

    def explaining(self, stage: str, done: int, lines: int) -> None:
        """The explanation's progress as its phase, ``runner-ups 3/25`` then ``charts 3/25`` (lines done of all),
        written when a stage begins and then at most every ``every_s``."""
        if done == 0 or time.monotonic() - self.last_write >= self.every_s:
            self.phase(f"{stage} {done}/{lines}")

    def _write(self, **values) -> None:
        try:
            with unit_of_work():
                db.session.execute(
                    sa.update(AwardRound)
                    .where(AwardRound.id == self.round_id, AwardRound.status == AwardRoundStatus.RUNNING)
                    .values(**values, heartbeat_at=clock.utcnow())
                    .execution_options(synchronize_session=False)
                )
                cancel_requested_at = db.session.scalar(
                    sa.select(AwardRound.cancel_requested_at).where(AwardRound.id == self.round_id)
                )
        except sa.exc.OperationalError as error:
            # A busy database must not cost the round its answer: the next report writes again.
            log.warning("award round %s: progress not written: %s", self.round_id, error)
            return
        if cancel_requested_at is not None:
            raise RoundCancelled()


@contextmanager
def _heartbeat(round_id: int) -> Iterator[None]:
    """Write the round's heartbeat from a thread of its own while the block runs.

    Inside one outer transaction (the demo loader, the tests) every write shares one connection, so there is no
    other connection to write on and the progress reports are the only heartbeat.
    """
    engine = db.engine
    if not isinstance(engine, sa.Engine):
        yield
        return
    every_s = current_app.config["COOP_ROUND_HEARTBEAT_S"]
    table = AwardRound.__table__
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(every_s):
            try:
                with engine.begin() as connection:
                    connection.execute(
                        table.update()
                        .where(table.c.id == round_id, table.c.status == AwardRoundStatus.RUNNING)
                        .values(heartbeat_at=clock.utcnow())
                    )
            except sa.exc.DBAPIError as error:  # a busy database: the next beat tries again
                log.warning("award round %s: heartbeat not written: %s", round_id, error)

    thread = threading.Thread(target=beat, name=f"award-round-{round_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def run_round(round_id: int) -> None:
    """Run a queued round to its end: solved (awards and shares written at once), failed, or cancelled.

    A round that is not queued any more (cancelled meanwhile, or taken by another worker) is left alone.
    """
    now = clock.utcnow()
    with unit_of_work():
        claimed = db.session.execute(
            sa.update(AwardRound)
            .where(AwardRound.id == round_id, AwardRound.status == AwardRoundStatus.QUEUED)
            .values(status=AwardRoundStatus.RUNNING, phase="starting", started_at=now, heartbeat_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
    if not claimed:
        return
    award_round = db.session.get(AwardRound, round_id, populate_existing=True)
    document = dict(award_round.problem)
    options = adapters.RoundOptions.from_dict(award_round.options)
    # No transaction stays open while the engine works: on SQLite it would hold the write lock.
    db.session.commit()
    tracker = _Tracker(round_id, current_app.config["COOP_ROUND_PROGRESS_EVERY_S"])
    try:
        with _heartbeat(round_id):
            result = adapters.solve(document, options, progress=tracker)
            explanation_html = _explanation_html(round_id, document, result, tracker)
        _end_solved(round_id, result, explanation_html)
    except RoundCancelled:
        db.session.rollback()
        _end(round_id, AwardRoundStatus.CANCELLED, error=CANCELLED)
    except Exception as error:  # the round says what went wrong; the log has the trace
        log.exception("award round %s failed", round_id)
        db.session.rollback()
        _end(round_id, AwardRoundStatus.FAILED, error=ENGINE_FAILED.format(error=error))


def run_round_job(round_id: int) -> None:
    """The round as an RQ worker runs it: with an app built from the environment when there is none."""
    if has_app_context():
        run_round(round_id)
        return
    from coop import create_app

    with create_app().app_context():
        run_round(round_id)


def _end(round_id: int, status: AwardRoundStatus, *, error: str) -> None:
    """End a round that wrote nothing: failed or cancelled."""
    with unit_of_work():
        award_round = locked(AwardRound, round_id)
        if award_round.status not in (AwardRoundStatus.QUEUED, AwardRoundStatus.RUNNING):
            return
        before = award_round.status.value
        award_round.status = status
        award_round.phase = status.value
        award_round.error = error
        award_round.finished_at = clock.utcnow()
        audit.record(
            f"award_round.{status.value}",
            entity_type="award_round",
            entity_id=award_round.id,
            actor_user_id=None,
            rfp_id=award_round.rfp_id,
            before={"status": before},
            after={"status": status.value, "error": error},
        )


def _explanation_html(round_id: int, document: dict, result: dict, tracker: _Tracker) -> str | None:
    """The round's explanation as the page shows it (:mod:`coop.awards.explanation`); ``None`` without awards."""
    if result["status"] not in ANSWERED:
        return None
    tracker.phase("explaining")
    names = explanation.names_for(db.session.get(AwardRound, round_id).rfp, document)
    # Read; then no transaction stays open while the runner-ups are solved and the charts drawn (SQLite's write lock).
    db.session.commit()
    return explanation.render_html(explanation.explanation_for(names, document, result, on_progress=tracker.explaining))


def _end_solved(round_id: int, result: dict, explanation_html: str | None) -> None:
    """Write the engine's answer: the result, and the awards and shares, in one transaction."""
    with unit_of_work():
        award_round = locked(AwardRound, round_id)
        if award_round.status != AwardRoundStatus.RUNNING:
            return  # marked stopped meanwhile: its re-run is the round now
        if award_round.cancel_requested_at is not None:
            raise RoundCancelled()  # asked after the engine's last report
        now = clock.utcnow()
        award_round.result = result
        award_round.explanation_html = explanation_html
        award_round.solver_status = result["status"]
        award_round.phase = result["status"]
        award_round.gap = result["gap"]
        award_round.progress_gap = result["gap"]
        award_round.total_cost_cents = (
            None if result["total_cost"] is None else adapters.cents(Decimal(result["total_cost"]))
        )
        # Beside the lower bound, the cost the search minimised (evaluated, when evaluation factors weigh).
        searched = result.get("evaluated_cost") or result["total_cost"]
        award_round.best_cost_cents = None if searched is None else adapters.cents(Decimal(searched))
        award_round.lower_bound_cents = (
            None if result["lower_bound"] is None else adapters.cents(Decimal(result["lower_bound"]))
        )
        award_round.elapsed_s = result["stats"].get("total_time_s")
        award_round.finished_at = award_round.heartbeat_at = now
        if result["status"] in ANSWERED:
            award_round.status = AwardRoundStatus.SOLVED
            award_round.solved_at = now
            # Thousands of rows on large rounds: inserted in bulk, not one object at a time through the session.
            _insert_rows(award_round, adapters.awards_from(result, award_round.rfp))
            _insert_rows(
                award_round,
                adapters.shares_from(
                    result, award_round.rule, adapters.engine_names(award_round.problem, award_round.rfp)
                ),
            )
        else:
            award_round.status = AwardRoundStatus.FAILED
            award_round.error = NO_ALLOCATION.format(message=result["message"])
        audit.record(
            f"award_round.{award_round.status.value}",
            entity_type="award_round",
            entity_id=award_round.id,
            actor_user_id=None,
            rfp_id=award_round.rfp_id,
            before={"status": AwardRoundStatus.RUNNING.value},
            after={
                "status": award_round.status.value,
                "solver_status": result["status"],
                "total_cost": None
                if award_round.total_cost_cents is None
                else format_dollars(award_round.total_cost_cents),
            },
        )


def _insert_rows(award_round: AwardRound, rows: list[Award] | list[DistrictShare]) -> None:
    """Insert a round's new award or share rows (not in the session) with one bulk INSERT."""
    if not rows:
        return
    model = type(rows[0])
    columns = {attribute.key for attribute in sa.inspect(model).column_attrs}
    # The values the rows were given; the columns' defaults fill the others, as on a flush.
    values = [
        {key: value for key, value in vars(row).items() if key in columns} | {"award_round_id": award_round.id}
        for row in rows
    ]
    db.session.execute(sa.insert(model), values)
