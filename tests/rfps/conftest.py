"""Fixtures for the RFP tests: a laptop catalogue, three districts with needs, RFPs at each stage, a frozen clock."""

from __future__ import annotations

import html as html_lib
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from support import LAPTOP_SPEC_FORM, text_of

from coop import clock
from coop.rfps import queries, services
from coop.rfps.models import Rfp

LAPTOP_SPEC = {"screen_in": "14", "ram_gb": 8, "storage_gb": 128, "battery_hours": 10, "warranty_years": 3}


@pytest.fixture
def frozen(now) -> Callable[[datetime], datetime]:
    """Stop the clock at a moment (UTC); call again to move it."""
    return now


@pytest.fixture
def laptops(make_item):
    """Items of the student-laptops category (which has a template) and one of a category without a template."""
    return {
        "LAPTOP-14": make_item(
            "LAPTOP-14", category="student-laptops", name="14-inch student laptop", spec=LAPTOP_SPEC
        ),
        "CHROMEBOOK-11": make_item(
            "CHROMEBOOK-11",
            category="student-laptops",
            name="11-inch Chromebook",
            spec={"screen_in": "11.6", "ram_gb": 4},
        ),
        "PROJECTOR": make_item("PROJECTOR", category="projectors", name="Classroom projector"),
    }


@pytest.fixture
def districts(make_district, make_region):
    north = make_region("north", "North")
    return {name: make_district(name, region=north) for name in ("Lakeview SD", "Riverside USD", "Hillcrest SD")}


@pytest.fixture
def buyers(districts, make_user):
    from coop.roles import Role

    return {
        name: make_user(district, Role.DISTRICT_BUYER, email=f"buyer@{name.split()[0].lower()}.example.org")
        for name, district in districts.items()
    }


@pytest.fixture
def needs(districts, buyers, laptops, make_need):
    """Open needs: 40 + 60 laptops (Lakeview, Riverside), 25 Chromebooks (Hillcrest, E-Rate), all within 60 days."""
    today = clock.today()
    return {
        "lakeview": make_need(
            districts["Lakeview SD"], item=laptops["LAPTOP-14"], quantity=40, needed_by=today + timedelta(days=60)
        ),
        "riverside": make_need(
            districts["Riverside USD"], item=laptops["LAPTOP-14"], quantity=60, needed_by=today + timedelta(days=80)
        ),
        "hillcrest": make_need(
            districts["Hillcrest SD"],
            item=laptops["CHROMEBOOK-11"],
            quantity=25,
            needed_by=today + timedelta(days=70),
            erate_eligible=True,
        ),
    }


@pytest.fixture
def draft(admin, needs, laptops) -> Rfp:
    """A draft RFP pooling the three needs: line 1 Chromebooks (25), line 2 laptops (100)."""
    return services.create_rfp(
        admin,
        services.PoolInput(
            category_id=laptops["LAPTOP-14"].category_id,
            need_ids=[need.id for need in needs.values()],
            template_key="student-laptops",
            title="Student laptops 2026",
            tco_years=4,
        ),
    )


@pytest.fixture
def complete_specs(admin) -> Callable[[Rfp], None]:
    """Give every line of a draft a complete, valid laptop spec."""

    def complete(rfp: Rfp) -> None:
        for line in rfp.lines:
            services.update_line(admin, rfp.id, line.id, description=line.item.name, spec=LAPTOP_SPEC_FORM)

    return complete


@pytest.fixture
def complete_details(admin) -> Callable[[Rfp], None]:
    """Give an RFP the details its publication needs: four TCO years, no E-Rate, its title kept."""

    def complete(rfp: Rfp) -> None:
        services.update_details(
            admin,
            rfp.id,
            services.DetailsInput(
                title=rfp.title, tco_years=4, erate_eligible=False, form470_number=None, form470_date=None, weights={}
            ),
        )

    return complete


@pytest.fixture
def committing(admin, draft, complete_specs) -> Rfp:
    """The draft in its commitment window, closing in 7 days."""
    complete_specs(draft)
    return services.start_commitment(admin, draft.id, clock.utcnow() + timedelta(days=7))


@pytest.fixture
def link_of() -> Callable[..., int]:
    """The id of the RFP line link that pools ``need``."""

    def find(rfp: Rfp, need) -> int:
        rfp = queries.rfp(rfp.id)
        return next(link.id for line in rfp.lines for link in line.pooled_needs if link.need_id == need.id)

    return find


@pytest.fixture
def published(admin, committing, buyers, needs, frozen, link_of, complete_details) -> Rfp:
    """Lakeview (named publicly) and Riverside confirmed, Hillcrest did not; published with bids due in 30 days.

    The clock is left frozen just after the commitment deadline.
    """
    services.decide_commitment(
        buyers["Lakeview SD"], link_of(committing, needs["lakeview"]), confirm=True, named_publicly=True
    )
    services.decide_commitment(buyers["Riverside USD"], link_of(committing, needs["riverside"]), confirm=True)
    after_window = frozen(committing.commitment_deadline + timedelta(minutes=1))
    complete_details(committing)
    return services.publish(admin, committing.id, after_window + timedelta(days=30))


@pytest.fixture
def seen() -> Callable[..., str]:
    """What a user reads on a page: its visible text, entities decoded."""

    def read(response) -> str:
        return html_lib.unescape(text_of(response))

    return read


@pytest.fixture
def laptop_form() -> dict[str, str]:
    """A complete, valid laptop spec as the line form sends it (spec key -> text)."""
    return dict(LAPTOP_SPEC_FORM)
