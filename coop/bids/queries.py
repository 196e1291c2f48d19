"""Read-only selects about bids. Sealed: everything here about a bid's content is for its own vendor, or for after opening."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from coop import money
from coop.audit.models import AuditEvent
from coop.bids import rules
from coop.bids.models import Bid, BidAttachment, BidLine, BidStatus, PricingKind
from coop.extensions import db
from coop.orgs.models import Region
from coop.rfps import documents
from coop.rfps.models import Rfp, RfpLine


def line_rules(rfp: Rfp) -> list[rules.LineRules]:
    """What each of the RFP's lines asks a bid to answer, in line order."""
    return [
        rules.LineRules(line.id, tuple(key for key, _wording in documents.spec_requirements(rfp, line)))
        for line in sorted(rfp.lines, key=lambda line: line.line_no)
    ]


def requirements_by_line(rfp: Rfp) -> dict[int, list[tuple[str, str]]]:
    """``{rfp_line_id: [(spec key, requirement in words), ...]}``: the questions a bid answers for each line."""
    return {line.id: documents.spec_requirements(rfp, line) for line in rfp.lines}


def region_codes() -> list[str]:
    return list(db.session.scalars(sa.select(Region.code).order_by(Region.code)))


def regions() -> list[Region]:
    return list(db.session.scalars(sa.select(Region).order_by(Region.code)))


def _with_content(statement):
    return statement.options(
        selectinload(Bid.lines).selectinload(BidLine.tiers),
        selectinload(Bid.lines).selectinload(BidLine.regions),
        selectinload(Bid.lines).selectinload(BidLine.rfp_line).selectinload(RfpLine.item),
        selectinload(Bid.discount_brackets),
        selectinload(Bid.attachments),
    )


def own_bid(rfp_id: int, vendor_id: int) -> Bid | None:
    """The vendor's bid on the RFP, if it has one. Only for that vendor's own pages."""
    return db.session.scalar(_with_content(sa.select(Bid).where(Bid.rfp_id == rfp_id, Bid.vendor_id == vendor_id)))


def vendor_bids(vendor_id: int) -> list[Bid]:
    """Every bid of the vendor, newest RFP first."""
    return list(
        db.session.scalars(
            _with_content(
                sa.select(Bid)
                .join(Bid.rfp)
                .where(Bid.vendor_id == vendor_id)
                .order_by(Rfp.bid_deadline.desc(), Bid.id.desc())
                .options(selectinload(Bid.rfp))
            )
        )
    )


def returned_by_addendum(bid_ids: list[int]) -> set[int]:
    """Which of these bids are drafts because an addendum returned them (their last event says so). Only for the
    bids' own vendor: a bid's events are sealed until the opening."""
    if not bid_ids:
        return set()
    latest = (
        sa.select(sa.func.max(AuditEvent.id).label("id"))
        .where(AuditEvent.entity_type == "bid", AuditEvent.entity_id.in_(bid_ids))
        .group_by(AuditEvent.entity_id)
        .subquery()
    )
    return set(
        db.session.scalars(
            sa.select(AuditEvent.entity_id)
            .join(latest, latest.c.id == AuditEvent.id)
            .where(AuditEvent.action == "bid.returned_to_draft")
        )
    )


def as_input(bid: Bid) -> rules.BidInput:
    """A stored bid as the text a vendor would type: to pre-fill the form and the bid sheet."""
    return rules.BidInput(
        lines=tuple(
            rules.LineInput(
                rfp_line_id=line.rfp_line_id,
                product=line.product,
                spec_compliance=dict(line.spec_compliance or {}),
                pricing_kind=line.pricing_kind.value,
                tiers=tuple(
                    rules.TierInput(str(tier.min_quantity), money.plain_dollars(tier.unit_price_cents))
                    for tier in line.tiers
                ),
                annual_cost_per_unit=money.plain_dollars(line.annual_cost_per_unit_cents),
                capacity="" if line.capacity is None else str(line.capacity),
                min_award_quantity=str(line.min_award_quantity),
                region_codes=tuple(region.code for region in line.regions),
            )
            for line in sorted(bid.lines, key=lambda line: line.rfp_line.line_no)
        ),
        discount_brackets=tuple(
            rules.BracketInput(money.plain_dollars(bracket.min_value_cents), f"{bracket.percent}")
            for bracket in bid.discount_brackets
        ),
    )


@dataclass(frozen=True)
class SubmittedVersion:
    """A bid's version in force, read from its record (``Bid.submitted_content``), never from its rows."""

    bid: Bid
    vendor_name: str  # as the vendor was named when it submitted
    lines: tuple[rules.Line, ...]  # in the RFP's line order
    discount_brackets: tuple[rules.Bracket, ...]
    attachments: tuple[tuple[str, str], ...] = ()  # (file name, SHA-256)

    def attachment_rows(self) -> list[BidAttachment]:
        """The stored attachments this version lists (one removed from a later draft included)."""
        listed = set(self.attachments)
        return [attachment for attachment in self.bid.attachments if (attachment.filename, attachment.sha256) in listed]


def version_of(bid: Bid, record: dict) -> SubmittedVersion:
    """A version of the bid read from a record in the form of ``services.content``: the submitted one
    (``Bid.submitted_content``), or the draft's content, for its own vendor."""
    return _submitted_version(bid, {line.line_no: line.id for line in bid.rfp.lines}, record)


def _submitted_version(bid: Bid, line_ids: dict[int, int], record: dict | None = None) -> SubmittedVersion:
    # The record is ``services.content`` at submission; RFP lines are named there by number, ids are the app's.
    record = bid.submitted_content if record is None else record
    lines = tuple(
        rules.Line(
            rfp_line_id=line_ids[line["line_no"]],
            product=line["product"],
            spec_compliance=dict(line["spec_compliance"]),
            pricing_kind=PricingKind(line["pricing"]),
            tiers=tuple(rules.Tier(min_quantity, unit_price_cents) for min_quantity, unit_price_cents in line["tiers"]),
            annual_cost_per_unit_cents=line["annual_cost_per_unit_cents"],
            capacity=line["capacity"],
            min_award_quantity=line["min_award_quantity"],
            region_codes=tuple(line["regions"]),
        )
        for line in sorted(record["lines"], key=lambda line: line["line_no"])
    )
    brackets = tuple(
        rules.Bracket(min_value_cents, Decimal(percent)) for min_value_cents, percent in record["discounts"]
    )
    attachments = tuple((filename, sha256) for filename, sha256 in record.get("attachments", ()))
    return SubmittedVersion(bid, record["vendor"], lines, brackets, attachments)


def submitted_versions(rfp: Rfp) -> list[SubmittedVersion]:
    """The version in force of every bid submitted on the RFP, as submitted. Sealed: only for after opening."""
    bids = db.session.scalars(
        sa.select(Bid).where(Bid.rfp_id == rfp.id, Bid.status == BidStatus.SUBMITTED).order_by(Bid.id)
    )
    line_ids = {line.line_no: line.id for line in rfp.lines}
    return [_submitted_version(bid, line_ids) for bid in bids]
