"""Read-only selects about notices of intent, protests, final awards and purchase orders; the fairness gate's figures.

What other areas may call to learn whether an award is final: :func:`is_final`, :func:`final_round`,
:func:`final_rounds`, :func:`notice_for_round`, :func:`live_notice`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from coop.awards import adapters, naming
from coop.awards.models import Award, AwardRound, DistrictShare
from coop.bids.models import Bid, BidStatus
from coop.contracts.models import (
    AwardNotice,
    Contract,
    NoticeStatus,
    Protest,
    ProtestStatus,
    PurchaseOrder,
    PurchaseOrderLine,
)
from coop.extensions import db
from coop.money import format_dollars
from coop.needs.models import Need
from coop.orgs.models import District, Vendor
from coop.rfps.models import CommitmentStatus, RfpLine, RfpLineNeed

LIVE_NOTICE_STATUSES = (NoticeStatus.PROTEST_PERIOD, NoticeStatus.FINAL)


# --- final awards: for the ledger, the public notice and billing ------------------------------------------------------


def notice_for_round(round_id: int) -> AwardNotice | None:
    """The round's notice of intent, if it was ever published (it may be cancelled)."""
    return db.session.scalar(sa.select(AwardNotice).where(AwardNotice.award_round_id == round_id))


def live_notice(rfp_id: int) -> AwardNotice | None:
    """The RFP's notice that is not cancelled: in its protest period, or final."""
    return db.session.scalar(
        sa.select(AwardNotice).where(AwardNotice.rfp_id == rfp_id, AwardNotice.status.in_(LIVE_NOTICE_STATUSES))
    )


def is_final(award_round: AwardRound) -> bool:
    """Whether the round's award is final: its protest period over, its awards and shares frozen, its orders issued."""
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AwardNotice)
            .where(AwardNotice.award_round_id == award_round.id, AwardNotice.status == NoticeStatus.FINAL)
        )
        > 0
    )


def final_round(rfp_id: int) -> AwardRound | None:
    """The RFP's round whose award is final, if there is one (there is at most one)."""
    return db.session.scalar(
        sa.select(AwardRound)
        .join(AwardNotice, AwardNotice.award_round_id == AwardRound.id)
        .where(AwardNotice.rfp_id == rfp_id, AwardNotice.status == NoticeStatus.FINAL)
    )


def final_rounds(*, district_id: int | None = None) -> list[AwardRound]:
    """Every round whose award is final (those a district has a share in, with ``district_id``), oldest final first."""
    statement = (
        sa.select(AwardRound)
        .join(AwardNotice, AwardNotice.award_round_id == AwardRound.id)
        .where(AwardNotice.status == NoticeStatus.FINAL)
        .options(joinedload(AwardRound.rfp))
        .order_by(AwardNotice.finalised_at, AwardNotice.id)
    )
    if district_id is not None:
        statement = statement.where(
            AwardRound.id.in_(sa.select(DistrictShare.award_round_id).where(DistrictShare.district_id == district_id))
        )
    return list(db.session.scalars(statement))


# --- the fairness gate -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShareRow:
    district_id: int
    district: str
    pooled_cost_cents: int
    standalone_cost_cents: int | None
    savings_cents: int | None
    standalone_note: str
    worse_off: bool
    ordered_cents: int  # what its purchase orders add up to: the vendors' prices for its own awards

    @property
    def adjustment_cents(self) -> int:
        """What the district settles with the cooperative on top of its orders (negative: credited to it)."""
        return self.pooled_cost_cents - self.ordered_cents


@dataclass(frozen=True)
class CoreView:
    """The engine's core check, districts named: ``checked`` False when the round's result has none."""

    checked: bool
    blocked: bool = False
    coalition: tuple[str, ...] = ()
    gain_cents: int | None = None
    gain_bound_cents: int | None = None


