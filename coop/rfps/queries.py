"""Read-only selects about RFPs: pooling proposals, the public board, a district's commitments.

Pooling rule (what :func:`propose_pools` proposes):

* one pool per catalogue category, because one RFP is written from one category template;
* within a category, one line per catalogue item: needs for the same item share the
  item's catalogue spec, so they are compatible by construction (spec notes are shown
  so that the administrator can drop a need whose notes ask for something else);
* needed-by window: the category's open needs are sorted by needed-by date; a pool
  starts at the earliest one and takes every need needed by within ``window_days``
  days of it (inclusive); the first need after that starts the next pool of the
  same category.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from coop import clock
from coop.catalogue.models import Category, Item
from coop.extensions import db
from coop.needs.models import Need
from coop.needs.queries import DemandFilter
from coop.orgs.models import District, Region
from coop.rfps.models import CommitmentStatus, Rfp, RfpDocument, RfpLine, RfpLineNeed, RfpStatus, VendorInterest
from coop.rfps.template_library import RfpTemplate, library
from coop.transactions import locked

DEFAULT_WINDOW_DAYS = 60
ERATE_MIN_DAYS = 28  # FCC: bids may not be due earlier than 28 days after the Form 470 is posted
MAX_WINDOW_DAYS = 365
RFPS_PER_PAGE = 50  # RFPs on one page of the administrator's list

# States a visitor may see on the public board; a cancelled RFP only if it had been published.
PUBLIC_STATUSES = (
    RfpStatus.OPEN,
    RfpStatus.CLOSED,
    RfpStatus.OPENED,
    RfpStatus.AWARDED,
    RfpStatus.COMPLETE,
    RfpStatus.CANCELLED,
)
# Where a need on a line still counts: not withdrawn by its district.
LIVE_COMMITMENTS = (CommitmentStatus.PROPOSED, CommitmentStatus.CONFIRMED)


def effective_status(rfp: Rfp, now: datetime) -> RfpStatus:
    """The RFP's status as of ``now``: an open RFP whose bid deadline has passed is closed, whatever the row says."""
    if rfp.status == RfpStatus.OPEN and rfp.bid_deadline is not None and now >= rfp.bid_deadline:
        return RfpStatus.CLOSED
    return rfp.status


def status_sql(now: datetime) -> sa.ColumnElement[str]:
    """:func:`effective_status` in SQL, as the status's value: lists, tabs and counts say what the rows say."""
    return sa.case(
        (sa.and_(Rfp.status == RfpStatus.OPEN, Rfp.bid_deadline <= now), RfpStatus.CLOSED.value),
        else_=sa.cast(Rfp.status, sa.String),
    )


def is_public(rfp: Rfp) -> bool:
    """Whether the public board shows this RFP."""
    return rfp.status in PUBLIC_STATUSES and rfp.published_at is not None


def template_for(rfp: Rfp) -> RfpTemplate | None:
    return library().get(rfp.template_key)


def criteria(rfp: Rfp) -> list[dict]:
    """The RFP's evaluation criteria as set with it: ``{"key", "label", "weight"}`` each, ``price`` among them."""
    return [dict(criterion) for criterion in (rfp.terms or {}).get("criteria", [])]


def minimum_score(rfp: Rfp) -> int:
    """The RFP's minimum non-price score (0 to 100): as set with it, else its template's, else 0."""
    evaluation = (rfp.terms or {}).get("evaluation") or {}
    if isinstance(evaluation.get("minimum_score"), int):
        return evaluation["minimum_score"]
    template = template_for(rfp)
    return template.minimum_score if template is not None else 0


def template_for_category(slug: str) -> RfpTemplate | None:
    """The template serving a catalogue category (its ``category`` is the category's slug), if any."""
    return next((template for template in library().values() if template.category == slug), None)


# --- pooling ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PoolNeed:
    need_id: int
    district_id: int
    district: str
    region: str
    quantity: int
    needed_by: date
    erate_eligible: bool
    spec_notes: str


@dataclass
class PoolLine:
    item_id: int
    code: str
    name: str
    unit: str
    needs: list[PoolNeed] = field(default_factory=list)

    @property
    def total_quantity(self) -> int:
        return sum(need.quantity for need in self.needs)

    @property
    def districts(self) -> list[str]:
        return sorted({need.district for need in self.needs})


