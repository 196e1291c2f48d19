"""Read-only selects about needs: a district's own list and the cooperative's pooled demand."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from coop.catalogue.models import Category, Item
from coop.extensions import db
from coop.needs.models import Need, NeedStatus
from coop.orgs.models import District, Region

NEEDS_PER_PAGE = 100

# Needs still in play first, then the finished ones.
_STATUS_ORDER = sa.case(
    {
        NeedStatus.OPEN.value: 0,
        NeedStatus.POOLED.value: 1,
        NeedStatus.COMMITTED.value: 2,
        NeedStatus.AWARDED.value: 3,
        NeedStatus.WITHDRAWN.value: 4,
    },
    value=sa.cast(Need.status, sa.String),
    else_=5,
)


def own_needs(district_id: int, *, page: int = 1, per_page: int = NEEDS_PER_PAGE):
    """One page of a district's needs (a Flask-SQLAlchemy ``Pagination``), open ones first, soonest needed first."""
    query = (
        sa.select(Need)
        .where(Need.district_id == district_id)
        .options(joinedload(Need.item).joinedload(Item.category))
        .order_by(_STATUS_ORDER, Need.needed_by, Need.id)
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False, count=True)


def open_needs(district_id: int) -> list[Need]:
    """The district's needs not pooled into an RFP (open), soonest needed first."""
    return list(
        db.session.scalars(
            sa.select(Need)
            .where(Need.district_id == district_id, Need.status == NeedStatus.OPEN)
            .options(joinedload(Need.item))
            .order_by(Need.needed_by, Need.id)
        )
    )


def status_counts(district_id: int) -> dict[NeedStatus, int]:
    rows = db.session.execute(
        sa.select(Need.status, sa.func.count()).where(Need.district_id == district_id).group_by(Need.status)
    )
    return {status: count for status, count in rows}


@dataclass(frozen=True)
class DemandFilter:
    category_id: int | None = None
    item_id: int | None = None
    region_id: int | None = None
    needed_from: date | None = None
    needed_to: date | None = None

    def conditions(self) -> list:
        conditions = [Need.status == NeedStatus.OPEN]
        if self.category_id:
            conditions.append(Item.category_id == self.category_id)
        if self.item_id:
            conditions.append(Need.item_id == self.item_id)
        if self.region_id:
            conditions.append(District.region_id == self.region_id)
        if self.needed_from:
            conditions.append(Need.needed_by >= self.needed_from)
        if self.needed_to:
            conditions.append(Need.needed_by <= self.needed_to)
        return conditions


@dataclass(frozen=True)
class DemandLine:
    need_id: int
    district: str
    region: str
    quantity: int
    needed_by: date
    budget_cap_cents: int | None
    erate_eligible: bool


@dataclass
class ItemDemand:
    """The open needs for one item, pooled."""

    item_id: int
    code: str
    name: str
    category: str
    unit: str
    total_quantity: int
    districts: int
    needs: int
    earliest_needed_by: date
    budget_cap_cents: int | None  # the sum of the caps given; None when no need gives one
    needs_with_budget: int
    erate_needs: int
    lines: list[DemandLine] = field(default_factory=list)


@dataclass(frozen=True)
class Demand:
    items: list[ItemDemand]

    @property
    def total_needs(self) -> int:
        return sum(item.needs for item in self.items)

    @property
    def total_quantity(self) -> int:
        return sum(item.total_quantity for item in self.items)


def _from_needs(select: sa.Select) -> sa.Select:
    return (
        select.select_from(Need)
        .join(Item, Need.item_id == Item.id)
        .join(Category, Item.category_id == Category.id)
        .join(District, Need.district_id == District.organisation_id)
        .join(Region, District.region_id == Region.id)
    )


def demand(filters: DemandFilter = DemandFilter()) -> Demand:
    """Every open need matching ``filters``, pooled per item (totals by SQL GROUP BY), with the needs behind each total."""
    conditions = filters.conditions()
    erate = sa.case((Need.erate_eligible.is_(True), 1), else_=0)
    totals = db.session.execute(
        _from_needs(
            sa.select(
                Item.id,
                Item.code,
                Item.name,
                Category.name,
                Item.unit,
                sa.func.sum(Need.quantity),
                sa.func.count(sa.distinct(Need.district_id)),
                sa.func.count(Need.id),
                sa.func.min(Need.needed_by),
                sa.func.sum(Need.budget_cap_cents),
                sa.func.count(Need.budget_cap_cents),
                sa.func.sum(erate),
            )
        )
        .where(*conditions)
        .group_by(Item.id, Item.code, Item.name, Category.name, Item.unit)
        .order_by(Category.name, Item.code)
    ).all()
    items = {
        row[0]: ItemDemand(
            item_id=row[0],
            code=row[1],
            name=row[2],
            category=row[3],
            unit=row[4],
            total_quantity=int(row[5]),
            districts=int(row[6]),
            needs=int(row[7]),
            earliest_needed_by=row[8],
            budget_cap_cents=None if row[9] is None else int(row[9]),
            needs_with_budget=int(row[10]),
            erate_needs=int(row[11]),
        )
        for row in totals
    }
    lines = db.session.execute(
        _from_needs(
            sa.select(
                Need.item_id,
                Need.id,
                District.name,
                Region.name,
                Need.quantity,
                Need.needed_by,
                Need.budget_cap_cents,
                Need.erate_eligible,
            )
        )
        .where(*conditions)
        .order_by(Need.item_id, Need.needed_by, District.name, Need.id)
    )
    for item_id, need_id, district, region, quantity, needed_by, budget, erate_eligible in lines:
        items[item_id].lines.append(DemandLine(need_id, district, region, quantity, needed_by, budget, erate_eligible))
    return Demand(list(items.values()))
