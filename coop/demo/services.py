"""Loading the demo cooperative into an empty database, in one transaction."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from coop import clock
from coop.accounts.models import Membership, User
from coop.accounts.passwords import hash_password
from coop.audit import services as audit
from coop.catalogue.models import Category, Item
from coop.demo import DEMO_LOGINS, DEMO_PASSWORD, data
from coop.demo.awards import load_award
from coop.demo.bids import load_bids
from coop.demo.billing import load_billing
from coop.demo.evaluation import load_scores
from coop.demo.rfps import load_rfps
from coop.extensions import db
from coop.needs import services as needs
from coop.needs.models import Need, NeedStatus
from coop.orgs.models import District, Organisation, OrganisationKind, OrganisationStatus, Region, Vendor
from coop.rfps.queries import effective_status
from coop.roles import Role
from coop.transactions import single_transaction


class DatabaseNotEmpty(RuntimeError):
    """The demo loads only into a database without organisations, so that it never mixes with real data."""

    def __init__(self, organisations: int):
        super().__init__(f"The database already has {organisations} organisation{'s' if organisations != 1 else ''}.")
        self.organisations = organisations


@dataclass(frozen=True)
class DemoSummary:
    cooperative: str
    regions: int
    districts: int
    pending_districts: int
    vendors: int
    pending_vendors: int
    categories: int
    items: int
    open_needs: int
    rfps: tuple[tuple[str, str, str], ...]  # (reference, status, title)
    password: str
    headline_logins: tuple[tuple[str, str, str], ...]
    other_logins: tuple[tuple[str, str, str], ...]  # (role, e-mail, organisation) of every other demo user


def organisation_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) or 0


def load_demo(today: date | None = None) -> DemoSummary:
    """Create the demo cooperative and commit it once: everything or nothing.

    ``today`` (default: the clock's) anchors the needed-by dates.

    Raises
    ------
    DatabaseNotEmpty
        When any organisation exists already; nothing is changed.
    """
    existing = organisation_count()
    if existing:
        raise DatabaseNotEmpty(existing)
    # The RFPs are built by the real services, which commit: one transaction around them all.
    with single_transaction(keep=True):
        summary = _load(today or clock.today())
    return summary


def _load(today: date) -> DemoSummary:
    password_hash = _demo_password_hash()
    now = clock.utcnow()

    regions = {region.code: _region(region) for region in data.REGIONS}
    items = _catalogue()

    cooperative = Organisation(
        kind=OrganisationKind.COOPERATIVE,
        name=data.COOPERATIVE_NAME,
        status=OrganisationStatus.APPROVED,
        approved_at=now,
        contact_name=data.ADMIN.name,
        contact_email=data.ADMIN.email,
        contact_phone=data.ADMIN.phone,
    )
    admin = _user(data.ADMIN.email, data.ADMIN.name, password_hash, cooperative, Role.COOP_ADMIN)

    signed_up: list[tuple[Organisation, User]] = []
    buyers: dict[str, User] = {}
    districts: dict[str, District] = {}
    for row in data.DISTRICTS:
        district = District(
            name=row.name,
            state=data.STATE,
            region=regions[row.region],
            enrollment=row.enrollment,
            nces_id=row.nces_id,
            contact_name=row.buyer,
            contact_email=row.buyer_email,
            contact_phone=row.phone,
        )
        buyer = _user(row.buyer_email, row.buyer, password_hash, district, Role.DISTRICT_BUYER)
        signed_up.append((district, buyer))
        buyers[row.slug], districts[row.slug] = buyer, district
    for row in data.VENDORS:
        vendor = Vendor(
            name=row.name,
            website=row.website,
            regions=[regions[code] for code in row.regions],
            contact_name=row.rep,
            contact_email=row.rep_email,
            contact_phone=row.phone,
        )
        signed_up.append((vendor, _user(row.rep_email, row.rep, password_hash, vendor, Role.VENDOR_REP)))
    db.session.flush()

    # The events the sign-up, approval and need services would have recorded.
    approved = {row.name for row in (*data.DISTRICTS, *data.VENDORS) if row.approved}
    for organisation, user in signed_up:
        audit.record(
            "organisation.signed_up",
            entity_type="organisation",
            entity_id=organisation.id,
            actor_user_id=user.id,
            after={
                "kind": organisation.kind.value,
                "name": organisation.name,
                "status": OrganisationStatus.PENDING.value,
            },
        )
    for organisation, _ in signed_up:
        if organisation.name in approved:
            organisation.status, organisation.approved_at = OrganisationStatus.APPROVED, now
            audit.record(
                "organisation.approved",
                entity_type="organisation",
                entity_id=organisation.id,
                actor_user_id=admin.id,
                before={"status": OrganisationStatus.PENDING.value},
                after={"status": OrganisationStatus.APPROVED.value},
            )

    planned = data.plan_needs(today)
    for row in planned:
        need = Need(
            district=districts[row.district],
            item=items[row.item],
            quantity=row.quantity,
            needed_by=row.needed_by,
            budget_cap_cents=row.budget_cap_cents,
            erate_eligible=row.erate_eligible,
            spec_notes=row.spec_notes,
            status=NeedStatus.OPEN,
            created_by=buyers[row.district],
        )
        db.session.add(need)
        db.session.flush()
        audit.record(
            "need.posted",
            entity_type="need",
            entity_id=need.id,
            actor_user_id=need.created_by.id,
            after=needs.snapshot(need),
        )

    reps = {user.email: user for organisation, user in signed_up if isinstance(organisation, Vendor)}
    demo_rfps = load_rfps(
        admin,
        {district.id: buyers[slug] for slug, district in districts.items()},
        reps[data.HEADLINE_VENDOR_EMAIL],
        now.date(),
    )
    load_bids(demo_rfps, reps, admin, now.date())
    load_scores(demo_rfps, admin, now.date())
    load_billing(admin, now)
    # After the billing: the award's fees are invoiced by the fee schedule the billing loads.
    load_award(demo_rfps, admin, reps[data.HEADLINE_VENDOR_EMAIL], now.date())

    headline = {email for _, email, _ in DEMO_LOGINS}
    others = tuple(
        [
            ("district buyer" + ("" if row.approved else " (pending)"), row.buyer_email, row.name)
            for row in data.DISTRICTS
            if row.buyer_email not in headline
        ]
        + [
            ("vendor rep" + ("" if row.approved else " (pending)"), row.rep_email, row.name)
            for row in data.VENDORS
            if row.rep_email not in headline
        ]
    )
    return DemoSummary(
        cooperative=data.COOPERATIVE_NAME,
        regions=len(regions),
        districts=sum(row.approved for row in data.DISTRICTS),
        pending_districts=sum(not row.approved for row in data.DISTRICTS),
        vendors=sum(row.approved for row in data.VENDORS),
        pending_vendors=sum(not row.approved for row in data.VENDORS),
        categories=len(data.CATALOGUE),
        items=len(items),
        open_needs=db.session.scalar(
            sa.select(sa.func.count()).select_from(Need).where(Need.status == NeedStatus.OPEN)
        ),
        # As the board shows them: an RFP whose bid deadline has passed is closed.
        rfps=tuple((rfp.reference, effective_status(rfp, now).value, rfp.title) for rfp in demo_rfps),
        password=DEMO_PASSWORD,
        headline_logins=DEMO_LOGINS,
        other_logins=others,
    )


@functools.cache
def _demo_password_hash() -> str:
    # argon2 is slow by design: one hash serves every demo user (and every load in one process).
    return hash_password(DEMO_PASSWORD)


def _region(row: data.RegionData) -> Region:
    # A region or catalogue row already there (maintained before any organisation signed up) is reused.
    region = db.session.scalar(sa.select(Region).where(Region.code == row.code))
    if region is None:
        region = Region(code=row.code, name=row.name)
        db.session.add(region)
    return region


def _catalogue() -> dict[str, Item]:
    items: dict[str, Item] = {}
    for category_row in data.CATALOGUE:
        category = db.session.scalar(sa.select(Category).where(Category.slug == category_row.slug))
        if category is None:
            category = Category(slug=category_row.slug, name=category_row.name, description=category_row.description)
            db.session.add(category)
        for row in category_row.items:
            item = db.session.scalar(sa.select(Item).where(Item.code == row.code))
            if item is None:
                item = Item(code=row.code, name=row.name, unit=row.unit, spec=dict(row.spec), category=category)
                db.session.add(item)
            items[row.code] = item
    return items


def _user(email: str, name: str, password_hash: str, organisation: Organisation, role: Role) -> User:
    user = User(email=email, name=name, password_hash=password_hash)
    user.memberships.append(Membership(organisation=organisation, role=role))
    db.session.add_all([organisation, user])
    return user