@dataclass
class PoolProposal:
    category_id: int
    category_slug: str
    category_name: str
    template_key: str | None
    window_start: date
    window_end: date
    lines: list[PoolLine] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.category_id}-{self.window_start.isoformat()}"

    @property
    def needs(self) -> list[PoolNeed]:
        return [need for line in self.lines for need in line.needs]

    @property
    def need_ids(self) -> list[int]:
        return [need.need_id for need in self.needs]

    @property
    def total_quantity(self) -> int:
        return sum(line.total_quantity for line in self.lines)

    @property
    def district_count(self) -> int:
        return len({need.district_id for need in self.needs})

    @property
    def erate_eligible(self) -> bool:
        return any(need.erate_eligible for need in self.needs)


def propose_pools(
    filters: DemandFilter = DemandFilter(), *, window_days: int = DEFAULT_WINDOW_DAYS
) -> list[PoolProposal]:
    """Pools of compatible open needs matching ``filters``, by category, item and needed-by window (see module doc)."""
    rows = db.session.execute(
        sa.select(
            Category.id,
            Category.slug,
            Category.name,
            Item.id,
            Item.code,
            Item.name,
            Item.unit,
            Need.id,
            District.organisation_id,
            District.name,
            Region.name,
            Need.quantity,
            Need.needed_by,
            Need.erate_eligible,
            Need.spec_notes,
        )
        .select_from(Need)
        .join(Item, Need.item_id == Item.id)
        .join(Category, Item.category_id == Category.id)
        .join(District, Need.district_id == District.organisation_id)
        .join(Region, District.region_id == Region.id)
        .where(*filters.conditions())
        .order_by(Category.name, Need.needed_by, Item.code, District.name, Need.id)
    ).all()
    by_category: dict[int, list] = defaultdict(list)
    for row in rows:
        by_category[row[0]].append(row)
    proposals = []
    for category_rows in by_category.values():
        category_id, slug, category_name = category_rows[0][:3]
        template = template_for_category(slug)
        proposal = None
        for row in category_rows:
            needed_by = row[12]
            # Days apart, not window_start + window_days: that sum overflows near date.max, which the column holds.
            if proposal is None or (needed_by - proposal.window_start).days > window_days:
                proposal = PoolProposal(
                    category_id, slug, category_name, template.key if template else None, needed_by, needed_by
                )
                proposals.append(proposal)
            proposal.window_end = needed_by
            line = next((line for line in proposal.lines if line.item_id == row[3]), None)
            if line is None:
                line = PoolLine(row[3], row[4], row[5], row[6])
                proposal.lines.append(line)
            line.needs.append(PoolNeed(row[7], row[8], row[9], row[10], row[11], needed_by, row[13], row[14] or ""))
    for proposal in proposals:
        proposal.lines.sort(key=lambda line: line.code)
    return proposals


# --- one RFP -------------------------------------------------------------------------------------------------------


def _rfp_options():
    return (
        joinedload(Rfp.category),
        selectinload(Rfp.lines).joinedload(RfpLine.item),
        selectinload(Rfp.lines)
        .selectinload(RfpLine.pooled_needs)
        .joinedload(RfpLineNeed.need)
        .joinedload(Need.district),
    )


def rfp(rfp_id: int) -> Rfp | None:
    return db.session.scalar(sa.select(Rfp).where(Rfp.id == rfp_id).options(*_rfp_options()))


def rfp_or_404(rfp_id: int) -> Rfp:
    """For views: :func:`rfp`, or ``LookupError`` when there is no such RFP (the application answers it 404)."""
    found = rfp(rfp_id)
    if found is None:
        raise LookupError(rfp_id)
    return found


def rfp_by_reference(reference: str) -> Rfp | None:
    return db.session.scalar(sa.select(Rfp).where(Rfp.reference == reference).options(*_rfp_options()))


def _rfps_query(now: datetime, status: RfpStatus | None) -> sa.Select:
    query = sa.select(Rfp).options(joinedload(Rfp.category), selectinload(Rfp.lines))
    if status is not None:
        query = query.where(status_sql(now) == status.value)
    return query.order_by(Rfp.created_at.desc(), Rfp.id.desc())


def rfps(*, now: datetime, status: RfpStatus | None = None) -> list[Rfp]:
    """Every RFP (or those whose status as of ``now`` is ``status``), newest first, for the administrator."""
    return list(db.session.scalars(_rfps_query(now, status)))


def rfps_page(*, now: datetime, status: RfpStatus | None = None, page: int = 1, per_page: int | None = None):
    """One page (a Flask-SQLAlchemy ``Pagination``) of :func:`rfps`, :data:`RFPS_PER_PAGE` at a time unless
    ``per_page`` says otherwise: the administrator's list of RFPs."""
    return db.paginate(
        _rfps_query(now, status), page=page, per_page=per_page or RFPS_PER_PAGE, error_out=False, count=True
    )