@dataclass(frozen=True)
class Fairness:
    rows: list[ShareRow]
    worse_off: list[str]
    core: CoreView

    @property
    def pooled_total_cents(self) -> int:
        return sum(row.pooled_cost_cents for row in self.rows)

    @property
    def ordered_total_cents(self) -> int:
        return sum(row.ordered_cents for row in self.rows)

    @property
    def adjusted(self) -> bool:
        """Whether the sharing rule moves cost between districts, away from what their orders say."""
        return any(row.adjustment_cents for row in self.rows)

    @property
    def standalone_total_cents(self) -> int | None:
        costs = [row.standalone_cost_cents for row in self.rows]
        return None if any(cost is None for cost in costs) else sum(costs)

    @property
    def concerns(self) -> list[str]:
        """Why publishing needs a confirmation with a reason; empty when it needs none."""
        concerns = []
        if self.worse_off:
            concerns.append(f"Worse off than buying alone: {', '.join(self.worse_off)}.")
        if not self.core.checked:
            concerns.append(
                "The engine's core check was not run on this round: no one checked whether a group "
                "of districts would pay less by leaving the pool."
            )
        elif self.core.blocked:
            concerns.append(
                f"{' + '.join(self.core.coalition)} would pay "
                f"{format_dollars(self.core.gain_cents)} less by leaving the pool."
            )
        return concerns


def ordered_cents_by_district(round_id: int) -> dict[int, int]:
    """What each district's awards in the round add up to at the vendors' prices (cost + support - discount): what
    its purchase orders will say, before any line is cancelled."""
    total = sa.func.sum(Award.total_cents)
    rows = db.session.execute(
        sa.select(Award.district_id, total).where(Award.award_round_id == round_id).group_by(Award.district_id)
    )
    return {district_id: int(cents) for district_id, cents in rows}


def fairness(award_round: AwardRound) -> Fairness:
    """Every district's share, standalone cost and savings, who is worse off than alone, and the core check."""
    shares = db.session.scalars(
        sa.select(DistrictShare)
        .where(DistrictShare.award_round_id == award_round.id)
        .options(joinedload(DistrictShare.district))
    ).all()
    engine_names = adapters.engine_names(award_round.problem, award_round.rfp) if award_round.problem else {}
    ordered = ordered_cents_by_district(award_round.id)
    result = award_round.result or {}
    engine_worse_off = {engine_names.get(engine_id, engine_id) for engine_id in result.get("worse_off", [])}
    rows = sorted(
        (
            ShareRow(
                share.district_id,
                share.district.name,
                share.pooled_cost_cents,
                share.standalone_cost_cents,
                share.savings_cents,
                share.standalone_note,
                share.district.name in engine_worse_off
                or (share.savings_cents is not None and share.savings_cents < 0),
                ordered.get(share.district_id, 0),
            )
            for share in shares
        ),
        key=lambda row: row.district,
    )
    worse_off = sorted({row.district for row in rows if row.worse_off} | engine_worse_off)
    core = result.get("core")
    if core is None:
        core_view = CoreView(checked=False)
    else:
        core_view = CoreView(
            checked=True,
            blocked=bool(core["blocked"]),
            coalition=tuple(sorted(engine_names.get(engine_id, engine_id) for engine_id in core["coalition"])),
            gain_cents=adapters.cents_or_none(core["gain"]),
            gain_bound_cents=adapters.cents_or_none(core.get("gain_bound")),
        )
    return Fairness(rows, worse_off, core_view)


# --- notices and protests ---------------------------------------------------------------------------------------------


def award_round(round_id: int) -> AwardRound | None:
    return db.session.scalar(sa.select(AwardRound).where(AwardRound.id == round_id).options(joinedload(AwardRound.rfp)))


def notices_by_round(rfp_id: int) -> dict[int, AwardNotice]:
    return {
        notice.award_round_id: notice
        for notice in db.session.scalars(sa.select(AwardNotice).where(AwardNotice.rfp_id == rfp_id))
    }


def notice(notice_id: int) -> AwardNotice | None:
    return db.session.scalar(
        sa.select(AwardNotice)
        .where(AwardNotice.id == notice_id)
        .options(joinedload(AwardNotice.rfp), selectinload(AwardNotice.protests).joinedload(Protest.vendor))
    )


def notices() -> list[AwardNotice]:
    """Every notice of intent, those in their protest period first, then newest first."""
    order = sa.case({NoticeStatus.PROTEST_PERIOD.value: 0}, value=sa.cast(AwardNotice.status, sa.String), else_=1)
    return list(
        db.session.scalars(
            sa.select(AwardNotice)
            .options(joinedload(AwardNotice.rfp), selectinload(AwardNotice.protests))
            .order_by(order, AwardNotice.published_at.desc(), AwardNotice.id.desc())
        )
    )


