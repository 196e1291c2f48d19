"""Scoring opened bids on the RFP's non-price criteria: every change an audit event, none once the RFP is awarded."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from coop import clock, evaluated_cost
from coop.accounts.models import User
from coop.audit import services as audit
from coop.bids.models import Bid, BidStatus
from coop.errors import Problem, Refusal, Rejection
from coop.evaluation import queries
from coop.evaluation.models import BidScore
from coop.extensions import db
from coop.rfps import queries as rfp_queries
from coop.rfps.models import Rfp, RfpStatus
from coop.roles import Role
from coop.transactions import locked, unit_of_work

MAX_COMMENT = 4_000
AWARDED_STATES = (RfpStatus.AWARDED, RfpStatus.COMPLETE)

NOTHING_TO_SCORE = "This RFP has no non-price criterion: there is nothing to score."


def not_opened(rfp: Rfp) -> str:
    return f"The bids of {rfp.reference} are not opened yet: bids are scored after the opening."


def awarded(rfp: Rfp) -> str:
    return f"{rfp.reference} is awarded: its scores are final and can no longer be changed."


def cancelled(rfp: Rfp) -> str:
    return f"{rfp.reference} is cancelled: its bids are no longer scored."


def points_range(label: str) -> str:
    return f"Give “{label}” a whole number of points from 0 to {evaluated_cost.MAX_POINTS}."


def comment_required(label: str) -> str:
    return f"Explain the score on “{label}” in a comment."


def comment_too_long(label: str) -> str:
    return f"The comment on “{label}” must be at most {MAX_COMMENT:,} characters."


def points_field(key: str) -> str:
    return f"points_{key}"


def comment_field(key: str) -> str:
    return f"comment_{key}"


@dataclass(frozen=True)
class CriterionScore:
    """What the administrator typed for one criterion: ``points`` None and ``comment`` empty leave it unscored."""

    points: int | None
    comment: str


@dataclass(frozen=True)
class Scored:
    evaluation: queries.BidEvaluation
    changed: int  # how many criteria's scores changed


def _require_admin(user: User) -> None:
    if user.role != Role.COOP_ADMIN:
        raise PermissionError("only the cooperative's administrators score bids")


def check_scorable(rfp: Rfp) -> None:
    """Refused unless the RFP's bids are opened and it is not yet awarded (nor cancelled)."""
    if not queries.is_opened(rfp):
        raise Refusal(not_opened(rfp))
    if rfp.status in AWARDED_STATES:
        raise Refusal(awarded(rfp))
    if rfp.status == RfpStatus.CANCELLED:
        raise Refusal(cancelled(rfp))


def _checked(
    criteria: list[dict], existing: dict[str, BidScore], typed: dict[str, CriterionScore]
) -> dict[str, tuple[int, str]]:
    """``{criterion_key: (points, comment)}`` for every criterion typed, or a Rejection naming each field at fault."""
    problems, clean = [], {}
    for criterion in criteria:
        key, label = criterion["key"], criterion["label"]
        entry = typed.get(key, CriterionScore(None, ""))
        comment = (entry.comment or "").strip()
        if entry.points is None and not comment and key not in existing:
            continue  # not scored yet, and still not: scores may be given one criterion at a time
        points = entry.points
        if isinstance(points, bool) or not isinstance(points, int) or not 0 <= points <= evaluated_cost.MAX_POINTS:
            problems.append(Problem(points_range(label), field=points_field(key)))
        if not comment:
            problems.append(Problem(comment_required(label), field=comment_field(key)))
        elif len(comment) > MAX_COMMENT:
            problems.append(Problem(comment_too_long(label), field=comment_field(key)))
        clean[key] = (points, comment)
    if problems:
        raise Rejection(problems)
    return clean


def _evaluation_snapshot(evaluation: queries.BidEvaluation) -> dict:
    return {
        "score": None if evaluation.score is None else str(evaluation.score),
        "set_aside_reason": evaluation.set_aside_reason,
        "evaluation_factor": str(evaluation.evaluation_factor),
    }


@unit_of_work()
def score_bid(user: User, rfp_id: int, bid_id: int, typed: dict[str, CriterionScore]) -> Scored:
    """Set a submitted bid's points (0 to 100) and comment on the RFP's non-price criteria.

    Each score that changes is an audit event, and so is a change of the bid's evaluation (its score, its
    set-aside). Refused before the opening (sealed: the bid is not even looked up), once the RFP is awarded, and
    with every field at fault when points or a comment are missing or out of range; a refusal changes nothing.

    Raises
    ------
    LookupError
        No such RFP, or no such bid submitted on it (after the opening).
    Refusal
        Not opened, awarded, cancelled, or nothing to score.
    Rejection
        Each bad field, named ``points_<criterion key>`` or ``comment_<criterion key>``.
    """
    _require_admin(user)
    rfp = locked(Rfp, rfp_id)  # publishing an award round waits for the scores being written, or they for it
    check_scorable(rfp)
    bid = db.session.scalar(
        sa.select(Bid).where(Bid.id == bid_id, Bid.rfp_id == rfp.id, Bid.status == BidStatus.SUBMITTED)
    )
    if bid is None:
        raise LookupError(bid_id)
    criteria = evaluated_cost.non_price_criteria(rfp_queries.criteria(rfp))
    if not criteria:
        raise Refusal(NOTHING_TO_SCORE)
    existing = queries.scores([bid.id])[bid.id]
    clean = _checked(criteria, existing, typed)
    before = queries.evaluate(rfp, bid, existing)

    changed = 0
    for key, (points, comment) in clean.items():
        row = existing.get(key)
        if row is not None and (row.points, row.comment) == (points, comment):
            continue
        previous = None if row is None else {"points": row.points, "comment": row.comment}
        if row is None:
            row = BidScore(bid_id=bid.id, criterion_key=key, points=points, comment=comment, scored_by_id=user.id)
            db.session.add(row)
            existing[key] = row
        else:
            row.points, row.comment, row.scored_by_id, row.scored_at = points, comment, user.id, clock.utcnow()
        db.session.flush()
        audit.record(
            "bid.scored",
            entity_type="bid_score",
            entity_id=row.id,
            actor_user_id=user.id,
            rfp_id=rfp.id,
            before=previous,
            after={
                "bid_id": bid.id,
                "vendor_id": bid.vendor_id,
                "criterion": key,
                "points": points,
                "comment": comment,
            },
        )
        changed += 1

    after = queries.evaluate(rfp, bid, existing)
    if _evaluation_snapshot(after) != _evaluation_snapshot(before):
        audit.record(
            "bid.evaluated",
            entity_type="bid",
            entity_id=bid.id,
            actor_user_id=user.id,
            rfp_id=rfp.id,
            before=_evaluation_snapshot(before),
            after=_evaluation_snapshot(after),
        )
    return Scored(after, changed)
