"""Read-only questions about the app as a whole."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from coop.bids import queries as bid_queries
from coop.bids import services as bid_services
from coop.bids.models import Bid, BidStatus
from coop.clarifications import queries as clarification_queries
from coop.clarifications.models import Question, QuestionStatus
from coop.extensions import db
from coop.needs import queries as need_queries
from coop.needs.models import Need
from coop.notifications import queries as notification_queries
from coop.orgs import queries as org_queries
from coop.orgs.models import Organisation, OrganisationStatus, Vendor
from coop.rfps import queries as rfp_queries
from coop.rfps.models import CommitmentStatus, Rfp, RfpStatus

# A child of the application's logger ("coop"): its records go where the app's go, without importing Flask here.
log = logging.getLogger(__name__)


def database_answers() -> bool:
    """Whether the database answers a query now."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.DBAPIError as error:
        db.session.rollback()
        log.error("health check: the database does not answer: %s", error.orig)
        return False
    return True


# --- dashboards: what needs each role's attention, each item with where it is handled ----------------------------------


@dataclass(frozen=True)
class RfpTakingPart:
    """An RFP a district has needs on, with what it decided."""

    rfp: Rfp
    status: RfpStatus
    confirmed_lines: int
    awaiting_decision: int


@dataclass(frozen=True)
class BuyerDashboard:
    to_confirm: list[rfp_queries.Commitment]  # lines waiting for the district's decision, soonest deadline first
    rfps: list[RfpTakingPart]
    open_needs: list[Need]


def buyer_dashboard(district_id: int, now: datetime) -> BuyerDashboard:
    entries = rfp_queries.commitments(district_id)
    to_confirm = [
        entry
        for entry in entries
        if entry.is_open and now < entry.rfp.commitment_deadline and entry.link.commitment == CommitmentStatus.PROPOSED
    ]
    by_rfp: dict[int, list[rfp_queries.Commitment]] = {}
    for entry in entries:
        by_rfp.setdefault(entry.rfp.id, []).append(entry)
    rfps = [
        RfpTakingPart(
            group[0].rfp,
            rfp_queries.effective_status(group[0].rfp, now),
            sum(entry.link.commitment == CommitmentStatus.CONFIRMED for entry in group),
            sum(entry in to_confirm for entry in group),
        )
        for group in by_rfp.values()
    ]
    return BuyerDashboard(
        sorted(to_confirm, key=lambda entry: entry.rfp.commitment_deadline), rfps, need_queries.open_needs(district_id)
    )


@dataclass(frozen=True)
class OpenRfp:
    rfp: Rfp
    bid: Bid | None


@dataclass(frozen=True)
class BidToWatch:
    bid: Bid
    rfp_status: RfpStatus
    state: str  # what the vendor reads: submitted, draft, returned to draft by an addendum, ...
    needs_action: bool


@dataclass(frozen=True)
class VendorDashboard:
    open_rfps: list[OpenRfp]  # in the vendor's regions and categories (all, when it chose none), with its bids
    bids: list[BidToWatch]
    answered: list[Question]


def _regions_of(rfp: Rfp) -> set[int]:
    return {link.need.district.region_id for line in rfp.lines for link in rfp_queries.confirmed_links(line)}


def _serves(served: set[int], wanted: set[int]) -> bool:
    # A vendor that names no region, or an RFP whose districts' regions are unknown, is not filtered out.
    return not served or not wanted or bool(served & wanted)


def vendor_dashboard(vendor: Vendor, now: datetime) -> VendorDashboard:
    bids = bid_queries.vendor_bids(vendor.id)
    by_rfp = {bid.rfp_id: bid for bid in bids}
    served = {region.id for region in vendor.regions}
    sold = {category.id for category in vendor.categories}
    open_rfps = [
        OpenRfp(rfp, by_rfp.get(rfp.id))
        for rfp in rfp_queries.public_rfps()
        if rfp_queries.effective_status(rfp, now) == RfpStatus.OPEN
        and _serves(served, _regions_of(rfp))
        and (not sold or rfp.category_id in sold or rfp.id in by_rfp)
    ]
    returned = bid_queries.returned_by_addendum([bid.id for bid in bids])
    watched = []
    for bid in bids:
        status = rfp_queries.effective_status(bid.rfp, now)
        if status not in (RfpStatus.OPEN, RfpStatus.CLOSED, RfpStatus.OPENED):
            continue
        can_change = status == RfpStatus.OPEN
        if bid.status == BidStatus.SUBMITTED and bid_services.has_unsubmitted_changes(bid):
            state, action = "submitted; later changes not submitted", can_change
        elif bid.status == BidStatus.SUBMITTED:
            state, action = "submitted", False
        elif bid.id in returned:
            state, action = "returned to draft by an addendum: submit it again", can_change
        elif bid.status == BidStatus.DRAFT:
            state, action = "draft, not submitted", can_change
        else:
            state, action = "withdrawn", False
        watched.append(BidToWatch(bid, status, state, action))
    answered = [
        question
        for question in clarification_queries.vendor_questions(vendor.id)
        if question.status == QuestionStatus.ANSWERED
    ][:10]
    return VendorDashboard(open_rfps, watched, answered)


@dataclass(frozen=True)
class AdminDashboard:
    pending_organisations: list[Organisation]
    questions_waiting: list[clarification_queries.RfpQuestions]
    awaiting_opening: list[Rfp]
    windows_closing: list[Rfp]  # commitment windows open now, closing soonest first
    awaiting_publication: list[Rfp]  # commitment windows closed
    opened: list[Rfp]  # bids opened: the next step is an award round
    failed_emails: int


def admin_dashboard(now: datetime) -> AdminDashboard:
    committing = sorted(rfp_queries.rfps(now=now, status=RfpStatus.COMMITTING), key=lambda rfp: rfp.commitment_deadline)
    return AdminDashboard(
        pending_organisations=org_queries.organisations(status=OrganisationStatus.PENDING),
        questions_waiting=[row for row in clarification_queries.rfps_for_admin() if row.pending],
        # Only that the deadline passed: nothing about the bids before the opening, not even how many.
        awaiting_opening=sorted(rfp_queries.rfps(now=now, status=RfpStatus.CLOSED), key=lambda rfp: rfp.bid_deadline),
        windows_closing=[rfp for rfp in committing if now < rfp.commitment_deadline],
        awaiting_publication=[rfp for rfp in committing if now >= rfp.commitment_deadline],
        opened=rfp_queries.rfps(now=now, status=RfpStatus.OPENED),
        failed_emails=notification_queries.counts()["failed"],
    )