def status_counts(now: datetime) -> dict[RfpStatus, int]:
    """How many RFPs are in each status as of ``now`` (an open RFP past its deadline counts as closed)."""
    status = status_sql(now)
    return {
        RfpStatus(value): count
        for value, count in db.session.execute(sa.select(status, sa.func.count()).group_by(status))
    }


def past_deadline(now: datetime) -> list[Rfp]:
    """Open RFPs whose bid deadline has passed, their rows locked: to be recorded as closed."""
    return list(
        db.session.scalars(
            sa.select(Rfp)
            .where(Rfp.status == RfpStatus.OPEN, Rfp.bid_deadline <= now)
            .order_by(Rfp.id)
            .with_for_update()
        )
    )


def public_rfp(reference: str) -> Rfp | None:
    """The RFP with this reference, if the public may read it."""
    rfp = rfp_by_reference(reference)
    return rfp if rfp is not None and is_public(rfp) else None


def lock_public_rfp(reference: str) -> Rfp:
    """The RFP the public may read, reloaded with its row locked ``FOR SHARE`` until the transaction ends, so that
    its status and deadline cannot change meanwhile (addenda and the opening lock it ``FOR UPDATE``): the one lock
    of bids and questions. ``LookupError`` when the public may not read it."""
    rfp = public_rfp(reference)
    if rfp is None:
        raise LookupError(reference)
    return locked(Rfp, rfp.id, read=True)


def public_rfps() -> list[Rfp]:
    """RFPs on the public board: open ones first by bid deadline, then the rest, newest published first."""
    order = sa.case({RfpStatus.OPEN.value: 0}, value=status_sql(clock.utcnow()), else_=1)
    return list(
        db.session.scalars(
            sa.select(Rfp)
            .where(Rfp.status.in_(PUBLIC_STATUSES), Rfp.published_at.is_not(None))
            .options(joinedload(Rfp.category), selectinload(Rfp.lines))
            .order_by(order, Rfp.bid_deadline, Rfp.published_at.desc(), Rfp.id.desc())
        )
    )


def live_links(line: RfpLine) -> list[RfpLineNeed]:
    return [link for link in line.pooled_needs if link.commitment in LIVE_COMMITMENTS]


def confirmed_links(line: RfpLine) -> list[RfpLineNeed]:
    return [link for link in line.pooled_needs if link.commitment == CommitmentStatus.CONFIRMED]


def proposed_quantity(line: RfpLine) -> int:
    """What the line would pool if every district still in it confirmed."""
    return sum(link.quantity for link in live_links(line))


def district_count(rfp: Rfp) -> int:
    """Districts behind the RFP: those confirmed once it is published, those not withdrawn before."""
    links = confirmed_links if rfp.published_at is not None else live_links
    return len({link.need.district_id for line in rfp.lines for link in links(line)})


def named_districts(line: RfpLine) -> list[str]:
    """Districts confirmed on the line that agreed to be named publicly."""
    return sorted({link.need.district.name for link in confirmed_links(line) if link.named_publicly})


def document(rfp_id: int, version: int | None = None) -> RfpDocument | None:
    """A stored version of the RFP's document; the latest one without ``version``."""
    query = sa.select(RfpDocument).where(RfpDocument.rfp_id == rfp_id)
    if version is not None:
        return db.session.scalar(query.where(RfpDocument.version == version))
    return db.session.scalar(query.order_by(RfpDocument.version.desc()).limit(1))


def document_versions(rfp_id: int) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(RfpDocument.version).where(RfpDocument.rfp_id == rfp_id).order_by(RfpDocument.version)
        )
    )


# --- a district's commitments -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Commitment:
    link: RfpLineNeed
    line: RfpLine
    rfp: Rfp

    @property
    def is_open(self) -> bool:
        return self.rfp.status == RfpStatus.COMMITTING


def commitments(district_id: int, *, need_id: int | None = None) -> list[Commitment]:
    """The RFP lines that pool the district's needs (or its one need), on RFPs past the draft stage, the open
    windows first."""
    statement = sa.select(RfpLineNeed).join(RfpLineNeed.need).join(RfpLineNeed.line).join(RfpLine.rfp)
    if need_id is not None:
        statement = statement.where(RfpLineNeed.need_id == need_id)
    links = db.session.scalars(
        statement.where(Need.district_id == district_id, Rfp.status != RfpStatus.DRAFT)
        .options(
            joinedload(RfpLineNeed.need).joinedload(Need.item),
            joinedload(RfpLineNeed.line).joinedload(RfpLine.rfp).joinedload(Rfp.category),
        )
        .order_by(
            sa.case({RfpStatus.COMMITTING.value: 0}, value=sa.cast(Rfp.status, sa.String), else_=1),
            Rfp.commitment_deadline,
            Rfp.id,
            RfpLine.line_no,
            RfpLineNeed.id,
        )
    ).all()
    return [Commitment(link, link.line, link.line.rfp) for link in links]