def due_notices(now: datetime) -> list[AwardNotice]:
    """Notices whose protest period has ended and that are not final yet."""
    return list(
        db.session.scalars(
            sa.select(AwardNotice)
            .where(AwardNotice.status == NoticeStatus.PROTEST_PERIOD, AwardNotice.protest_ends_at <= now)
            .order_by(AwardNotice.protest_ends_at, AwardNotice.id)
        )
    )


def protest(protest_id: int) -> Protest | None:
    return db.session.get(Protest, protest_id)


def pending_protests(notice_id: int) -> list[Protest]:
    return list(
        db.session.scalars(
            sa.select(Protest)
            .where(Protest.notice_id == notice_id, Protest.status == ProtestStatus.PENDING)
            .order_by(Protest.id)
        )
    )


def vendor_protests(notice_id: int, vendor_id: int) -> list[Protest]:
    return list(
        db.session.scalars(
            sa.select(Protest)
            .where(Protest.notice_id == notice_id, Protest.vendor_id == vendor_id)
            .order_by(Protest.id)
        )
    )


def bidder_ids(rfp_id: int) -> list[int]:
    """Vendors whose bid on the RFP was submitted (and so tabulated at the opening): those who may protest."""
    return list(
        db.session.scalars(
            sa.select(Bid.vendor_id)
            .where(Bid.rfp_id == rfp_id, Bid.status == BidStatus.SUBMITTED)
            .order_by(Bid.vendor_id)
        )
    )


def committed_district_ids(rfp_id: int) -> list[int]:
    """Districts that confirmed a need on the RFP."""
    return list(
        db.session.scalars(
            sa.select(Need.district_id)
            .join(RfpLineNeed, RfpLineNeed.need_id == Need.id)
            .join(RfpLine, RfpLineNeed.rfp_line_id == RfpLine.id)
            .where(RfpLine.rfp_id == rfp_id, RfpLineNeed.commitment == CommitmentStatus.CONFIRMED)
            .distinct()
            .order_by(Need.district_id)
        )
    )


@dataclass(frozen=True)
class AwardLine:
    """One award of a round as the notice states it: what a vendor supplies to a district on a line."""

    line_no: int
    item_code: str
    item_name: str
    district: str
    vendor_id: int
    vendor: str
    quantity: int
    unit_price: Decimal
    cost_cents: int

    @classmethod
    def of(cls, award: Award, district: str) -> AwardLine:
        return cls(
            award.rfp_line.line_no,
            award.rfp_line.item.code,
            award.rfp_line.item.name,
            district,
            award.vendor_id,
            award.vendor.name,
            award.quantity,
            award.unit_price,
            award.cost_cents,
        )


def award_lines(round_id: int, *, vendor_id: int | None = None, district_id: int | None = None) -> list[AwardLine]:
    """The round's awards (one vendor's or one district's), by line, district and vendor."""
    statement = (
        sa.select(Award)
        .where(Award.award_round_id == round_id)
        .options(
            joinedload(Award.rfp_line).joinedload(RfpLine.item), joinedload(Award.district), joinedload(Award.vendor)
        )
    )
    if vendor_id is not None:
        statement = statement.where(Award.vendor_id == vendor_id)
    if district_id is not None:
        statement = statement.where(Award.district_id == district_id)
    lines = [AwardLine.of(award, award.district.name) for award in db.session.scalars(statement)]
    return sorted(lines, key=lambda line: (line.line_no, line.district, line.vendor))


def bidder_award_lines(award_round: AwardRound, vendor_id: int) -> list[AwardLine]:
    """The round's awards as a bidder reads them on its notice of intent: districts as the public notice names
    them (:mod:`coop.awards.naming`), except on the bidder's own awards, which name their districts (it supplies
    them, and its purchase orders name them)."""
    return [
        AwardLine.of(award, award.district.name if award.vendor_id == vendor_id else district)
        for award, district in naming.public_awards(award_round)
    ]


@dataclass(frozen=True)
class VendorAward:
    notice: AwardNotice
    lines: list[AwardLine]
    contract: Contract | None

    @property
    def total_cents(self) -> int:
        return sum(line.cost_cents for line in self.lines)


