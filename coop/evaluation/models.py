"""A bid's score on one non-price criterion of its RFP, with the comment that justifies it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop.bids.models import Bid
from coop.clock import utcnow
from coop.extensions import db
from coop.sqltypes import UTCDateTime


class BidScore(db.Model):
    """The points (0 to 100) an administrator gave one submitted bid on one criterion (by its key in the RFP's terms)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(sa.ForeignKey("bid.id", ondelete="CASCADE"), index=True)
    criterion_key: Mapped[str] = mapped_column(sa.String(60))
    points: Mapped[int] = mapped_column()
    comment: Mapped[str] = mapped_column(sa.Text)
    scored_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    scored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    bid: Mapped[Bid] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("bid_id", "criterion_key"),
        sa.CheckConstraint("points >= 0 AND points <= 100", name="points_0_to_100"),
    )

    def __repr__(self) -> str:
        return f"<BidScore bid={self.bid_id} {self.criterion_key}={self.points}>"
