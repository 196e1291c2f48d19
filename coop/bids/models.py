"""Sealed bids: a vendor's offer on an RFP, line by line, with volume-discount tiers."""

from __future__ import annotations

import secrets
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop.clock import utcnow
from coop.extensions import db
from coop.orgs.models import Region, Vendor
from coop.rfps.models import Rfp, RfpLine
from coop.sqltypes import UTCDateTime, enum_column


class BidStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"


class PricingKind(StrEnum):
    ALL_UNITS = "all_units"
    INCREMENTAL = "incremental"


class Bid(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    rfp_id: Mapped[int] = mapped_column(sa.ForeignKey("rfp.id", ondelete="CASCADE"), index=True)
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendor.organisation_id", ondelete="RESTRICT"), index=True)
    status: Mapped[BidStatus] = mapped_column(enum_column(BidStatus, "bid_status"), default=BidStatus.DRAFT)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The receipt: the SHA-256 of the bid's canonical content at submission, shown to the vendor.
    content_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    # The record of the version in force: the bid's canonical content as submitted (``services.content``, the
    # vendor's name as it was then included), whose SHA-256 is the receipt. What was opened is read from here,
    # never from the rows, which its vendor may change later (its company name) or edit as a next version.
    submitted_content: Mapped[dict | None] = mapped_column(sa.JSON)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped by every change; a form carries the revision it was read at, so that a stale window cannot
    # overwrite a newer save.
    revision: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    rfp: Mapped[Rfp] = relationship()
    vendor: Mapped[Vendor] = relationship()
    lines: Mapped[list[BidLine]] = relationship(back_populates="bid", cascade="all, delete-orphan")
    discount_brackets: Mapped[list[DiscountBracket]] = relationship(
        back_populates="bid", order_by="DiscountBracket.min_value_cents", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[BidAttachment]] = relationship(
        back_populates="bid", order_by="BidAttachment.id", cascade="all, delete-orphan"
    )

    @property
    def current_attachments(self) -> list[BidAttachment]:
        """The attachments of the bid as it stands, without those removed but kept for the version in force."""
        return [attachment for attachment in self.attachments if attachment.removed_at is None]

    # One bid per vendor per RFP: a double click or a retry cannot create a second one.
    __table_args__ = (
        sa.UniqueConstraint("rfp_id", "vendor_id"),
        sa.CheckConstraint("revision >= 1", name="revision_positive"),
    )

    def __repr__(self) -> str:
        return f"<Bid {self.id} rfp={self.rfp_id} vendor={self.vendor_id} {self.status}>"


bid_line_region = sa.Table(
    "bid_line_region",
    db.metadata,
    sa.Column("bid_line_id", sa.ForeignKey("bid_line.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("region_id", sa.ForeignKey("region.id", ondelete="RESTRICT"), primary_key=True),
)


class BidLine(db.Model):
    """A vendor's offer on one RFP line: an offer in the allocation problem."""

    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(sa.ForeignKey("bid.id", ondelete="CASCADE"), index=True)
    rfp_line_id: Mapped[int] = mapped_column(sa.ForeignKey("rfp_line.id", ondelete="CASCADE"), index=True)
    product: Mapped[str] = mapped_column(sa.String(300))
    spec_compliance: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    pricing_kind: Mapped[PricingKind] = mapped_column(
        enum_column(PricingKind, "pricing_kind"), default=PricingKind.ALL_UNITS
    )
    annual_cost_per_unit_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    capacity: Mapped[int | None] = mapped_column()
    min_award_quantity: Mapped[int] = mapped_column(default=0)
    # Empty means the line serves every region.
    regions: Mapped[list[Region]] = relationship(secondary=bid_line_region, order_by=Region.code)

    bid: Mapped[Bid] = relationship(back_populates="lines")
    rfp_line: Mapped[RfpLine] = relationship()
    tiers: Mapped[list[PriceTier]] = relationship(
        back_populates="bid_line", order_by="PriceTier.min_quantity", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.UniqueConstraint("bid_id", "rfp_line_id"),
        sa.CheckConstraint("annual_cost_per_unit_cents >= 0", name="annual_cost_not_negative"),
        sa.CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        sa.CheckConstraint("min_award_quantity >= 0", name="min_award_not_negative"),
    )

    def __repr__(self) -> str:
        return f"<BidLine {self.id} bid={self.bid_id} line={self.rfp_line_id} {self.pricing_kind}>"


class PriceTier(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    bid_line_id: Mapped[int] = mapped_column(sa.ForeignKey("bid_line.id", ondelete="CASCADE"), index=True)
    min_quantity: Mapped[int] = mapped_column()
    unit_price_cents: Mapped[int] = mapped_column(sa.BigInteger)

    bid_line: Mapped[BidLine] = relationship(back_populates="tiers")

    __table_args__ = (
        sa.UniqueConstraint("bid_line_id", "min_quantity"),
        sa.CheckConstraint("min_quantity >= 1", name="min_quantity_positive"),
        sa.CheckConstraint("unit_price_cents >= 0", name="unit_price_not_negative"),
    )

    def __repr__(self) -> str:
        return f"<PriceTier line={self.bid_line_id} from {self.min_quantity} at {self.unit_price_cents}c>"


class DiscountBracket(db.Model):
    """A vendor-wide total-quantity discount: ``percent`` off once purchases reach ``min_value_cents``."""

    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(sa.ForeignKey("bid.id", ondelete="CASCADE"), index=True)
    min_value_cents: Mapped[int] = mapped_column(sa.BigInteger)
    percent: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))

    bid: Mapped[Bid] = relationship(back_populates="discount_brackets")

    __table_args__ = (
        sa.UniqueConstraint("bid_id", "min_value_cents"),
        sa.CheckConstraint("percent > 0 AND percent < 100", name="percent_range"),
    )

    def __repr__(self) -> str:
        return f"<DiscountBracket bid={self.bid_id} from {self.min_value_cents}c {self.percent}%>"


def new_attachment_key() -> str:
    return secrets.token_urlsafe(16)


class BidAttachment(db.Model):
    """A PDF the vendor attached to its bid (a spec sheet), stored on disk under a random name."""

    id: Mapped[int] = mapped_column(primary_key=True)
    # What URLs name it by: random, because a sequential id would let a vendor count competitors' uploads
    # from the gap between two of its own.
    key: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_attachment_key)
    bid_id: Mapped[int] = mapped_column(sa.ForeignKey("bid.id", ondelete="CASCADE"), index=True)
    # The name the vendor's file had, shown back and used for the download; never a path on disk.
    filename: Mapped[str] = mapped_column(sa.String(255))
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    size_bytes: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the vendor removes an attachment that its submitted version still lists: that version stays in
    # force until a next one is submitted, and what it lists must still be there at the opening.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    bid: Mapped[Bid] = relationship(back_populates="attachments")

    __table_args__ = (sa.CheckConstraint("size_bytes > 0", name="size_positive"),)

    def __repr__(self) -> str:
        return f"<BidAttachment {self.id} key={self.key} bid={self.bid_id} {self.filename!r}>"
