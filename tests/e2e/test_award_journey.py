"""From opened bids to a final award, in real browsers: scores, a round, its explanation, the fairness gate, the notice
of intent, the final award; a district's ledger and purchase order; a vendor's award.

Issue "Award rounds", item 9. The pool is the three-district example of pricing/FORMAT.md ("Three districts: equal
price fails"), pooled, bid on and opened through the real services before any browser looks: one line of 110
laptops; Acme serves every region at $100.00, or $90.00 from 100 units; Birch serves only the north at $88.00.
Lakeview (north) wants 60, Riverside and Hillcrest (south) 30 and 20.

The administrator scores both bids on the student-laptops template's three non-price criteria (Acme 90 on each,
Birch 85: evaluation factors 1.1 and 1.15), runs a round under the equal price, and reads its explanation (a chart
per line). At evaluated costs the pool still buys all 110 from Acme at $90.00 ($9,900.00 × 1.1 = $10,890.00, against
60 × $88.00 × 1.15 + 50 × $100.00 × 1.1 = $11,572.00 split), and Lakeview alone would still buy from Birch
($88.00 × 1.15 = $101.20 a unit evaluated, against Acme's $110.00). So Lakeview pays 60 × $90.00 = $5,400.00 against
$5,280.00 alone: worse off by $120.00. The fairness gate says so, and
publishing asks for the confirmation and a reason. Once the 7-day protest period is over (the one clock, moved by
the ``now`` fixture: the live server runs in this process and reads the same clock) the administrator makes the
award final, by keyboard. Lakeview's buyer reads its ledger and downloads its purchase order as CSV; Acme's
representative sees its award.
"""

from __future__ import annotations

import csv
import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from e2e.browsing import alert, expect_cells, nav, sign_in
from playwright.sync_api import Page, expect
from support import THREE_DISTRICTS, opened_laptop_pool

from coop.audit.models import AuditEvent
from coop.contracts.models import AwardNotice, NoticeStatus, PurchaseOrder
from coop.extensions import db
from coop.rfps.models import Rfp, RfpStatus
from coop.roles import Role

pytestmark = pytest.mark.e2e

DISTRICTS = THREE_DISTRICTS
CRITERIA = (
    "Meeting or exceeding the specification",
    "Warranty, repair turnaround and support",
    "Delivery schedule and imaging services",
)
REASON = "The board accepts Lakeview paying $120.00 more this year for one vendor across the pool."


@pytest.fixture
def opened(now, make_region, make_district, make_user, make_vendor, make_admin, make_item, make_need):
    """The pool published, bid on and opened through the real services, committed: (RFP, admin, Lakeview's buyer,
    Lakeview's id, Acme's representative)."""
    regions = {"north": make_region("north", "North"), "south": make_region("south", "South")}
    admin = make_admin()
    districts = {name: make_district(name, region=regions[region]) for name, (region, _) in DISTRICTS.items()}
    buyers = {
        name: make_user(
            district, Role.DISTRICT_BUYER, name=f"Buyer of {name}", email=f"buyer@{name.split()[0].lower()}.example.org"
        )
        for name, district in districts.items()
    }
    acme = make_user(
        make_vendor("Acme Devices", regions=list(regions.values())),
        Role.VENDOR_REP,
        name="Ada Acme",
        email="rep@acme.example.com",
    )
    birch = make_user(
        make_vendor("Birch Computing", regions=[regions["north"]]),
        Role.VENDOR_REP,
        name="Bo Birch",
        email="rep@birch.example.com",
    )
    laptop = make_item("LAPTOP-14", category="student-laptops", name="14-inch student laptop")
    needs = {
        buyers[name]: make_need(district, item=laptop, quantity=DISTRICTS[name][1])
        for name, district in districts.items()
    }
    opened_rfp = opened_laptop_pool(
        admin,
        needs,
        {
            acme: ([("1", "100.00"), ("100", "90.00")], ("north", "south")),
            birch: ([("1", "88.00")], ("north",)),
        },
        now,
    )
    lakeview_id = districts["Lakeview SD"].id
    db.session.commit()  # nothing left open: on SQLite a transaction holds the write lock the live server needs
    return opened_rfp, admin, buyers["Lakeview SD"], lakeview_id, acme


def score(page: Page, vendor: str, points: int) -> None:
    """Give a bid ``points`` on every criterion, with a comment, and save its scores."""
    section = page.locator("section").filter(has=page.get_by_role("heading", name=re.compile(rf"^{vendor} ")))
    for criterion in CRITERIA:
        section.get_by_label(f"{criterion}: points (0 to 100)").fill(str(points))
        section.get_by_label(f"{criterion}: comment").fill(f"{vendor}: {points} points, as the references confirmed.")
    section.get_by_role("button", name="Save the scores").click()


