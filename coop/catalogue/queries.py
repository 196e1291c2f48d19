"""Read-only selects about the catalogue: categories and items, e.g. for choice lists."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from coop.catalogue.models import Category, Item
from coop.extensions import db


def categories() -> list[Category]:
    return list(db.session.scalars(sa.select(Category).order_by(Category.name)))


def items(*, active_only: bool = True) -> list[Item]:
    """Items ordered by category name, then code, with their category loaded."""
    query = sa.select(Item).join(Item.category).options(joinedload(Item.category)).order_by(Category.name, Item.code)
    if active_only:
        query = query.where(Item.active.is_(True))
    return list(db.session.scalars(query))


def item(item_id: int) -> Item | None:
    return db.session.get(Item, item_id)


def active_item_ids_by_code() -> dict[str, int]:
    """Every active item's code, upper-cased, mapped to its id."""
    rows = db.session.execute(sa.select(Item.code, Item.id).where(Item.active.is_(True)))
    return {code.upper(): item_id for code, item_id in rows}
