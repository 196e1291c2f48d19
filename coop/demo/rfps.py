"""The demo's joint RFPs, replayed through the real services at the moments they happened.

Six RFPs show every stage so far: two whose deadline passed weeks ago (licences and
structured cabling; :mod:`coop.demo.bids` replays their bids and opens them, and
:mod:`coop.demo.evaluation` scores them, which needs them published here first), one
whose deadline passed two days ago with its bids still sealed (network switches, E-Rate:
the administrator can try the opening at once), one ``open`` for bids (published a week
ago, with a public question and answer), one in its ``committing`` window (E-Rate, some
districts confirmed), and one ``draft`` the administrator is still shaping. They are
created in that order, so that their references follow their history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

import sqlalchemy as sa

from coop import clock
from coop.accounts.models import User
from coop.catalogue.models import Category, Item
from coop.clarifications import services as clarifications
from coop.extensions import db
from coop.needs.models import Need, NeedStatus
from coop.rfps import services as rfps
from coop.rfps.models import Rfp
from coop.rfps.template_library import RfpTemplate, SpecField, library


@dataclass(frozen=True)
class DemoRfp:
    category: str
    item_codes: tuple[str, ...]
    title: str
    template_key: str


LICENCES = DemoRfp(
    "mdm-licences",
    ("MDM-DEV-1Y", "CBM-DEV-LIFE", "WCF-STU-1Y"),
    "Device management and web filtering licences for the 2026-27 school year",
    "mdm-licences",
)
OPEN = DemoRfp(
    "student-laptops",
    ("CB-11-8-64", "CB-14-8-128"),
    "Student Chromebooks for the 2027-28 school year",
    "student-laptops",
)
COMMITTING = DemoRfp(
    "wireless-access-points",
    ("AP-6-2X2", "AP-6E-4X4", "AP-6-OUT"),
    "Wireless access points for classrooms (E-Rate Category Two)",
    "wireless-access-points",
)
CABLING = DemoRfp(
    "cabling", ("CAT6-DROP", "CAT6A-DROP"), "Structured cabling for classrooms and access points", "cabling"
)
SWITCHES = DemoRfp(
    "network-switches",
    ("SW-24P-370",),
    "PoE+ access switches for wiring closets (E-Rate Category Two)",
    "network-switches",
)
DRAFT = DemoRfp(
    "interactive-displays",
    ("IFP-65-4K", "IFP-75-4K", "IFP-86-4K"),
    "Classroom interactive displays",
    "interactive-displays",
)

VENDOR_QUESTION = (
    "May a bidder offer a 4-year warranty with accidental damage protection instead of 3 years, at its own price?"
)
ADMIN_ANSWER = (
    "Yes. The specification is a minimum: a longer warranty meets it. Price the warranty you offer into the "
    "unit price; the award compares total cost of ownership over 4 years."
)


# When the licences RFP's bids were due; :mod:`coop.demo.bids` replays its bids before and its opening after.
LICENCES_DEADLINE_DAYS_AGO = 35
CABLING_DEADLINE_DAYS_AGO = 24
# The switches' bids were due two days ago and are not opened yet.
SWITCHES_DEADLINE_DAYS_AGO = 2


class DemoRfps(NamedTuple):
    licences: Rfp  # published; its deadline has passed
    cabling: Rfp  # published; its deadline has passed
    switches: Rfp  # published; its deadline passed two days ago
    open: Rfp
    committing: Rfp
    draft: Rfp


def moment(today: date, days_ago: int, hour: int = 16) -> datetime:
    """A moment ``days_ago`` before ``today`` (after it, when negative), at a working hour in UTC."""
    return datetime.combine(today - timedelta(days=days_ago), time(hour), tzinfo=UTC)


def load_rfps(admin: User, buyers: dict[int, User], vendor_rep: User, today: date) -> DemoRfps:
    """Create the demo RFPs, their history dated back from ``today``; ``buyers`` maps district ids to their buyer.

    The caller commits.
    """
    templates = library()

    def at(days_ago: int, hour: int = 16) -> datetime:
        return moment(today, days_ago, hour)

    with clock.replaying(at(75)):
        licences = _draft(admin, LICENCES, templates)
        # Licences are bought a school year at a time: their cost of ownership is over one year.
        _set_details(admin, licences, tco_years=1)
        rfps.start_commitment(admin, licences.id, at(64, 23))
    with clock.replaying(at(70)):
        for index, link in enumerate(_links(licences)):
            rfps.decide_commitment(buyers[link.need.district_id], link.id, confirm=True, named_publicly=index % 2 == 1)
    with clock.replaying(at(63)):
        # 22:00 UTC: mid-afternoon in Oregon, when bids are usually due.
        rfps.publish(admin, licences.id, at(LICENCES_DEADLINE_DAYS_AGO, 22))

    cabling = _cabling(admin, buyers, templates, at)
    switches = _switches(admin, buyers, templates, at)

    with clock.replaying(at(21)):
        open_rfp = _draft(admin, OPEN, templates)
        rfps.start_commitment(admin, open_rfp.id, at(9, 23))
    with clock.replaying(at(15)):
        for index, link in enumerate(_links(open_rfp)):
            if index == 3:
                rfps.decide_commitment(buyers[link.need.district_id], link.id, confirm=False)
            else:
                rfps.decide_commitment(
                    buyers[link.need.district_id], link.id, confirm=True, named_publicly=index % 2 == 0
                )
    with clock.replaying(at(8)):
        rfps.publish(admin, open_rfp.id, at(-20, 22))
    with clock.replaying(at(5)):
        clarifications.follow_rfp(vendor_rep, open_rfp.reference)
        question = clarifications.ask_question(vendor_rep, open_rfp.reference, VENDOR_QUESTION)
    with clock.replaying(at(4)):
        clarifications.answer_question(admin, question.id, ADMIN_ANSWER)

    with clock.replaying(at(3)):
        committing = _draft(admin, COMMITTING, templates)
        _set_details(admin, committing, tco_years=5, form470_number="260014471")
        rfps.start_commitment(admin, committing.id, at(-10, 23))
    with clock.replaying(at(1)):
        for link in _links(committing)[::2]:
            rfps.decide_commitment(buyers[link.need.district_id], link.id, confirm=True)

    draft = _draft(admin, DRAFT, templates)
    return DemoRfps(licences, cabling, switches, open_rfp, committing, draft)


def _cabling(admin: User, buyers: dict[int, User], templates: dict[str, RfpTemplate], at) -> Rfp:
    """Structured cabling: pooled two months ago, every district confirmed, bids due three and a half weeks ago."""
    with clock.replaying(at(60)):
        cabling = _draft(admin, CABLING, templates)
        # A cabling plant outlives any device: its cost of ownership is the installation (no yearly cost).
        _set_details(admin, cabling, tco_years=1)
        rfps.start_commitment(admin, cabling.id, at(55, 23))
    with clock.replaying(at(57)):
        for index, link in enumerate(_links(cabling)):
            rfps.decide_commitment(buyers[link.need.district_id], link.id, confirm=True, named_publicly=index % 2 == 0)
    with clock.replaying(at(54)):
        rfps.publish(admin, cabling.id, at(CABLING_DEADLINE_DAYS_AGO, 22))
    return cabling


def _switches(admin: User, buyers: dict[int, User], templates: dict[str, RfpTemplate], at) -> Rfp:
    """Network switches under E-Rate: Form 470 posted with the pooling, bids due two days ago (30 days after publishing)."""
    with clock.replaying(at(46)):
        switches = _draft(admin, SWITCHES, templates)
        _set_details(admin, switches, tco_years=5, form470_number="260011822")
        rfps.start_commitment(admin, switches.id, at(39, 23))
    with clock.replaying(at(42)):
        for index, link in enumerate(_links(switches)):
            rfps.decide_commitment(buyers[link.need.district_id], link.id, confirm=True, named_publicly=index % 2 == 1)
    with clock.replaying(at(38)):
        rfps.publish(admin, switches.id, at(SWITCHES_DEADLINE_DAYS_AGO, 22))
    return switches


def _set_details(admin: User, rfp: Rfp, *, tco_years: int, form470_number: str | None = None) -> None:
    """Set the RFP's cost-of-ownership years and, under E-Rate, its Form 470 (posted today); its title and its
    template's criteria weights kept."""
    rfps.update_details(
        admin,
        rfp.id,
        rfps.DetailsInput(
            title=rfp.title,
            tco_years=tco_years,
            erate_eligible=form470_number is not None,
            form470_number=form470_number,
            form470_date=None if form470_number is None else clock.today(),
            weights={criterion["key"]: criterion["weight"] for criterion in rfp.terms["criteria"]},
        ),
    )