def interested_vendor_ids(rfp_id: int) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(VendorInterest.vendor_id)
            .where(VendorInterest.rfp_id == rfp_id)
            .order_by(VendorInterest.vendor_id)
        )
    )


def vendor_recipients(vendor_ids: list[int]) -> dict[int, list[str]]:
    """Where to e-mail each vendor: its active representatives, or its contact address when it has none."""
    from coop.accounts.models import Membership, User
    from coop.orgs.models import Vendor
    from coop.roles import Role

    if not vendor_ids:
        return {}
    recipients: dict[int, list[str]] = {vendor_id: [] for vendor_id in vendor_ids}
    rows = db.session.execute(
        sa.select(Membership.organisation_id, User.email)
        .join(User, Membership.user_id == User.id)
        .where(Membership.organisation_id.in_(vendor_ids), Membership.role == Role.VENDOR_REP, User.active.is_(True))
        .order_by(Membership.organisation_id, User.email)
    )
    for vendor_id, email in rows:
        recipients[vendor_id].append(email)
    for vendor_id, contact in db.session.execute(
        sa.select(Vendor.organisation_id, Vendor.contact_email).where(Vendor.organisation_id.in_(vendor_ids))
    ):
        if not recipients[vendor_id] and contact:
            recipients[vendor_id].append(contact)
    return recipients


def follower_recipients(rfp_id: int, *, bidders_told=frozenset()) -> dict[int, list[str]]:
    """Where to e-mail the vendors that follow the RFP, and ``bidders_told``: vendors that must hear of a message
    because it changed their own bid (an addendum returned it to draft), whether or not they follow."""
    return vendor_recipients(sorted(set(interested_vendor_ids(rfp_id)) | set(bidders_told)))


def vendors_selling(category_id: int, region_ids: set[int]) -> dict[int, list[str]]:
    """The approved vendors that sell the category in one of these regions: their representatives' addresses."""
    from coop.accounts.models import Membership, User
    from coop.orgs.models import OrganisationStatus, Vendor, vendor_category, vendor_region
    from coop.roles import Role

    emails: dict[int, list[str]] = defaultdict(list)
    for vendor_id, email in db.session.execute(
        sa.select(Vendor.organisation_id, User.email)
        .distinct()
        .join(vendor_category, vendor_category.c.vendor_id == Vendor.organisation_id)
        .join(vendor_region, vendor_region.c.vendor_id == Vendor.organisation_id)
        .join(Membership, Membership.organisation_id == Vendor.organisation_id)
        .join(User, Membership.user_id == User.id)
        .where(
            vendor_category.c.category_id == category_id,
            vendor_region.c.region_id.in_(region_ids),
            Vendor.status == OrganisationStatus.APPROVED,
            Membership.role == Role.VENDOR_REP,
            User.active.is_(True),
        )
        .order_by(User.email)
    ):
        emails[vendor_id].append(email)
    return dict(emails)


def district_buyer_emails(district_ids: set[int]) -> dict[int, list[str]]:
    """Where to write to each district: its buyers' addresses, or its contact address when it has no buyer."""
    from coop.accounts.models import Membership, User
    from coop.roles import Role

    emails: dict[int, list[str]] = defaultdict(list)
    for organisation_id, email in db.session.execute(
        sa.select(Membership.organisation_id, User.email)
        .join(User, Membership.user_id == User.id)
        .where(
            Membership.organisation_id.in_(district_ids), Membership.role == Role.DISTRICT_BUYER, User.active.is_(True)
        )
        .order_by(User.email)
    ):
        emails[organisation_id].append(email)
    for district in db.session.scalars(sa.select(District).where(District.organisation_id.in_(district_ids))):
        if not emails[district.id] and district.contact_email:
            emails[district.id].append(district.contact_email)
    return dict(emails)


def publicly_named_district_ids(rfp_id: int) -> set[int]:
    """The districts that agreed to be named publicly on every line of the RFP they committed to."""
    rows = db.session.execute(
        sa.select(Need.district_id, RfpLineNeed.named_publicly)
        .join(RfpLineNeed.need)
        .join(RfpLineNeed.line)
        .where(RfpLine.rfp_id == rfp_id, RfpLineNeed.commitment == CommitmentStatus.CONFIRMED)
    )
    agreed: dict[int, bool] = {}
    for district_id, named in rows:
        agreed[district_id] = agreed.get(district_id, True) and named
    return {district_id for district_id, named in agreed.items() if named}
