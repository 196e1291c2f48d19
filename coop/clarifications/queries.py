"""Read-only selects about questions, addenda and vendors' interest in RFPs.

Nothing here returns who asked a question except :func:`vendor_questions`,
which is the asking vendor's own list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from coop.clarifications.models import Addendum, Question, QuestionStatus
from coop.extensions import db
from coop.rfps.models import Rfp, RfpStatus, VendorInterest


@dataclass(frozen=True)
class PublicAnswer:
    """A question and its answer as published: no asker, no vendor."""

    question: str
    answer: str
    answered_at: datetime


def public_answers(rfp_id: int) -> list[PublicAnswer]:
    rows = db.session.execute(
        sa.select(Question.text, Question.answer, Question.answered_at)
        .where(Question.rfp_id == rfp_id, Question.status == QuestionStatus.ANSWERED)
        .order_by(Question.answered_at, Question.id)
    )
    return [PublicAnswer(text, answer or "", answered_at) for text, answer, answered_at in rows]


def addenda(rfp_id: int) -> list[Addendum]:
    return list(db.session.scalars(sa.select(Addendum).where(Addendum.rfp_id == rfp_id).order_by(Addendum.number)))


def addendum(rfp_id: int, number: int) -> Addendum | None:
    return db.session.scalar(sa.select(Addendum).where(Addendum.rfp_id == rfp_id, Addendum.number == number))


def questions_for_rfp(rfp_id: int, status: QuestionStatus | None = None) -> list[Question]:
    """An RFP's questions for the administrator, oldest first (templates must not show ``vendor``)."""
    query = sa.select(Question).where(Question.rfp_id == rfp_id).order_by(Question.asked_at, Question.id)
    if status is not None:
        query = query.where(Question.status == status)
    return list(db.session.scalars(query))


def question(question_id: int) -> Question | None:
    return db.session.get(Question, question_id)


@dataclass(frozen=True)
class RfpQuestions:
    rfp_id: int
    reference: str
    title: str
    status: RfpStatus
    bid_deadline: datetime | None
    pending: int
    answered: int
    dismissed: int
    addenda: int


def rfps_for_admin() -> list[RfpQuestions]:
    """Open RFPs, and any other RFP with a pending question, with their question and addendum counts."""

    def count(status: QuestionStatus):
        return sa.func.count(sa.case((Question.status == status, 1)))

    question_counts = (
        sa.select(
            Question.rfp_id,
            count(QuestionStatus.PENDING).label("pending"),
            count(QuestionStatus.ANSWERED).label("answered"),
            count(QuestionStatus.DISMISSED).label("dismissed"),
        )
        .group_by(Question.rfp_id)
        .subquery()
    )
    addendum_counts = (
        sa.select(Addendum.rfp_id, sa.func.count(Addendum.id).label("addenda")).group_by(Addendum.rfp_id).subquery()
    )
    pending = sa.func.coalesce(question_counts.c.pending, 0)
    rows = db.session.execute(
        sa.select(
            Rfp.id,
            Rfp.reference,
            Rfp.title,
            Rfp.status,
            Rfp.bid_deadline,
            pending,
            sa.func.coalesce(question_counts.c.answered, 0),
            sa.func.coalesce(question_counts.c.dismissed, 0),
            sa.func.coalesce(addendum_counts.c.addenda, 0),
        )
        .outerjoin(question_counts, question_counts.c.rfp_id == Rfp.id)
        .outerjoin(addendum_counts, addendum_counts.c.rfp_id == Rfp.id)
        .where(sa.or_(Rfp.status == RfpStatus.OPEN, pending > 0))
        .order_by(Rfp.bid_deadline, Rfp.id)
    )
    return [RfpQuestions(*row) for row in rows]


def vendor_questions(vendor_id: int) -> list[Question]:
    """A vendor's own questions on every RFP, newest first: only that vendor may see this list."""
    return list(
        db.session.scalars(
            sa.select(Question)
            .where(Question.vendor_id == vendor_id)
            .order_by(Question.asked_at.desc(), Question.id.desc())
        )
    )


def is_following(rfp_id: int, vendor_id: int) -> bool:
    return (
        db.session.scalar(
            sa.select(VendorInterest.id).where(VendorInterest.rfp_id == rfp_id, VendorInterest.vendor_id == vendor_id)
        )
        is not None
    )
