"""Vendors' questions on an open RFP, the cooperative's public answers, and addenda."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop.accounts.models import User
from coop.clock import utcnow
from coop.extensions import db
from coop.orgs.models import Vendor
from coop.rfps.models import Rfp
from coop.sqltypes import UTCDateTime, enum_column


class QuestionStatus(StrEnum):
    PENDING = "pending"
    ANSWERED = "answered"  # published, without the asker's name
    DISMISSED = "dismissed"  # out of scope or a duplicate; the asker is told why


class Question(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    rfp_id: Mapped[int] = mapped_column(sa.ForeignKey("rfp.id", ondelete="CASCADE"), index=True)
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendor.organisation_id", ondelete="CASCADE"), index=True)
    asked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(sa.Text)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[QuestionStatus] = mapped_column(
        enum_column(QuestionStatus, "question_status"), default=QuestionStatus.PENDING
    )
    answer: Mapped[str | None] = mapped_column(sa.Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    rfp: Mapped[Rfp] = relationship()
    vendor: Mapped[Vendor] = relationship()
    asked_by: Mapped[User | None] = relationship(foreign_keys=[asked_by_id])

    def __repr__(self) -> str:
        return f"<Question {self.id} rfp={self.rfp_id} {self.status}>"


class Addendum(db.Model):
    """A numbered change to a published RFP: lines, specs or terms, and maybe its deadline."""

    id: Mapped[int] = mapped_column(primary_key=True)
    rfp_id: Mapped[int] = mapped_column(sa.ForeignKey("rfp.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column()
    summary: Mapped[str] = mapped_column(sa.Text)
    changes: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # {"before": ..., "after": ...}
    document_version: Mapped[int] = mapped_column()
    bid_deadline_before: Mapped[datetime | None] = mapped_column(UTCDateTime)
    bid_deadline_after: Mapped[datetime | None] = mapped_column(UTCDateTime)
    bids_returned_to_draft: Mapped[int] = mapped_column(default=0)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    rfp: Mapped[Rfp] = relationship()

    __table_args__ = (sa.UniqueConstraint("rfp_id", "number"),)

    def __repr__(self) -> str:
        return f"<Addendum {self.number} rfp={self.rfp_id}>"
