"""Award rounds: the optimizer's allocation of an RFP's pooled volume, and each district's share."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
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
    CANCELLED = "cancelled"  # an administrator stopped it: nothing of it was written
    PUBLISHED = "published"


def _next_number(context) -> int:
    """The next round number of the round's RFP (its services take it under a lock on the RFP's row)."""
    table = AwardRound.__table__
    rfp_id = context.get_current_parameters()["rfp_id"]
    return (context.connection.scalar(sa.select(sa.func.max(table.c.number)).where(table.c.rfp_id == rfp_id)) or 0) + 1


class AwardRound(db.Model):
    """One run of the allocation engine on an opened RFP: its stored problem, options and result (reproducible).

    While it runs, the engine's progress is written on it in short transactions of their own (``phase`` and the
    figures below, ``heartbeat_at``); its awards and shares are written in one transaction at the end.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    rfp_id: Mapped[int] = mapped_column(sa.ForeignKey("rfp.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(default=_next_number)  # 1, 2, ... per RFP
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
    # The share rule asked of the engine (pricing/FORMAT.md, "Sharing rules"); also in ``options``.
    rule: Mapped[str] = mapped_column(sa.String(30), default="capped_equal_price")  # the engine's default rule
    rerun_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("award_round.id", ondelete="SET NULL"))
    # Progress, as the engine reports it: its phase ("searching", "sharing", then the result's status) and
    # figures, rounded to the cent (they are the solver's floating-point estimates, never invoiced).
    phase: Mapped[str | None] = mapped_column(sa.String(20))
    best_cost_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    lower_bound_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    progress_gap: Mapped[float | None] = mapped_column(sa.Float)
    elapsed_s: Mapped[float | None] = mapped_column(sa.Float)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Written while the round runs; a running round whose heartbeat is old lost its worker.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(sa.Text)
    # The explanation of a solved round, line by line with its charts, as the page and the PDF show it: drawn once
    # when the round ends (on an L round it costs as much as the solve), never on a page view.
    explanation_html: Mapped[str | None] = mapped_column(sa.Text)

    rfp: Mapped[Rfp] = relationship()
    created_by: Mapped[User | None] = relationship()
    rerun_of: Mapped[AwardRound | None] = relationship(remote_side=[id])
    awards: Mapped[list[Award]] = relationship(back_populates="award_round", cascade="all, delete-orphan")
    shares: Mapped[list[DistrictShare]] = relationship(back_populates="award_round", cascade="all, delete-orphan")

    __table_args__ = (sa.UniqueConstraint("rfp_id", "number"),)

    @property
    def label(self) -> str:
        """The round as pages, e-mails, files and messages name it outside its RFP's own pages: by its number within
        its RFP, never by its row id, which counts the rounds of every RFP."""
        return f"round {self.number} of {self.rfp.reference}"

    def __repr__(self) -> str:
        return f"<AwardRound {self.id} rfp={self.rfp_id} #{self.number} {self.status}>"


class OwedTotal:
    """``total_cents`` of a row with ``cost_cents``, ``support_cost_cents`` and ``discount_cents``: an award, and the
    purchase-order line that orders it. One definition, in Python and in SQL, so that what a district's orders say,
    its ledger and the fairness gate's sums can never disagree."""

    @hybrid_property
    def total_cents(self) -> int:
        """What the district owes the vendor: the purchase, its support over the TCO years, less its part of the
        vendor's discount."""
        return self.cost_cents + self.support_cost_cents - self.discount_cents


class Award(OwedTotal, db.Model):
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
    cost_cents: Mapped[int] = mapped_column(sa.BigInteger)  # purchase cost of the row
    support_cost_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # over the RFP's TCO years
    discount_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # the row's part of its vendor's discount

    award_round: Mapped[AwardRound] = relationship(back_populates="awards")
    rfp_line: Mapped[RfpLine] = relationship()
    district: Mapped[District] = relationship()
    vendor: Mapped[Vendor] = relationship()
    bid_line: Mapped[BidLine] = relationship()

    __table_args__ = (sa.CheckConstraint("quantity > 0", name="quantity_positive"),)

    def __repr__(self) -> str:
        return (
            f"<Award round={self.award_round_id} district={self.district_id} vendor={self.vendor_id} x{self.quantity}>"
        )


class DistrictShare(db.Model):
    """What a district pays in the pool (its share under the round's rule), what it would have paid alone, and what
    it saved. What its awards' invoices add up to (cost + support - discount) is the equal-price figure."""

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
