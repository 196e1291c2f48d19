"""What the cooperative buys: categories and catalogue items with spec attributes."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop.extensions import db


class Category(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.Text, default="")

    items: Mapped[list[Item]] = relationship(back_populates="category", order_by="Item.code")

    def __repr__(self) -> str:
        return f"<Category {self.slug}>"


class Item(db.Model):
    """A catalogue item, specified by performance requirements, never by brand."""

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("category.id", ondelete="RESTRICT"), index=True)
    code: Mapped[str] = mapped_column(sa.String(60), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    unit: Mapped[str] = mapped_column(sa.String(30), default="each")
    # Spec attributes, e.g. {"ram_gb": 8, "storage_gb": 128, "screen_in": 11.6}
    spec: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    active: Mapped[bool] = mapped_column(default=True)

    category: Mapped[Category] = relationship(back_populates="items")

    def __repr__(self) -> str:
        return f"<Item {self.code}>"