def test_the_administrator_scores_runs_explains_gates_publishes_and_finalises_an_award_that_districts_and_vendors_see(
    page: Page, someone_else, tmp_path: Path, now, opened, read_db
):
    rfp, admin, buyer, lakeview_id, acme_rep = opened
    reference, rfp_id = rfp.reference, rfp.id

    # --- The administrator scores the opened bids ------------------------------------------------------------------------
    sign_in(page, admin)
    nav(page, "RFPs")
    page.get_by_role("table").get_by_role("link", name=reference, exact=True).click()
    page.get_by_role("link", name="Score the bids on the non-price criteria").click()
    expect(page.get_by_role("heading", name=f"Evaluation of {reference}")).to_be_visible()
    score(page, "Acme Devices", 90)
    expect(alert(page, "are saved.")).to_be_visible()
    score(page, "Birch Computing", 85)
    expect(alert(page, "are saved.")).to_be_visible()
    rows = page.locator("#scores tbody tr")
    # Points per criterion, the score S and the evaluation factor f = 1 + (50 / 50) × (100 − S) / 100; none set aside.
    expect_cells(rows.filter(has_text="Acme Devices"), "90", "90", "90", "90", "1.1", "")
    expect_cells(rows.filter(has_text="Birch Computing"), "85", "85", "85", "85", "1.15", "")

    # --- ... runs a round under the equal price and reads its explanation -------------------------------------------------
    page.get_by_role("link", name="the RFP").click()
    page.get_by_role("link", name="Run an award round").click()
    page.get_by_label("Share rule").select_option(
        label="Equal price: every district pays the achieved price, as invoiced"
    )
    page.get_by_role("button", name="Run the round").click()
    expect(alert(page, "Round 1 is solved.")).to_be_visible()
    expect(page.locator("#round-total")).to_have_text("$9,900.00")
    awards = page.locator("#awards tbody tr")
    expect(awards).to_have_count(3)
    expect(awards.filter(has_text="Lakeview SD")).to_contain_text("Acme Devices")
    explanation = page.get_by_role("region", name="Explanation of the award")
    expect(explanation).to_be_visible()
    chart = explanation.locator("figure.explanation-chart svg[role=img]")
    expect(chart).to_have_count(1)
    expect(chart).to_be_visible()
    assert chart.bounding_box()["width"] > 200

    # --- ... goes through the fairness gate: Lakeview worse off, so a confirmation and a reason -----------------------------
    page.get_by_role("link", name="Check fairness and publish this round").click()
    expect(page.locator("#worse-off")).to_have_text("Lakeview SD")
    expect(page.locator("#shares tbody tr").filter(has_text="Lakeview SD")).to_contain_text("$5,400.00")
    expect(page.locator("#shares tbody tr").filter(has_text="Lakeview SD")).to_contain_text("$5,280.00")
    page.get_by_label("Protest period (days)").fill("7")
    page.get_by_role("button", name="Publish the notice of intent to award").click()
    expect(page.get_by_text("tick the confirmation to publish it all the same")).to_be_visible()
    page.get_by_label("I have read the fairness check and publish this round all the same").check()
    page.get_by_label("Reason").fill(REASON)
    page.get_by_role("button", name="Publish the notice of intent to award").click()
    expect(alert(page, f"The notice of intent to award {reference} is published")).to_be_visible()
    expect(page.locator("#notice-status")).to_have_text("Protest period")
    expect(page.locator("#fairness-reason")).to_have_text(REASON)
    with read_db():
        notice = db.session.scalar(sa.select(AwardNotice).where(AwardNotice.rfp_id == rfp_id))
        assert (notice.status, notice.fairness_reason, notice.protest_days) == (NoticeStatus.PROTEST_PERIOD, REASON, 7)
        published = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "award.notice_published"))
        assert published.after["confirmed_with_reason"] == REASON and published.after["worse_off"] == ["Lakeview SD"]
        protest_ends_at = notice.protest_ends_at

    # --- After the protest period it makes the award final, by keyboard -----------------------------------------------------
    now(protest_ends_at + timedelta(minutes=1))
    page.reload()
    finalise = page.get_by_role("button", name="Make the award final and issue the purchase orders")
    finalise.focus()
    expect(finalise).to_be_focused()
    page.keyboard.press("Enter")
    expect(
        alert(page, f"The award of {reference} is final; the purchase orders are issued and e-mailed.")
    ).to_be_visible()
    expect(page.locator("#notice-status")).to_have_text("Final")
    expect(page.locator("#orders tbody tr")).to_have_count(3)
    with read_db():
        assert db.session.get(Rfp, rfp_id).status == RfpStatus.AWARDED
        order = db.session.scalar(sa.select(PurchaseOrder).where(PurchaseOrder.district_id == lakeview_id))
        order_number, order_total = order.number, order.total_cents
    assert order_total == 5_400_00

    # --- The district's buyer reads its ledger and downloads its purchase order ----------------------------------------------
    with someone_else("district") as district_page:
        sign_in(district_page, buyer)
        nav(district_page, "Ledger")
        expect(district_page.get_by_role("heading", name="Savings ledger — Lakeview SD")).to_be_visible()
        summary = district_page.locator("#ledger-summary tbody tr").first
        expect(summary).to_contain_text(reference)
        expect(summary).to_contain_text("$5,400.00")
        expect(summary).to_contain_text("$5,280.00")
        expect(summary).to_contain_text("-$120.00")  # worse off: negative savings
        nav(district_page, "Purchase orders")
        district_page.get_by_role("link", name=order_number).click()
        expect(district_page.get_by_role("heading", name=f"Purchase order {order_number}")).to_be_visible()
        with district_page.expect_download() as download_info:
            district_page.get_by_role("link", name="CSV", exact=True).click()
        download = download_info.value
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)
        with saved.open(newline="", encoding="utf-8-sig") as handle:
            [row] = list(csv.DictReader(handle))
        assert (row["po_number"], row["district"], row["vendor"], row["quantity"], row["unit_price"], row["cost"]) == (
            order_number,
            "Lakeview SD",
            "Acme Devices",
            "60",
            "90.00",
            "5400.00",
        )

    # --- The vendor sees its award -------------------------------------------------------------------------------------------
    with someone_else("vendor") as vendor_page:
        sign_in(vendor_page, acme_rep)
        nav(vendor_page, "Our awards")
        award = vendor_page.locator("section").filter(has_text=reference)
        expect(award).to_contain_text("Final · contract")
        expect(award).to_contain_text("total $9,900.00")
        expect(award.get_by_role("row").filter(has_text="Lakeview SD")).to_contain_text("$5,400.00")
        expect(vendor_page.get_by_role("link", name=order_number)).to_be_visible()
