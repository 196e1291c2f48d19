"""A cooperative administrator at work in a real browser: approving organisations, reading pooled demand."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from e2e.browsing import expect_cells
from playwright.sync_api import expect

from coop import clock
from coop.audit.models import AuditEvent
from coop.extensions import db
from coop.needs.models import NeedStatus
from coop.orgs.models import Organisation, OrganisationStatus

pytestmark = pytest.mark.e2e


def test_an_administrator_approves_a_pending_district_and_reads_the_pooled_demand(
    page, make_admin, make_buyer, make_district, make_region, make_item, make_need, browser_sign_in, read_db
):
    admin = make_admin()
    pending = make_buyer(name="Riverside Unified", status=OrganisationStatus.PENDING).organisation
    lakeview = make_district("Lakeview School District", region=make_region("north"))
    hillcrest = make_district("Hillcrest Schools", region=make_region("south"))
    laptop = make_item("LAPTOP-14", name="14-inch student laptop")
    hotspot = make_item("HOTSPOT-5G", category="connectivity", name="5G hotspot")
    soon, later = clock.today() + timedelta(days=30), clock.today() + timedelta(days=45)
    make_need(lakeview, item=laptop, quantity=40, needed_by=later, budget_cap_cents=12_000_00, erate_eligible=True)
    make_need(hillcrest, item=laptop, quantity=60, needed_by=soon)
    make_need(hillcrest, item=hotspot, quantity=25, needed_by=later)
    make_need(hillcrest, item=laptop, quantity=500, status=NeedStatus.WITHDRAWN)  # no longer demand
    db.session.commit()

    browser_sign_in(admin)
    nav = page.get_by_role("navigation", name="Main navigation")
    nav.get_by_role("link", name="Organisations").click()

    # The review list opens on the pending organisations.
    expect(page.get_by_role("heading", name="Organisations")).to_be_visible()
    rows = page.get_by_role("row")
    expect(rows.filter(has_text="Lakeview School District")).to_have_count(0)
    rows.filter(has_text="Riverside Unified").get_by_role("button", name="Approve").click()

    expect(page.get_by_role("alert").filter(has_text="Riverside Unified is approved.")).to_be_visible()
    expect(page.get_by_text("No pending organisations.")).to_be_visible()
    page.get_by_role("link", name="Approved", exact=True).click()
    expect(rows.filter(has_text="Riverside Unified")).to_have_count(1)
    with read_db():
        district = db.session.get(Organisation, pending.id)
        assert district.status == OrganisationStatus.APPROVED
        assert district.approved_at is not None
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "organisation.approved"))
        assert (event.entity_id, event.actor_user_id) == (pending.id, admin.id)

    # Pooled demand: open needs only, totalled per item across districts.
    nav.get_by_role("link", name="Demand").click()
    expect(page.get_by_role("heading", name="Open demand")).to_be_visible()
    expect(page.get_by_text("3 open needs for 2 items.")).to_be_visible()
    totals = page.get_by_role("table").first.get_by_role("row")
    expect(totals).to_have_count(3)
    expect_cells(
        totals.filter(has_text="LAPTOP-14"),
        "LAPTOP-14 14-inch student laptop",
        "Student Devices",
        "100",
        "2",
        "2",
        soon.isoformat(),
        "$12,000.00 (1 of 2)",
        "1",
    )
    expect_cells(
        totals.filter(has_text="HOTSPOT-5G"),
        "HOTSPOT-5G 5G hotspot",
        "Connectivity",
        "25",
        "1",
        "1",
        later.isoformat(),
        "—",
        "0",
    )
    # The needs behind each total are collapsed under it; the item's link opens its list.
    needs_behind = page.locator("#lines-LAPTOP-14")
    expect(page.get_by_text("LAPTOP-14 14-inch student laptop: 100 each from 2 districts")).to_be_visible()
    expect(needs_behind).to_be_hidden()
    totals.filter(has_text="LAPTOP-14").get_by_role("link", name="LAPTOP-14").click()
    expect(needs_behind).to_be_visible()
    expect(needs_behind.get_by_role("row")).to_have_count(3)

    # Narrowed to one region, the totals are that region's.
    page.get_by_label("Region", exact=True).select_option(label="South")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("2 open needs for 2 items.")).to_be_visible()
    expect_cells(
        totals.filter(has_text="LAPTOP-14"),
        "LAPTOP-14 14-inch student laptop",
        "Student Devices",
        "60",
        "1",
        "1",
        soon.isoformat(),
        "—",
        "0",
    )
