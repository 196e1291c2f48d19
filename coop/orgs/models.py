"""Organisations: school districts, vendors and the cooperative itself."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop.clock import utcnow
from coop.extensions import db
from coop.sqltypes import UTCDateTime, enum_column

if TYPE_CHECKING:
    from coop.catalogue.models import Category


class OrganisationKind(StrEnum):
    DISTRICT = "district"
    VENDOR = "vendor"
    COOPERATIVE = "cooperative"


class OrganisationStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Region(db.Model):
    """A service region of the cooperative; districts are in one, vendors serve several."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))

    def __repr__(self) -> str:
        return f"<Region {self.code}>"


vendor_region = sa.Table(
    "vendor_region",
    db.metadata,
    sa.Column("vendor_id", sa.ForeignKey("vendor.organisation_id", ondelete="CASCADE"), primary_key=True),
    sa.Column("region_id", sa.ForeignKey("region.id", ondelete="RESTRICT"), primary_key=True),
)

# The catalogue categories a vendor sells: it is e-mailed when an RFP of one of them is published in its regions.
vendor_category = sa.Table(
    "vendor_category",
    db.metadata,
    sa.Column("vendor_id", sa.ForeignKey("vendor.organisation_id", ondelete="CASCADE"), primary_key=True),
    sa.Column("category_id", sa.ForeignKey("category.id", ondelete="CASCADE"), primary_key=True),
)


class Organisation(db.Model):
    """Anything that signs up: a district, a vendor or the cooperative."""

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OrganisationKind] = mapped_column(enum_column(OrganisationKind, "organisation_kind"))
    name: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[OrganisationStatus] = mapped_column(
        enum_column(OrganisationStatus, "organisation_status"), default=OrganisationStatus.PENDING
    )
    contact_name: Mapped[str] = mapped_column(sa.String(200), default="")
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(40), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    memberships: Mapped[list[Membership]] = relationship(back_populates="organisation")  # noqa: F821

    __table_args__ = (sa.UniqueConstraint("kind", "name"),)
    __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": OrganisationKind.COOPERATIVE}

    @property
    def is_approved(self) -> bool:
        return self.status == OrganisationStatus.APPROVED

    def __repr__(self) -> str:
        return f"<Organisation {self.kind} {self.name!r} {self.status}>"


class District(Organisation):
    """A school district: the buyer side of the cooperative."""

    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(sa.String(2))
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("region.id", ondelete="RESTRICT"), index=True)
    enrollment: Mapped[int] = mapped_column(sa.Integer)
    nces_id: Mapped[str | None] = mapped_column(sa.String(7), unique=True)

    region: Mapped[Region] = relationship()

    __table_args__ = (sa.CheckConstraint("enrollment > 0", name="enrollment_positive"),)
    __mapper_args__ = {"polymorphic_identity": OrganisationKind.DISTRICT}

    def __repr__(self) -> str:
        return f"<District {self.name!r} {self.state} {self.status}>"


class Vendor(Organisation):
    """A company that bids on the cooperative's RFPs."""

    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True)
    website: Mapped[str] = mapped_column(sa.String(300), default="")
    postal_address: Mapped[str] = mapped_column(sa.Text, default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    regions: Mapped[list[Region]] = relationship(secondary=vendor_region, order_by=Region.code)
    # Resolved by name: the catalogue's models need nothing of the organisations'.
    categories: Mapped[list[Category]] = relationship(secondary=vendor_category, order_by="Category.name")

    __mapper_args__ = {"polymorphic_identity": OrganisationKind.VENDOR}

    def __repr__(self) -> str:
        return f"<Vendor {self.name!r} {self.status}>"
