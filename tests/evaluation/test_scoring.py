"""Scoring opened bids: what the round reads, set-asides with their reason, refusals that change nothing, the audit."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from coop.audit import services as audit
from coop.audit.models import AuditEvent
from coop.errors import Refusal, Rejection
from coop.evaluation import queries, services
from coop.evaluation.models import BidScore
from coop.evaluation.queries import BidEvaluation
from coop.extensions import db
from coop.rfps.models import RfpStatus

Score = services.CriterionScore


def score(
    admin,
    bid,
    quality=60,
    service=40,
    *,
    quality_comment="Meets the specification.",
    service_comment="Next-day advance replacement.",
):
    return services.score_bid(
        admin,
        bid.rfp_id,
        bid.id,
        {"quality": Score(quality, quality_comment), "service": Score(service, service_comment)},
    )


def events(rfp_id, action):
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.rfp_id == rfp_id, AuditEvent.action == action)
            .order_by(AuditEvent.id)
        )
    )


def score_rows():
    return list(db.session.scalars(sa.select(BidScore).order_by(BidScore.id)))


def test_scored_bids_get_their_score_factor_and_set_aside_reason(admin, bids, opened):
    score(admin, bids["acme"], 90, 80)
    score(admin, bids["birch"], 60, 40)
    # Acme: S = (25×90 + 15×80) / 40 = 86.25; f = 1 + (40/60) × 13.75/100 = 1.0916666… → 1.091667.
    # Birch: S = (25×60 + 15×40) / 40 = 52.5, below 60; f = 1 + (40/60) × 47.5/100 = 1.3166666… → 1.316667.
    assert queries.evaluations_for(opened) == {
        bids["acme"].id: BidEvaluation(
            bids["acme"].id, bids["acme"].vendor_id, Decimal("86.25"), None, Decimal("1.091667")
        ),
        bids["birch"].id: BidEvaluation(
            bids["birch"].id,
            bids["birch"].vendor_id,
            Decimal("52.50"),
            "Scored 52.5 of 100 on the non-price criteria, below this RFP's minimum of 60.",
            Decimal("1.316667"),
        ),
    }
    assert queries.scoring_problems(opened) == []


def test_until_every_criterion_is_scored_the_bid_has_no_score_and_each_gap_is_named(admin, bids, opened):
    services.score_bid(admin, opened.id, bids["acme"].id, {"quality": Score(70, "Good.")})
    evaluation = queries.evaluations_for(opened)[bids["acme"].id]
    assert (evaluation.score, evaluation.set_aside_reason, evaluation.evaluation_factor) == (None, None, 1)
    acme, birch = bids["acme"].id, bids["birch"].id
    assert queries.scoring_problems(opened) == [
        f"Acme Devices (bid {acme}): “Service and support” is not scored yet.",
        f"Birch Computing (bid {birch}): “Quality of the offer” is not scored yet.",
        f"Birch Computing (bid {birch}): “Service and support” is not scored yet.",
    ]


def test_only_submitted_bids_are_evaluated(bids, opened):
    assert sorted(queries.evaluations_for(opened)) == sorted([bids["acme"].id, bids["birch"].id])


def test_every_score_change_is_an_audit_event(admin, bids, opened):
    score(admin, bids["acme"], 90, 80)
    score(admin, bids["acme"], 50, 80, quality_comment="The drop test was not documented.")
    scored = events(opened.id, "bid.scored")
    assert [
        (event.before, {key: event.after[key] for key in ("criterion", "points", "comment")}) for event in scored
    ] == [
        (None, {"criterion": "quality", "points": 90, "comment": "Meets the specification."}),
        (None, {"criterion": "service", "points": 80, "comment": "Next-day advance replacement."}),
        (
            {"points": 90, "comment": "Meets the specification."},
            {"criterion": "quality", "points": 50, "comment": "The drop test was not documented."},
        ),
    ]
    assert all(event.actor_user_id == admin.id and event.after["bid_id"] == bids["acme"].id for event in scored)
    # The bid's evaluation: scored at 86.25, then (25×50 + 15×80) / 40 = 61.25.
    assert [(event.before["score"], event.after["score"]) for event in events(opened.id, "bid.evaluated")] == [
        (None, "86.25"),
        ("86.25", "61.25"),
    ]
    assert audit.verify_chain(opened.id).intact


def test_saving_the_same_scores_again_records_nothing(admin, bids, opened):
    score(admin, bids["acme"])
    assert score(admin, bids["acme"]).changed == 0
    assert len(events(opened.id, "bid.scored")) == 2


def test_bids_are_not_scored_before_the_opening(admin, closed, make_bid):
    bid = make_bid(closed, "Acme Devices")
    with pytest.raises(Refusal) as refused:
        score(admin, bid)
    assert refused.value.message == (
        f"The bids of {closed.reference} are not opened yet: bids are scored after the opening."
    )
    assert score_rows() == [] and events(closed.id, "bid.scored") == []
    # Sealed: nothing is said of the bids either.
    assert queries.evaluations_for(closed) == {} and queries.scoring_problems(closed) == []


def test_scores_are_final_once_the_rfp_is_awarded(admin, bids, opened):
    score(admin, bids["acme"], 90, 80)
    opened.status = RfpStatus.AWARDED
    db.session.commit()
    with pytest.raises(Refusal) as refused:
        score(admin, bids["acme"], 10, 10)
    assert refused.value.message == f"{opened.reference} is awarded: its scores are final and can no longer be changed."
    assert [row.points for row in score_rows()] == [90, 80]
    assert len(events(opened.id, "bid.scored")) == 2


@pytest.mark.parametrize(
    ("typed", "problems"),
    [
        (
            {"quality": Score(101, "Too good."), "service": Score(-1, "Too bad.")},
            [
                ("Give “Quality of the offer” a whole number of points from 0 to 100.", "points_quality"),
                ("Give “Service and support” a whole number of points from 0 to 100.", "points_service"),
            ],
        ),
        (
            {"quality": Score(70, "  "), "service": Score(None, "Fine.")},
            [
                ("Explain the score on “Quality of the offer” in a comment.", "comment_quality"),
                ("Give “Service and support” a whole number of points from 0 to 100.", "points_service"),
            ],
        ),
        (
            {"quality": Score(70, "x" * 4_001)},
            [("The comment on “Quality of the offer” must be at most 4,000 characters.", "comment_quality")],
        ),
    ],
)
def test_bad_points_or_a_missing_comment_change_nothing(admin, bids, opened, typed, problems):
    with pytest.raises(Rejection) as rejected:
        services.score_bid(admin, opened.id, bids["acme"].id, typed)
    assert [(problem.message, problem.field) for problem in rejected.value.problems] == problems
    assert score_rows() == [] and events(opened.id, "bid.scored") == []


def test_a_scored_criterion_cannot_be_emptied(admin, bids, opened):
    score(admin, bids["acme"])
    with pytest.raises(Rejection) as rejected:
        services.score_bid(admin, opened.id, bids["acme"].id, {"quality": Score(None, ""), "service": Score(40, "Ok.")})
    assert [problem.field for problem in rejected.value.problems] == ["points_quality", "comment_quality"]
    assert [row.points for row in score_rows()] == [60, 40]


def test_only_submitted_bids_of_this_rfp_are_scored(admin, bids, opened):
    for bid in (bids["draft"], bids["withdrawn"]):
        with pytest.raises(LookupError):
            score(admin, bid)
    assert score_rows() == []


def test_an_rfp_without_non_price_criteria_has_nothing_to_score(admin, bids, opened):
    opened.terms = {**opened.terms, "criteria": [{"key": "price", "label": "Price", "weight": 100}]}
    db.session.commit()
    assert {evaluation.evaluation_factor for evaluation in queries.evaluations_for(opened).values()} == {1}
    assert queries.scoring_problems(opened) == []
    with pytest.raises(Refusal) as refused:
        score(admin, bids["acme"])
    assert refused.value.message == "This RFP has no non-price criterion: there is nothing to score."


def test_only_administrators_score(bids, opened, make_vendor_rep):
    with pytest.raises(PermissionError):
        score(make_vendor_rep(bids["acme"].vendor), bids["acme"])