def _draft(admin: User, plan: DemoRfp, templates: dict[str, RfpTemplate]) -> Rfp:
    """Pool the open needs of the plan's items into a draft whose every line has a complete specification."""
    category = db.session.scalar(sa.select(Category).where(Category.slug == plan.category))
    need_ids = list(
        db.session.scalars(
            sa.select(Need.id).join(Need.item).where(Need.status == NeedStatus.OPEN, Item.code.in_(plan.item_codes))
        )
    )
    rfp = rfps.create_rfp(
        admin,
        rfps.PoolInput(category_id=category.id, need_ids=need_ids, template_key=plan.template_key, title=plan.title),
    )
    complete_specs(admin, rfp, templates[plan.template_key])
    return rfp


def complete_specs(admin: User, rfp: Rfp, template: RfpTemplate) -> None:
    """Give every line of a draft RFP a value for each of its template's fields that its item does not state."""
    for line in rfp.lines:
        spec = {field.key: _as_form_text(line.spec.get(field.key, _default(field))) for field in template.spec_fields}
        rfps.update_line(admin, rfp.id, line.id, description=line.description, spec=spec)


def _default(field: SpecField):
    """A sensible requirement for a required field the catalogue item does not state."""
    if not field.required:
        return None
    if field.kind == "boolean":
        return True
    if field.kind == "choice":
        return field.allowed[min(1, len(field.allowed) - 1)]
    if field.kind in ("integer", "decimal"):
        return field.minimum
    return None


def _as_form_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _links(rfp: Rfp):
    return [link for line in rfp.lines for link in line.pooled_needs]
