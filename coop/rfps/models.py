"""Joint RFPs: pooled needs put to vendors as one request for proposals."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop.catalogue.models import Category, Item
from coop.clock import utcnow
from coop.extensions import db
from coop.needs.models import Need
from coop.orgs.models import Vendor
from coop.sqltypes import UTCDateTime, enum_column


class RfpStatus(StrEnum):
    DRAFT = "draft"
    COMMITTING = "committing"
    OPEN = "open"
    CLOSED = "closed"
    OPENED = "opened"
    AWARDED = "awarded"
    COMPLETE = "complete"
    CANCELLED = "cancelled"


class Rfp(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(40), unique=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("category.id", ondelete="RESTRICT"), index=True)
    status: Mapped[RfpStatus] = mapped_column(enum_column(RfpStatus, "rfp_status"), default=RfpStatus.DRAFT, index=True)
    template_key: Mapped[str] = mapped_column(sa.String(60), default="")
    terms: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    document_version: Mapped[int] = mapped_column(default=1)
    commitment_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    bid_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tco_years: Mapped[int] = mapped_column(default=4)
    erate_eligible: Mapped[bool] = mapped_column(default=False)
    form470_number: Mapped[str | None] = mapped_column(sa.String(30))
    form470_date: Mapped[date | None] = mapped_column(sa.Date)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    category: Mapped[Category] = relationship()
    lines: Mapped[list[RfpLine]] = relationship(
        back_populates="rfp", order_by="RfpLine.line_no", cascade="all, delete-orphan"
    )

    __table_args__ = (sa.CheckConstraint("tco_years > 0", name="tco_years_positive"),)

    def __repr__(self) -> str:
        return f"<Rfp {self.reference} {self.status}>"


class RfpLine(db.Model):
    """One item of an RFP, pooling the needs of many districts."""

    id: Mapped[int] = mapped_column(primary_key=True)
    rfp_id: Mapped[int] = mapped_column(sa.ForeignKey("rfp.id", ondelete="CASCADE"), index=True)
    line_no: Mapped[int] = mapped_column()
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("item.id", ondelete="RESTRICT"))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    spec: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    quantity: Mapped[int] = mapped_column(default=0)

    rfp: Mapped[Rfp] = relationship(back_populates="lines")
    item: Mapped[Item] = relationship()
    pooled_needs: Mapped[list[RfpLineNeed]] = relationship(back_populates="line", cascade="all, delete-orphan")

    __table_args__ = (
        sa.UniqueConstraint("rfp_id", "line_no"),
        sa.CheckConstraint("quantity >= 0", name="quantity_not_negative"),
    )

    def __repr__(self) -> str:
        return f"<RfpLine {self.rfp_id}/{self.line_no} item={self.item_id} x{self.quantity}>"


class CommitmentStatus(StrEnum):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    WITHDRAWN = "withdrawn"


class RfpLineNeed(db.Model):
    """The link from an RFP line to a need it pools, with the district's commitment."""

    id: Mapped[int] = mapped_column(primary_key=True)
    rfp_line_id: Mapped[int] = mapped_column(sa.ForeignKey("rfp_line.id", ondelete="CASCADE"), index=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("need.id", ondelete="RESTRICT"), index=True)
    quantity: Mapped[int] = mapped_column()
    commitment: Mapped[CommitmentStatus] = mapped_column(
        enum_column(CommitmentStatus, "commitment_status"), default=CommitmentStatus.PROPOSED
    )
    named_publicly: Mapped[bool] = mapped_column(default=False)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    line: Mapped[RfpLine] = relationship(back_populates="pooled_needs")
    need: Mapped[Need] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("rfp_line_id", "need_id"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    def __repr__(self) -> str:
        return f"<RfpLineNeed line={self.rfp_line_id} need={self.need_id} x{self.quantity} {self.commitment}>"


class RfpDocument(db.Model):
    """One published version of an RFP's document, kept so that every addendum's before and after can be read."""

    id: Mapped[int] = mapped_column(primary_key=True)
    rfp_id: Mapped[int] = mapped_column(sa.ForeignKey("rfp.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column()
    html: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    rfp: Mapped[Rfp] = relationship()

    __table_args__ = (sa.UniqueConstraint("rfp_id", "version"),)

    def __repr__(self) -> str:
        return f"<RfpDocument rfp={self.rfp_id} v{self.version}>"


class VendorInterest(db.Model):
    """A vendor that follows an RFP, by its own choice (never because it bid or asked): it is e-mailed the RFP's
    answers, addenda and opening."""

    id: Mapped[int] = mapped_column(primary_key=True)
    rfp_id: Mapped[int] = mapped_column(sa.ForeignKey("rfp.id", ondelete="CASCADE"), index=True)
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendor.organisation_id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    rfp: Mapped[Rfp] = relationship()
    vendor: Mapped[Vendor] = relationship()

    __table_args__ = (sa.UniqueConstraint("rfp_id", "vendor_id"),)

    def __repr__(self) -> str:
        return f"<VendorInterest rfp={self.rfp_id} vendor={self.vendor_id}>"
