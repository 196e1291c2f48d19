"""A district's need: what it wants to buy, how many, by when."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop.accounts.models import User
from coop.catalogue.models import Item
from coop.clock import utcnow
from coop.extensions import db
from coop.orgs.models import District
from coop.sqltypes import UTCDateTime, enum_column


class NeedStatus(StrEnum):
    OPEN = "open"  # posted, not yet pooled; the district may edit or withdraw it
    POOLED = "pooled"  # on a draft or committing RFP line
    COMMITTED = "committed"  # confirmed into a published RFP
    AWARDED = "awarded"
    WITHDRAWN = "withdrawn"


class Need(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("district.organisation_id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("item.id", ondelete="RESTRICT"), index=True)
    quantity: Mapped[int] = mapped_column(sa.Integer)
    needed_by: Mapped[date] = mapped_column(sa.Date, index=True)
    budget_cap_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    erate_eligible: Mapped[bool] = mapped_column(default=False)
    spec_notes: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[NeedStatus] = mapped_column(
        enum_column(NeedStatus, "need_status"), default=NeedStatus.OPEN, index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    district: Mapped[District] = relationship()
    item: Mapped[Item] = relationship()
    created_by: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("budget_cap_cents IS NULL OR budget_cap_cents >= 0", name="budget_cap_not_negative"),
    )

    @property
    def is_editable(self) -> bool:
        return self.status == NeedStatus.OPEN

    def __repr__(self) -> str:
        return f"<Need {self.id} district={self.district_id} item={self.item_id} x{self.quantity} {self.status}>"
