"""An opened RFP built through the app's services from a generated allocation problem, for benchmarks.

``python -m pricing generate`` describes a pooled purchase as the engine sees it; this module makes the same
purchase exist in the app: a region per generated region, a catalogue item per generated item, an approved
district (with a buyer) per generated district, its needs, one pooled RFP whose commitments are all confirmed,
one submitted bid per generated vendor (tiers, support cost, capacity, minimum award, regions and total-quantity
discounts as generated), the deadline passed and the bids opened. An award round on that RFP then solves, through
``coop/awards/adapters.py``, the problem it was generated from (up to names).

Organisations, users and needs are inserted as rows (the sign-up and approval pages are not what is measured);
the RFP, its commitments, the bids and the opening go through the real services, in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa

from coop import clock
from coop.accounts.models import Membership, User
from coop.bids import rules
from coop.bids import services as bids
from coop.catalogue.models import Category, Item
from coop.demo.rfps import complete_specs
from coop.extensions import db
from coop.needs.models import Need, NeedStatus
from coop.orgs.models import District, Organisation, OrganisationKind, OrganisationStatus, Region, Vendor
from coop.rfps import services as rfps
from coop.rfps.template_library import library
from coop.roles import Role
from coop.transactions import single_transaction
from pricing import Problem

TEMPLATE_KEY = "student-laptops"
#: Any string: nobody signs in to the generated cooperative.
PASSWORD_HASH = "$argon2id$v=19$m=65536,t=3,p=4$not-a-real-hash"


def build_opened_rfp(problem: Problem, *, title: str = "Generated pooled purchase") -> int:
    """Create the cooperative of ``problem`` in the app's (empty) database and return its opened RFP's id.

    Every moment is replayed a few weeks back from now, so that the bid deadline has passed.
    """
    start = clock.utcnow() - timedelta(days=40)
    with single_transaction(keep=True):
        return _build(problem, title, lambda days: start + timedelta(days=days))


def _build(problem: Problem, title: str, day: Callable[[int], datetime]) -> int:
    template = library()[TEMPLATE_KEY]
    now = day(0)
    category = db.session.scalar(sa.select(Category).where(Category.slug == template.category))
    if category is None:
        category = Category(slug=template.category, name="Generated items", description="")
        db.session.add(category)
    regions = {}
    for code in sorted({d.region for d in problem.districts}):
        regions[code] = db.session.scalar(sa.select(Region).where(Region.code == code)) or Region(code=code, name=code)
    items = {
        i.id: Item(code=f"GEN-{i.id}", name=f"Generated item {i.id}", unit="each", spec={}, category=category)
        for i in problem.items
    }
    cooperative = Organisation(
        kind=OrganisationKind.COOPERATIVE,
        name="Generated cooperative",
        status=OrganisationStatus.APPROVED,
        approved_at=now,
        contact_name="Admin",
        contact_email="admin@generated.example",
        contact_phone="",
    )
    admin = _user("admin@generated.example", cooperative, Role.COOP_ADMIN)
    quantity_of: dict[str, int] = {}
    for demand in problem.demands:
        quantity_of[demand.district] = quantity_of.get(demand.district, 0) + demand.quantity
    buyers, districts = {}, {}
    for d in problem.districts:
        # About one unit a year for every eight students.
        district = District(
            name=f"District {d.id}",
            state="OR",
            region=regions[d.region],
            enrollment=max(1, 8 * quantity_of.get(d.id, 1)),
            status=OrganisationStatus.APPROVED,
            approved_at=now,
            contact_name="Buyer",
            contact_email=f"{d.id.lower()}@generated.example",
            contact_phone="",
        )
        districts[d.id], buyers[d.id] = (
            district,
            _user(f"{d.id.lower()}@generated.example", district, Role.DISTRICT_BUYER),
        )
    reps = {}
    vendor_ids = sorted({o.vendor for o in problem.offers})
    for v in vendor_ids:
        vendor = Vendor(
            name=f"Vendor {v}",
            website="",
            regions=list(regions.values()),
            status=OrganisationStatus.APPROVED,
            approved_at=now,
            contact_name="Rep",
            contact_email=f"{v.lower()}@vendor.example",
            contact_phone="",
        )
        reps[v] = _user(f"{v.lower()}@vendor.example", vendor, Role.VENDOR_REP)
    db.session.add_all([*regions.values(), *items.values()])
    db.session.flush()
    needs = [
        Need(
            district=districts[r.district],
            item=items[r.item],
            quantity=r.quantity,
            needed_by=(now + timedelta(days=120)).date(),
            budget_cap_cents=None,
            erate_eligible=False,
            spec_notes="",
            status=NeedStatus.OPEN,
            created_by=buyers[r.district],
        )
        for r in problem.demands
    ]
    db.session.add_all(needs)
    db.session.flush()

    with clock.replaying(day(1)):
        rfp = rfps.create_rfp(
            admin,
            rfps.PoolInput(
                category_id=category.id,
                need_ids=[n.id for n in needs],
                template_key=TEMPLATE_KEY,
                title=title,
                tco_years=problem.tco_years or 1,
            ),
        )
        complete_specs(admin, rfp, template)
        rfps.start_commitment(admin, rfp.id, day(5))
    buyer_of = {districts[d].id: user for d, user in buyers.items()}
    with clock.replaying(day(2)):
        for line in rfp.lines:
            for link in line.pooled_needs:
                rfps.decide_commitment(buyer_of[link.need.district_id], link.id, confirm=True)
    with clock.replaying(day(6)):
        rfps.publish(admin, rfp.id, day(36))
    line_of = {line.item.code: line for line in rfp.lines}
    vendors = {v.id: v for v in problem.vendors}
    all_regions = tuple(sorted(regions))
    with clock.replaying(day(20)):
        for v in vendor_ids:
            offers = [o for o in problem.offers if o.vendor == v]
            brackets = vendors[v].total_discounts if v in vendors else ()
            bid = rules.BidInput(
                lines=tuple(
                    rules.LineInput(
                        rfp_line_id=line_of[f"GEN-{o.item}"].id,
                        product=f"Product {o.id}",
                        spec_compliance={f.key: "Meets" for f in template.spec_fields},
                        pricing_kind=o.pricing,
                        tiers=tuple(rules.TierInput(str(t.min_quantity), str(t.unit_price)) for t in o.tiers),
                        annual_cost_per_unit=str(o.annual_cost_per_unit),
                        capacity="" if o.capacity is None else str(o.capacity),
                        min_award_quantity=str(o.min_award_quantity),
                        region_codes=all_regions if o.regions is None else tuple(o.regions),
                    )
                    for o in offers
                ),
                discount_brackets=tuple(rules.BracketInput(str(b.min_value), str(b.percent)) for b in brackets),
            )
            bids.save_bid(reps[v], rfp.reference, bid, revision=None, submit=True)
    with clock.replaying(day(37)):
        bids.open_bids(admin, rfp.id)
    return rfp.id


def _user(email: str, organisation: Organisation, role: Role) -> User:
    user = User(email=email, name=email.split("@")[0], password_hash=PASSWORD_HASH)
    user.memberships.append(Membership(organisation=organisation, role=role))
    db.session.add_all([organisation, user])
    return user
