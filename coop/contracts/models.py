"""The notice of intent to award a round, the protests against it, and what a final award issues: contracts and
purchase orders.

A round becomes final only through its notice: published (the protest period opens), then final (awards and shares
frozen, purchase orders issued) or cancelled (an upheld protest). Once final, nothing may change the round's
awards and shares: :func:`refuse_changes_to_final_rounds` stops any flush that would.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from coop.accounts.models import User
from coop.awards.models import Award, AwardRound, DistrictShare, OwedTotal
from coop.clock import utcnow
from coop.extensions import db
from coop.orgs.models import District, Vendor
from coop.rfps.models import Rfp, RfpLine
from coop.sqltypes import UTCDateTime, enum_column


class NoticeStatus(StrEnum):
    PROTEST_PERIOD = "protest_period"  # published; bidders may protest until protest_ends_at
    CANCELLED = "cancelled"  # an upheld protest: the round can never become final
    FINAL = "final"  # awards and shares are final; purchase orders are issued


class AwardNotice(db.Model):
    """The notice of intent to award one round of an RFP."""

    id: Mapped[int] = mapped_column(primary_key=True)
    award_round_id: Mapped[int] = mapped_column(sa.ForeignKey("award_round.id", ondelete="RESTRICT"), unique=True)
    rfp_id: Mapped[int] = mapped_column(sa.ForeignKey("rfp.id", ondelete="RESTRICT"), index=True)
    status: Mapped[NoticeStatus] = mapped_column(
        enum_column(NoticeStatus, "notice_status"), default=NoticeStatus.PROTEST_PERIOD
    )
    protest_days: Mapped[int] = mapped_column()
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    protest_ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    # Set when the fairness gate found a district worse off or a coalition that would leave, and the
    # administrator published all the same.
    fairness_reason: Mapped[str | None] = mapped_column(sa.Text)
    finalised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finalised_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    award_round: Mapped[AwardRound] = relationship()
    rfp: Mapped[Rfp] = relationship()
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])
    protests: Mapped[list[Protest]] = relationship(back_populates="notice", order_by="Protest.id")

    __table_args__ = (
        sa.CheckConstraint("protest_days >= 1", name="protest_days_positive"),
        # One live notice per RFP: a second publication, even by a concurrent request, is refused by the database.
        sa.Index(
            "uq_award_notice_live_rfp",
            "rfp_id",
            unique=True,
            sqlite_where=sa.text("status != 'cancelled'"),
            postgresql_where=sa.text("status != 'cancelled'"),
        ),
    )

    def __repr__(self) -> str:
        return f"<AwardNotice {self.id} round={self.award_round_id} {self.status}>"


class ProtestStatus(StrEnum):
    PENDING = "pending"
    UPHELD = "upheld"
    DENIED = "denied"


class Protest(db.Model):
    """A bidder's protest against a notice of intent, and the administrator's written decision on it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(sa.ForeignKey("award_notice.id", ondelete="RESTRICT"), index=True)
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendor.organisation_id", ondelete="RESTRICT"), index=True)
    filed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    grounds: Mapped[str] = mapped_column(sa.Text)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[ProtestStatus] = mapped_column(
        enum_column(ProtestStatus, "protest_status"), default=ProtestStatus.PENDING
    )
    decision: Mapped[str | None] = mapped_column(sa.Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    notice: Mapped[AwardNotice] = relationship(back_populates="protests")
    vendor: Mapped[Vendor] = relationship()

    def __repr__(self) -> str:
        return f"<Protest {self.id} notice={self.notice_id} vendor={self.vendor_id} {self.status}>"


class Contract(db.Model):
    """The cooperative's contract with one vendor for its part of a final award; every purchase order cites it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(60), unique=True)
    notice_id: Mapped[int] = mapped_column(sa.ForeignKey("award_notice.id", ondelete="RESTRICT"), index=True)
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendor.organisation_id", ondelete="RESTRICT"), index=True)
    total_cents: Mapped[int] = mapped_column(sa.BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    notice: Mapped[AwardNotice] = relationship()
    vendor: Mapped[Vendor] = relationship()

    __table_args__ = (sa.UniqueConstraint("notice_id", "vendor_id"),)

    def __repr__(self) -> str:
        return f"<Contract {self.reference} vendor={self.vendor_id}>"


class PurchaseOrder(db.Model):
    """What one district buys from one vendor under a final award."""

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(60), unique=True)
    contract_id: Mapped[int] = mapped_column(sa.ForeignKey("contract.id", ondelete="RESTRICT"), index=True)
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("district.organisation_id", ondelete="RESTRICT"), index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivery_by: Mapped[date] = mapped_column(sa.Date)
    payment_terms: Mapped[str] = mapped_column(sa.String(200))
    total_cents: Mapped[int] = mapped_column(sa.BigInteger)

    contract: Mapped[Contract] = relationship()
    district: Mapped[District] = relationship()
    lines: Mapped[list[PurchaseOrderLine]] = relationship(
        back_populates="purchase_order", order_by="PurchaseOrderLine.line_no"
    )

    @property
    def open_total_cents(self) -> int:
        """What is still to be delivered and paid: the total less the lines cancelled since the order was issued."""
        return self.total_cents - sum(line.total_cents for line in self.lines if line.cancelled_at is not None)

    __table_args__ = (sa.UniqueConstraint("contract_id", "district_id"),)

    def __repr__(self) -> str:
        return f"<PurchaseOrder {self.number} district={self.district_id}>"


class PurchaseOrderLine(OwedTotal, db.Model):
    """One awarded line of a purchase order, its item named as it was when the order was issued."""

    id: Mapped[int] = mapped_column(primary_key=True)
    purchase_order_id: Mapped[int] = mapped_column(sa.ForeignKey("purchase_order.id", ondelete="CASCADE"), index=True)
    award_id: Mapped[int] = mapped_column(sa.ForeignKey("award.id", ondelete="RESTRICT"), unique=True)
    rfp_line_id: Mapped[int] = mapped_column(sa.ForeignKey("rfp_line.id", ondelete="RESTRICT"))
    line_no: Mapped[int] = mapped_column()
    item_code: Mapped[str] = mapped_column(sa.String(60))
    item_name: Mapped[str] = mapped_column(sa.String(200))
    quantity: Mapped[int] = mapped_column()
    unit_price: Mapped[Decimal] = mapped_column(sa.Numeric(14, 4))
    cost_cents: Mapped[int] = mapped_column(sa.BigInteger)  # quantity at the unit price
    support_cost_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # the bid's support over the TCO years
    discount_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # the line's part of the vendor's discount
    # A line cancelled after the award became final (the district withdrew it, the vendor could not deliver): the
    # award stays as it was decided; the order says the line is not to be delivered, and its fee is credited.
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_reason: Mapped[str | None] = mapped_column(sa.Text)
    cancelled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    purchase_order: Mapped[PurchaseOrder] = relationship(back_populates="lines")
    rfp_line: Mapped[RfpLine] = relationship()
    award: Mapped[Award] = relationship()

    __table_args__ = (sa.CheckConstraint("quantity > 0", name="quantity_positive"),)

    def __repr__(self) -> str:
        return f"<PurchaseOrderLine po={self.purchase_order_id} line={self.line_no} x{self.quantity}>"


class FinalAwardChanged(RuntimeError):
    """A write to the awards, shares or round of a final award: a bug, never a user's doing."""


def _round_id_of(instance) -> int | None:
    if isinstance(instance, AwardRound):
        return instance.id
    if isinstance(instance, Award | DistrictShare):
        return instance.award_round_id
    return None


@event.listens_for(Session, "before_flush")
def refuse_changes_to_final_rounds(session: Session, _flush_context, _instances) -> None:
    """Stop a flush that changes or deletes a final round, its awards or its shares, or adds to them."""
    touched = [
        instance
        for instance in [*session.dirty, *session.deleted, *session.new]
        if isinstance(instance, AwardRound | Award | DistrictShare)
        and (instance in session.new or instance in session.deleted or session.is_modified(instance))
    ]
    round_ids = {round_id for round_id in map(_round_id_of, touched) if round_id is not None}
    if not round_ids:
        return
    with session.no_autoflush:
        final = session.scalars(
            sa.select(AwardNotice.award_round_id).where(
                AwardNotice.award_round_id.in_(round_ids), AwardNotice.status == NoticeStatus.FINAL
            )
        ).all()
    if final:
        raise FinalAwardChanged(
            f"the award round with the id {sorted(final)[0]} is final: its awards and shares cannot change"
        )
