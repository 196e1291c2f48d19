"""Award rounds at service level: run inline, numbered, stored, re-run, cancelled, failed, refused.

The scenario and its figures: tests/awards/conftest.py and tests/awards/test_adapters.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from coop import jobs
from coop.audit.models import AuditEvent
from coop.awards import adapters, queries, services
from coop.awards.models import Award, AwardRound, AwardRoundStatus, DistrictShare
from coop.errors import Refusal
from coop.extensions import db
from coop.rfps.models import RfpStatus

DEFAULT = adapters.RoundOptions()


def award_rows(award_round: AwardRound) -> list[tuple]:
    return sorted(
        (award.rfp_line.line_no, award.district.name, award.vendor.name, award.quantity, award.cost_cents)
        for award in award_round.awards
    )


def counts() -> tuple[int, int, int]:
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(model)) for model in (AwardRound, Award, DistrictShare)
    )


def reload(award_round: AwardRound) -> AwardRound:
    db.session.expire_all()
    return db.session.get(AwardRound, award_round.id)


def test_a_small_round_runs_inline_and_stores_its_problem_result_awards_and_shares(admin, opened_rfp):
    award_round = reload(services.start_round(admin, opened_rfp.id, DEFAULT))
    assert (award_round.number, award_round.status, award_round.solver_status) == (
        1,
        AwardRoundStatus.SOLVED,
        "optimal",
    )
    assert award_round.total_cost_cents == 6095700
    assert award_round.rule == "capped_equal_price"
    assert award_round.options == {
        "max_vendors_per_item": None,
        "split_district_demand": False,
        "share_rule": "capped_equal_price",
        "time_limit_s": 60,
    }
    assert award_round.problem["format"] == "coop.allocation/1"
    # What the fairness gate reads: every standalone cost, the rule's shares and the core check.
    result = award_round.result
    assert [share["standalone_cost"] for share in result["shares"]] == ["26700.00", "14750.00", "21690.00"]
    assert [share["capped_cost"] for share in result["shares"]] == ["25782.00", "14625.00", "20550.00"]
    assert result["worse_off"] == []
    assert result["core"]["blocked"] is False
    assert award_rows(award_round) == [
        (1, "Alder", "Birch Computing", 60, 1755000),
        (1, "Birch", "Birch Computing", 50, 1462500),
        (1, "Cedar", "Acme Devices", 30, 900000),
        (2, "Alder", "Acme Devices", 20, 840000),
        (2, "Cedar", "Acme Devices", 25, 1050000),
    ]
    assert sorted(
        (share.district.name, share.pooled_cost_cents, share.savings_cents) for share in award_round.shares
    ) == [("Alder", 2578200, 91800), ("Birch", 1462500, 12500), ("Cedar", 2055000, 114000)]
    assert award_round.phase == "optimal" and award_round.finished_at is not None
    actions = list(
        db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.entity_type == "award_round").order_by(AuditEvent.id)
        )
    )
    assert actions == ["award_round.created", "award_round.solved"]


def test_rounds_are_numbered_per_rfp_and_a_rerun_gives_the_same_awards(admin, opened_rfp, commit_need, districts):
    first = services.start_round(admin, opened_rfp.id, DEFAULT)
    # The RFP changes after the round: a re-run still solves the round's own stored problem.
    commit_need(opened_rfp, 2, districts["Birch"], 70)
    db.session.commit()
    rerun = reload(services.rerun_round(admin, opened_rfp.id, first.number))
    first = reload(first)
    assert (rerun.number, rerun.rerun_of_id, rerun.status) == (2, first.id, AwardRoundStatus.SOLVED)
    assert rerun.problem == first.problem and rerun.options == first.options
    assert award_rows(rerun) == award_rows(first)
    assert rerun.total_cost_cents == first.total_cost_cents
    # A new round reads the RFP as it stands now.
    third = reload(services.start_round(admin, opened_rfp.id, DEFAULT))
    assert third.number == 3
    assert ("Birch", 70) in {(award.district.name, award.quantity) for award in third.awards}


def test_a_vendor_cap_is_a_rule_of_the_problem(admin, opened_rfp):
    capped = reload(services.start_round(admin, opened_rfp.id, adapters.RoundOptions(max_vendors_per_item=1)))
    assert capped.problem["rules"]["max_vendors_per_item"] == 1
    # Cedar (south) can only buy line 1 from Acme, so with one vendor per line Acme takes all 140:
    # $280.00 x 140 = $39,200.00.
    assert {(award.rfp_line.line_no, award.vendor.name) for award in capped.awards} == {
        (1, "Acme Devices"),
        (2, "Acme Devices"),
    }
    assert sum(award.cost_cents for award in capped.awards if award.rfp_line.line_no == 1) == 3920000


def test_no_round_on_sealed_bids(admin, make_rfp):
    rfp = make_rfp(status=RfpStatus.CLOSED, deadline_in=timedelta(days=-1))
    db.session.commit()
    before = counts()
    with pytest.raises(LookupError):
        services.start_round(admin, rfp.id, DEFAULT)
    assert counts() == before
    assert queries.opened_rfp(rfp.id) is None


def test_no_new_round_once_awarded(admin, opened_rfp):
    first = services.start_round(admin, opened_rfp.id, DEFAULT)
    opened_rfp.status = RfpStatus.AWARDED
    db.session.commit()
    before = counts()
    for start in (
        lambda: services.start_round(admin, opened_rfp.id, DEFAULT),
        lambda: services.rerun_round(admin, opened_rfp.id, first.number),
    ):
        with pytest.raises(Refusal) as refused:
            start()
        assert refused.value.message == (
            f"{opened_rfp.reference} is awarded: award rounds run only while its bids "
            "are opened and it is not yet awarded."
        )
    assert counts() == before


def test_no_round_without_confirmed_quantities(admin, make_rfp, now):
    rfp = make_rfp(deadline_in=timedelta(days=-1))
    rfp.status, rfp.opened_at = RfpStatus.OPENED, now()
    db.session.commit()
    with pytest.raises(Refusal) as refused:
        services.start_round(admin, rfp.id, DEFAULT)
    assert refused.value.message == f"{rfp.reference} has no confirmed quantity on any line: there is nothing to award."
    assert counts() == (0, 0, 0)


@pytest.fixture
def queued(app, monkeypatch, admin, opened_rfp):
    """``queued()``: a round handed to the job queue (captured, not run), as a large round on Redis is."""
    handed = []
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setitem(app.config, "COOP_ROUND_INLINE_MAX_SIZE", 0)
    monkeypatch.setattr(jobs, "enqueue", lambda job, *args, **kwargs: handed.append((job, args, kwargs)))

    def make() -> AwardRound:
        award_round = services.start_round(admin, opened_rfp.id, DEFAULT)
        assert handed[-1] == (services.run_round_job, (award_round.id,), {"timeout_s": services.JOB_TIMEOUT_S})
        return award_round

    return make


def test_a_large_round_goes_to_the_queue_and_a_worker_runs_it(queued):
    award_round = queued()
    assert reload(award_round).status == AwardRoundStatus.QUEUED
    services.run_round_job(award_round.id)
    assert reload(award_round).status == AwardRoundStatus.SOLVED
    services.run_round_job(award_round.id)  # a second delivery of the job changes nothing
    assert len(reload(award_round).awards) == 5


def test_a_queued_round_is_cancelled_at_once_and_its_job_then_does_nothing(admin, opened_rfp, queued):
    award_round = queued()
    services.cancel_round(admin, opened_rfp.id, award_round.number)
    award_round = reload(award_round)
    assert award_round.status == AwardRoundStatus.CANCELLED
    assert award_round.error == "Cancelled by an administrator; nothing of the round was written."
    services.run_round_job(award_round.id)
    assert reload(award_round).status == AwardRoundStatus.CANCELLED
    assert counts() == (1, 0, 0)


def test_a_running_round_stops_at_the_engines_next_report_and_writes_nothing(admin, opened_rfp, queued):
    award_round = queued()
    # The cancel arrives once the worker has the round: the engine's first progress report sees it.
    award_round.cancel_requested_at = award_round.created_at
    db.session.commit()
    services.run_round_job(award_round.id)
    award_round = reload(award_round)
    assert award_round.status == AwardRoundStatus.CANCELLED
    assert award_round.result is None and award_round.awards == [] and award_round.shares == []
    assert award_round.phase == "cancelled"


def test_cancelling_an_ended_round_is_refused(admin, opened_rfp):
    award_round = services.start_round(admin, opened_rfp.id, DEFAULT)
    with pytest.raises(Refusal) as refused:
        services.cancel_round(admin, opened_rfp.id, award_round.number)
    assert refused.value.message == "Round 1 is solved: only a queued or running round can be cancelled."


def test_a_round_whose_worker_stopped_shows_as_failed_and_can_be_rerun(admin, opened_rfp, queued, now):
    award_round = queued()
    # The worker took it and was killed: RUNNING, and no heartbeat since.
    award_round.status = AwardRoundStatus.RUNNING
    award_round.started_at = award_round.heartbeat_at = now()
    db.session.commit()
    assert not services.worker_stopped(reload(award_round))
    with pytest.raises(Refusal) as refused:
        services.rerun_round(admin, opened_rfp.id, award_round.number)
    assert refused.value.message == "Round 1 is still running: wait for it to end, or cancel it, before re-running it."
    now(now() + timedelta(minutes=5))
    assert services.worker_stopped(reload(award_round))
    rerun = services.rerun_round(admin, opened_rfp.id, award_round.number)
    services.run_round_job(rerun.id)
    stopped = reload(award_round)
    assert stopped.status == AwardRoundStatus.FAILED
    assert stopped.error.startswith("The worker stopped while the round was running (no sign of life since ")
    assert stopped.awards == []
    assert reload(rerun).status == AwardRoundStatus.SOLVED


def test_a_problem_the_engine_refuses_fails_the_round_with_its_reason(admin, opened_rfp, queued):
    award_round = queued()
    award_round.problem = {**award_round.problem, "tco_years": -1}
    db.session.commit()
    services.run_round_job(award_round.id)
    award_round = reload(award_round)
    assert award_round.status == AwardRoundStatus.FAILED
    assert award_round.error == "The engine failed: tco_years: must be an integer of at least 0"
    assert award_round.awards == []


def test_a_queue_that_does_not_answer_fails_the_round(app, monkeypatch, admin, opened_rfp):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setitem(app.config, "COOP_ROUND_INLINE_MAX_SIZE", 0)
    award_round = reload(services.start_round(admin, opened_rfp.id, DEFAULT))
    assert award_round.status == AwardRoundStatus.FAILED
    assert award_round.error.startswith("The job queue did not answer (")
    assert award_round.error.endswith("), so the round did not start. Try again later.")


def test_a_round_leaves_out_bids_set_aside_and_names_the_demands_nobody_can_meet(
    admin, opened_rfp, monkeypatch, bid_of
):
    acme = bid_of(opened_rfp, "Acme Devices")
    evaluation = type("Evaluation", (), {"set_aside_reason": "Below the minimum score.", "evaluation_factor": 1})
    monkeypatch.setattr(services, "_evaluations", lambda rfp: {acme.id: evaluation})
    award_round = reload(services.start_round(admin, opened_rfp.id, DEFAULT))
    assert (award_round.status, award_round.solver_status) == (AwardRoundStatus.SOLVED, "infeasible")
    assert award_round.awards == [] and award_round.shares == [] and award_round.total_cost_cents is None
    assert {(unmet["item"], unmet["quantity"]) for unmet in award_round.result["unmet"]} == {
        ("L1", 30),
        ("L2", 20),
        ("L2", 25),
    }


def test_comparing_two_rounds_names_every_award_that_moved(admin, opened_rfp):
    free = reload(services.start_round(admin, opened_rfp.id, DEFAULT))
    capped = reload(services.start_round(admin, opened_rfp.id, adapters.RoundOptions(max_vendors_per_item=1)))
    comparison = queries.compare(free, capped)
    assert [(change.line_no, change.district, change.a, change.b) for change in comparison.changes] == [
        (1, "Alder", "Birch Computing × 60", "Acme Devices × 60"),
        (1, "Birch", "Birch Computing × 50", "Acme Devices × 50"),
    ]
    assert comparison.total_change_cents == capped.total_cost_cents - free.total_cost_cents
    assert [row.district for row in comparison.shares] == ["Alder", "Birch", "Cedar"]


def test_a_round_waits_for_every_bid_to_be_scored(admin, opened_rfp, bid_of):
    opened_rfp.terms = {
        **opened_rfp.terms,
        "criteria": [
            {"key": "price", "label": "Price", "weight": 80},
            {"key": "warranty", "label": "Warranty", "weight": 20},
        ],
    }
    db.session.commit()
    acme, birch = bid_of(opened_rfp, "Acme Devices"), bid_of(opened_rfp, "Birch Computing")
    with pytest.raises(Refusal) as refused:
        services.start_round(admin, opened_rfp.id, DEFAULT)
    assert refused.value.message == (
        "Score every bid on every criterion before running a round. "
        f"Acme Devices (bid {acme.id}): “Warranty” is not scored yet. "
        f"Birch Computing (bid {birch.id}): “Warranty” is not scored yet."
    )
    assert counts() == (0, 0, 0)
