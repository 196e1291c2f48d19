"""E-mail the app sends: written to an outbox in the same transaction as the change it announces."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from coop.clock import utcnow
from coop.extensions import db
from coop.sqltypes import UTCDateTime


class OutboundEmail(db.Model):
    """One message to one address.

    A message to the vendors of an RFP carries ``sealed_rfp_id`` until that RFP's bids are opened: the outbox does
    not show it to administrators before (to whom an RFP's answers and addenda go would tell who follows, asks or
    bids). It is delivered all the same.
    Delivery: a deliverer claims a message (``claim_token`` until ``claimed_until``), so that no other sends it;
    a failed attempt is retried at ``next_attempt_at``, until ``failed_at`` after the last one.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(sa.String(254), index=True)
    subject: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sealed_rfp_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rfp.id", ondelete="CASCADE"), index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    message_id: Mapped[str | None] = mapped_column(sa.String(250))  # set on the first attempt, kept for retries
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None: as soon as possible
    claim_token: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # no more attempts

    __table_args__ = (sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),)

    def __repr__(self) -> str:
        state = "sent" if self.sent_at else "failed" if self.failed_at else "queued"
        return f"<OutboundEmail {self.id} to={self.to_address} {state}>"