def vendor_awards(vendor_id: int) -> list[VendorAward]:
    """The notices (in their protest period, or final) that award the vendor something, newest first."""
    notices_ = db.session.scalars(
        sa.select(AwardNotice)
        .where(
            AwardNotice.status.in_(LIVE_NOTICE_STATUSES),
            AwardNotice.award_round_id.in_(sa.select(Award.award_round_id).where(Award.vendor_id == vendor_id)),
        )
        .options(joinedload(AwardNotice.rfp))
        .order_by(AwardNotice.published_at.desc(), AwardNotice.id.desc())
    ).all()
    contracts = {
        contract.notice_id: contract
        for contract in db.session.scalars(sa.select(Contract).where(Contract.vendor_id == vendor_id))
    }
    return [
        VendorAward(notice_, award_lines(notice_.award_round_id, vendor_id=vendor_id), contracts.get(notice_.id))
        for notice_ in notices_
    ]


def bidder_notices(vendor_id: int) -> list[AwardNotice]:
    """Notices in their protest period on RFPs the vendor bid on: those it may protest."""
    return list(
        db.session.scalars(
            sa.select(AwardNotice)
            .where(
                AwardNotice.status == NoticeStatus.PROTEST_PERIOD,
                AwardNotice.rfp_id.in_(
                    sa.select(Bid.rfp_id).where(Bid.vendor_id == vendor_id, Bid.status == BidStatus.SUBMITTED)
                ),
            )
            .options(joinedload(AwardNotice.rfp))
            .order_by(AwardNotice.protest_ends_at)
        )
    )


# --- purchase orders ---------------------------------------------------------------------------------------------------


def _orders():
    return (
        sa.select(PurchaseOrder)
        .join(PurchaseOrder.contract)
        .options(
            joinedload(PurchaseOrder.contract).joinedload(Contract.vendor),
            joinedload(PurchaseOrder.contract).joinedload(Contract.notice).joinedload(AwardNotice.rfp),
            joinedload(PurchaseOrder.district),
            selectinload(PurchaseOrder.lines),
        )
    )


def purchase_orders(*, district_id: int | None = None, vendor_id: int | None = None) -> list[PurchaseOrder]:
    """Purchase orders to a district, from a vendor, or (neither given) all of them; newest first."""
    statement = _orders()
    if district_id is not None:
        statement = statement.where(PurchaseOrder.district_id == district_id)
    if vendor_id is not None:
        statement = statement.where(Contract.vendor_id == vendor_id)
    return list(db.session.scalars(statement.order_by(PurchaseOrder.issued_at.desc(), PurchaseOrder.number)))


def purchase_order(number: str) -> PurchaseOrder | None:
    return db.session.scalar(_orders().where(PurchaseOrder.number == number))


def orders_of_notice(notice_id: int) -> list[PurchaseOrder]:
    return list(db.session.scalars(_orders().where(Contract.notice_id == notice_id).order_by(PurchaseOrder.number)))


@dataclass(frozen=True)
class Outcome:
    """What became of a district's committed line: the notice's state, and the orders that buy it once final."""

    notice: AwardNotice
    orders: list[PurchaseOrder]


def commitment_outcome(link: RfpLineNeed) -> Outcome | None:
    """The outcome of a district's need on an RFP line: ``None`` while no notice of intent is published."""
    line = link.line
    found = live_notice(line.rfp_id)
    if found is None:
        return None
    orders = db.session.scalars(
        _orders()
        .where(
            Contract.notice_id == found.id,
            PurchaseOrder.district_id == link.need.district_id,
            PurchaseOrder.id.in_(
                sa.select(PurchaseOrderLine.purchase_order_id).where(PurchaseOrderLine.rfp_line_id == line.id)
            ),
        )
        .order_by(PurchaseOrder.number)
    ).all()
    return Outcome(found, list(orders))


def district_names(district_ids: list[int]) -> dict[int, str]:
    return dict(
        db.session.execute(
            sa.select(District.organisation_id, District.name).where(District.organisation_id.in_(district_ids))
        ).all()
    )


def vendor_names(vendor_ids: list[int]) -> dict[int, str]:
    return dict(
        db.session.execute(
            sa.select(Vendor.organisation_id, Vendor.name).where(Vendor.organisation_id.in_(vendor_ids))
        ).all()
    )
