"""Award rounds: the optimizer's allocation of an RFP's pooled volume, and each district's share."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop.accounts.models import User
from coop.bids.models import BidLine
from coop.clock import utcnow
from coop.extensions import db
from coop.orgs.models import District, Vendor
from coop.rfps.models import Rfp, RfpLine
from coop.sqltypes import UTCDateTime, enum_column


class AwardRoundStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SOLVED = "solved"  # the engine answered (optimal, feasible or infeasible)
    FAILED = "failed"  # the job itself failed
    PUBLISHED = "published"


class AwardRound(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    rfp_id: Mapped[int] = mapped_column(sa.ForeignKey("rfp.id", ondelete="CASCADE"), index=True)
    status: Mapped[AwardRoundStatus] = mapped_column(
        enum_column(AwardRoundStatus, "award_round_status"), default=AwardRoundStatus.QUEUED
    )
    options: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    problem: Mapped[dict | None] = mapped_column(sa.JSON)
    result: Mapped[dict | None] = mapped_column(sa.JSON)
    solver_status: Mapped[str | None] = mapped_column(sa.String(20))
    total_cost_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    gap: Mapped[float | None] = mapped_column(sa.Float)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    solved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    rfp: Mapped[Rfp] = relationship()
    created_by: Mapped[User | None] = relationship()
    awards: Mapped[list["Award"]] = relationship(back_populates="award_round", cascade="all, delete-orphan")
    shares: Mapped[list["DistrictShare"]] = relationship(back_populates="award_round", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<AwardRound {self.id} rfp={self.rfp_id} {self.status}>"


class Award(db.Model):
    """Quantity of one RFP line awarded to one vendor's bid line for one district."""

    id: Mapped[int] = mapped_column(primary_key=True)
    award_round_id: Mapped[int] = mapped_column(sa.ForeignKey("award_round.id", ondelete="CASCADE"), index=True)
    rfp_line_id: Mapped[int] = mapped_column(sa.ForeignKey("rfp_line.id", ondelete="CASCADE"))
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("district.organisation_id", ondelete="RESTRICT"), index=True)
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendor.organisation_id", ondelete="RESTRICT"), index=True)
    bid_line_id: Mapped[int] = mapped_column(sa.ForeignKey("bid_line.id", ondelete="RESTRICT"))
    quantity: Mapped[int] = mapped_column()
    # The offer's achieved average unit price can fall between cents (incremental tiers).
    unit_price: Mapped[Decimal] = mapped_column(sa.Numeric(14, 4))
    cost_cents: Mapped[int] = mapped_column(sa.BigInteger)

    award_round: Mapped[AwardRound] = relationship(back_populates="awards")
    rfp_line: Mapped[RfpLine] = relationship()
    district: Mapped[District] = relationship()
    vendor: Mapped[Vendor] = relationship()
    bid_line: Mapped[BidLine] = relationship()

    __table_args__ = (sa.CheckConstraint("quantity > 0", name="quantity_positive"),)

    def __repr__(self) -> str:
        return f"<Award round={self.award_round_id} district={self.district_id} vendor={self.vendor_id} x{self.quantity}>"


class DistrictShare(db.Model):
    """What a district pays in the pool, what it would have paid alone, and what it saved."""

    id: Mapped[int] = mapped_column(primary_key=True)
    award_round_id: Mapped[int] = mapped_column(sa.ForeignKey("award_round.id", ondelete="CASCADE"), index=True)
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("district.organisation_id", ondelete="RESTRICT"))
    pooled_cost_cents: Mapped[int] = mapped_column(sa.BigInteger)
    standalone_cost_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    savings_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    standalone_note: Mapped[str] = mapped_column(sa.Text, default="")

    award_round: Mapped[AwardRound] = relationship(back_populates="shares")
    district: Mapped[District] = relationship()

    __table_args__ = (sa.UniqueConstraint("award_round_id", "district_id"),)

    def __repr__(self) -> str:
        return f"<DistrictShare round={self.award_round_id} district={self.district_id} {self.pooled_cost_cents}c>"
