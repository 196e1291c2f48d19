"""A joint RFP from pooled needs to its first addendum, in real browsers, as the people involved do it.

Issue #4, item 9. The administrator pools two districts' open needs into a draft RFP,
completes each line's specification and opens the commitment window; each district's
buyer confirms (one agreeing to be named publicly) or withdraws its lines; once the
commitment deadline has passed (the one clock, moved by the ``now`` fixture -- the live
server runs in this process, so it reads the same clock) the administrator publishes.
A visitor reads the RFP on the public board and downloads its document; a vendor asks a
question, the administrator answers it, and the answer appears without the vendor's
name; an addendum brings document version 2. Every person has a browser context of
their own (own cookies), as on their own machines; the database is read back after
each stage.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from e2e.browsing import alert, nav, sign_in
from playwright.sync_api import Locator, Page, expect

from coop import clock
from coop.audit.models import AuditEvent
from coop.audit.services import verify_chain
from coop.clarifications.models import Addendum, Question, QuestionStatus
from coop.extensions import db
from coop.needs.models import Need, NeedStatus
from coop.notifications.models import OutboundEmail
from coop.rfps.models import CommitmentStatus, Rfp, RfpDocument, RfpStatus
from coop.roles import Role

pytestmark = pytest.mark.e2e

TITLE = "Student devices for the next school year"
QUESTION = "May the 11-inch devices be delivered with the districts' asset tags already applied?"
ANSWER = "Yes: asset tagging before shipment is part of the delivery terms, in each district's tag format."
LINE_1_REQUIREMENTS = [
    "Screen diagonal: at least 11.6 in",
    "Memory (RAM): at least 8 GB",
    "Storage: at least 64 GB",
    "Battery life (manufacturer-rated): at least 10 hours",
    "Drop-tested height: at least 76 cm",
    "Touchscreen: not required",
    "Warranty with accidental damage protection: at least 3 years",
]
ADDENDUM = "Delivery is extended to 60 days to allow for imaging and enrolment before shipment."
DELIVERY_CHANGE = "Terms, delivery days: now “60” (was “45”)."


def expect_cells(row: Locator, *texts: str | re.Pattern) -> None:
    """The row's cells read ``texts``, in order."""
    expect(row.get_by_role("cell")).to_have_text(list(texts))


def minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def typed(moment: datetime) -> str:
    """A moment as a person types it into a date-and-time field."""
    return moment.strftime("%Y-%m-%dT%H:%M")


def utc_text(moment: datetime) -> str:
    """A moment as the pages write it in UTC."""
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def line_section(page: Page, line_no: int) -> Locator:
    """A line's card on the RFP's management page, found by its heading."""
    return page.locator("section").filter(has=page.get_by_role("heading", name=re.compile(rf"^Line {line_no}: ")))


def test_an_rfp_goes_from_pooled_needs_through_commitments_and_publication_to_an_answered_question_and_an_addendum(
    page: Page,
    someone_else,
    now,
    make_admin,
    make_region,
    make_district,
    make_vendor,
    make_user,
    make_item,
    make_need,
    browser_sign_in,
    read_db,
):
    # --- Set-up, committed before any browser looks -------------------------------------------------------------------
    start = minute(now())
    now(start)
    commitment_deadline = start + timedelta(days=2)
    admin = make_admin()
    north = make_region("north", "North")
    lakeview = make_district("Lakeview School District", region=north)
    hillcrest = make_district("Hillcrest Schools", region=north)
    lakeview_buyer = make_user(lakeview, Role.DISTRICT_BUYER, name="Lee Lakeview", email="lee@lakeview.example.org")
    hillcrest_buyer = make_user(
        hillcrest, Role.DISTRICT_BUYER, name="Hana Hillcrest", email="hana@hillcrest.example.org"
    )
    vendor = make_vendor("Summit Learning Devices", regions=[north])
    vendor_rep = make_user(vendor, Role.VENDOR_REP, name="Sam Summit", email="sam@summit.example.com")
    # The catalogue knows part of each item's specification; the administrator completes it on the draft.
    chromebook = make_item(
        "CHROMEBOOK-11", category="student-laptops", name="11-inch Chromebook", spec={"screen_in": "11.6", "ram_gb": 4}
    )
    laptop = make_item(
        "LAPTOP-14",
        category="student-laptops",
        name="14-inch student laptop",
        spec={"screen_in": "14", "ram_gb": 8, "storage_gb": 128},
    )
    today = clock.today()
    lakeview_chromebooks = make_need(lakeview, item=chromebook, quantity=120, needed_by=today + timedelta(days=60))
    hillcrest_chromebooks = make_need(hillcrest, item=chromebook, quantity=80, needed_by=today + timedelta(days=75))
    hillcrest_laptops = make_need(hillcrest, item=laptop, quantity=30, needed_by=today + timedelta(days=75))
    db.session.commit()
    reference = f"RFP-{start.year}-0001"

    # --- The administrator pools the open needs into a draft RFP ------------------------------------------------------
    browser_sign_in(admin)
    nav(page, "Demand")
    expect(page.get_by_text("3 open needs for 2 items.")).to_be_visible()
    page.get_by_role("link", name="Pool into an RFP").click()

    expect(page.get_by_role("heading", name="Pool needs into an RFP")).to_be_visible()
    pool = page.locator("section").filter(
        has=page.get_by_role("heading", name="Student Laptops: 230 units from 2 districts")
    )
    expect(pool.get_by_role("heading", name=re.compile(r"^Line \d: "))).to_have_text(
        [
            "Line 1: CHROMEBOOK-11 11-inch Chromebook — 200 each from 2 districts",
            "Line 2: LAPTOP-14 14-inch student laptop — 30 each from 1 district",
        ]
    )
    # Each line's needs are collapsed under the line; opened, every need is ticked as proposed.
    for line_no in (1, 2):
        pool.get_by_text(re.compile(rf"^Choose among line {line_no}'s ")).click()
    for district, quantity in (("Lakeview School District", 120), ("Hillcrest Schools", 80), ("Hillcrest Schools", 30)):
        expect(pool.get_by_role("checkbox", name=f"Pool {district}'s {quantity}")).to_be_checked()
    template = pool.get_by_label("RFP template")
    expect(template).to_have_value("student-laptops")  # the category's template is proposed
    pool.get_by_label("Title", exact=True).fill(TITLE)
    template.select_option(label="Student laptops and Chromebooks")
    pool.get_by_label("Total cost of ownership over (years)").fill("5")
    pool.get_by_role("button", name="Create draft RFP").click()

    expect(alert(page, f"{reference} is created as a draft with 2 lines.")).to_be_visible()
    expect(page.get_by_role("heading", name=f"{reference}: {TITLE}")).to_be_visible()
    expect(page.get_by_text("Draft", exact=True)).to_be_visible()
    # What the catalogue did not say is listed as missing; the commitment window cannot start before it is filled in.
    for problem in (
        "Line 1: Storage is required.",
        "Line 1: Battery life (manufacturer-rated) is required.",
        "Line 1: Warranty with accidental damage protection is required.",
        "Line 2: Battery life (manufacturer-rated) is required.",
    ):
        expect(page.get_by_role("listitem").filter(has_text=problem)).to_be_visible()
    with read_db():
        rfp = db.session.scalar(sa.select(Rfp).where(Rfp.reference == reference))
        rfp_id = rfp.id
        assert (rfp.status, rfp.title, rfp.template_key, rfp.tco_years, rfp.erate_eligible, rfp.created_by_id) == (
            RfpStatus.DRAFT,
            TITLE,
            "student-laptops",
            5,
            False,
            admin.id,
        )
        assert [(line.line_no, line.item.code, line.quantity, line.spec) for line in rfp.lines] == [
            (1, "CHROMEBOOK-11", 200, {"screen_in": "11.6", "ram_gb": 4}),
            (2, "LAPTOP-14", 30, {"screen_in": "14", "ram_gb": 8, "storage_gb": 128}),
        ]
        assert {need.id: need.status for need in db.session.scalars(sa.select(Need))} == {
            lakeview_chromebooks.id: NeedStatus.POOLED,
            hillcrest_chromebooks.id: NeedStatus.POOLED,
            hillcrest_laptops.id: NeedStatus.POOLED,
        }

    # --- ... completes each line's specification ----------------------------------------------------------------------
    line = line_section(page, 1)
    expect(line.get_by_label("Screen diagonal (in)")).to_be_hidden()  # the editor is collapsed under the line
    line.get_by_text("Edit line 1's specification (3 to complete)").click()
    expect(line.get_by_label("Screen diagonal (in)")).to_have_value("11.6")  # from the catalogue
    expect(line.get_by_label("Memory (RAM) (GB)")).to_have_value("4")
    line.get_by_label("Memory (RAM) (GB)").select_option("8")
    line.get_by_label("Storage (GB)").select_option("64")
    line.get_by_label("Battery life (manufacturer-rated) (hours)").fill("10")
    line.get_by_label("Drop-tested height (cm)").fill("76")
    line.get_by_label("Touchscreen").select_option(label="Not required")
    line.get_by_label("Warranty with accidental damage protection (years)").select_option("3")
    line.get_by_role("button", name="Save line").click()
    expect(alert(page, "Line 1 is saved.")).to_be_visible()
    expect(line.get_by_role("listitem")).to_have_text(LINE_1_REQUIREMENTS)

    line = line_section(page, 2)
    line.get_by_text("Edit line 2's specification").click()
    expect(line.get_by_label("Storage (GB)")).to_have_value("128")
    line.get_by_label("Screen diagonal (in)").fill("14")
    line.get_by_label("Memory (RAM) (GB)").select_option("8")
    line.get_by_label("Battery life (manufacturer-rated) (hours)").fill("12")
    line.get_by_label("Warranty with accidental damage protection (years)").select_option("4")
    line.get_by_role("button", name="Save line").click()
    expect(alert(page, "Line 2 is saved.")).to_be_visible()
    expect(page.get_by_text("Before the commitment window starts, complete each line's specification")).to_have_count(0)

    # --- ... and opens the commitment window --------------------------------------------------------------------------
    page.get_by_label("Commitment deadline").fill(typed(commitment_deadline))
    expect(page.get_by_label("Time zone of the deadline")).to_have_value("UTC")
    page.get_by_role("button", name="Start the commitment window").click()

    expect(
        alert(
            page,
            f"{reference} is open for commitments until {utc_text(commitment_deadline)}; the districts are e-mailed.",
        )
    ).to_be_visible()
    expect(page.get_by_text("Committing", exact=True)).to_be_visible()
    expect(page.get_by_text("The commitment window is open until")).to_be_visible()
    expect(page.get_by_role("button", name="Publish")).to_be_visible()
    with read_db():
        rfp = db.session.get(Rfp, rfp_id)
        assert (rfp.status, rfp.commitment_deadline) == (RfpStatus.COMMITTING, commitment_deadline)
        assert [line.spec for line in rfp.lines] == [
            {
                "screen_in": "11.6",
                "ram_gb": 8,
                "storage_gb": 64,
                "battery_hours": 10,
                "rugged_drop_cm": 76,
                "touchscreen": False,
                "warranty_years": 3,
            },
            {"screen_in": "14", "ram_gb": 8, "storage_gb": 128, "battery_hours": 12, "warranty_years": 4},
        ]
        assert sorted(
            db.session.scalars(
                sa.select(OutboundEmail.to_address).where(
                    OutboundEmail.subject == f"{reference}: confirm your needs by {utc_text(commitment_deadline)}"
                )
            )
        ) == [hillcrest_buyer.email, lakeview_buyer.email]

    # --- Each district decides on its lines during the window ---------------------------------------------------------
    with someone_else("lakeview") as buyer_page:
        sign_in(buyer_page, lakeview_buyer)
        nav(buyer_page, "Commitments")
        expect(buyer_page.get_by_role("heading", name="Commitments")).to_be_visible()
        rows = buyer_page.get_by_role("table").get_by_role("row")
        expect(rows).to_have_count(2)  # the header and Lakeview's one line
        row = rows.filter(has_text="Line 1: 11-inch Chromebook")
        expect(row).to_contain_text(f"{reference} Committing")
        expect(row).to_contain_text("Memory (RAM): at least 8 GB")
        expect(row.get_by_role("cell").nth(2)).to_have_text("120")
        expect(row.get_by_role("cell").nth(5)).to_have_text("Proposed")
        row.get_by_label("Name our district publicly on this RFP").check()
        row.get_by_role("button", name="Confirm").click()

        expect(
            alert(
                buyer_page,
                f"Confirmed: 120 × 11-inch Chromebook on {reference} line 1, with your district named publicly.",
            )
        ).to_be_visible()
        expect(row.get_by_role("cell").nth(3)).to_have_text("120")  # the line's confirmed total
        expect(row.get_by_role("cell").nth(5)).to_have_text("Confirmed · named publicly")

    with someone_else("hillcrest") as buyer_page:
        sign_in(buyer_page, hillcrest_buyer)
        nav(buyer_page, "Commitments")
        rows = buyer_page.get_by_role("table").get_by_role("row")
        expect(rows).to_have_count(3)
        # Chromebooks: confirmed, without the district's name; laptops: withdrawn, the need is open again.
        row = rows.filter(has_text="Line 1: 11-inch Chromebook")
        expect(row.get_by_label("Name our district publicly on this RFP")).not_to_be_checked()
        row.get_by_role("button", name="Confirm").click()
        expect(alert(buyer_page, f"Confirmed: 80 × 11-inch Chromebook on {reference} line 1.")).to_be_visible()
        expect(row.get_by_role("cell").nth(3)).to_have_text("200")
        expect(row.get_by_role("cell").nth(5)).to_have_text("Confirmed")
        row = rows.filter(has_text="Line 2: 14-inch student laptop")
        asked: list[str] = []

        def accept(dialog) -> None:
            asked.append(dialog.message)
            dialog.accept()

        buyer_page.once("dialog", accept)
        row.get_by_role("button", name="Withdraw").click()
        expect(
            alert(
                buyer_page, f"Withdrawn: 30 × 14-inch student laptop from {reference} line 2; the need is open again."
            )
        ).to_be_visible()
        expect(row.get_by_role("cell").nth(5)).to_have_text("Withdrawn")
        assert asked == [
            f"Withdraw 30 × 14-inch student laptop from {reference}? The need is open again, and the "
            "pooled quantity goes down by 30."
        ]

    with read_db():
        rfp = db.session.get(Rfp, rfp_id)
        assert [
            (
                line.line_no,
                line.quantity,
                sorted((link.need.district.name, link.commitment, link.named_publicly) for link in line.pooled_needs),
            )
            for line in rfp.lines
        ] == [
            (
                1,
                200,
                [
                    ("Hillcrest Schools", CommitmentStatus.CONFIRMED, False),
                    ("Lakeview School District", CommitmentStatus.CONFIRMED, True),
                ],
            ),
            (2, 0, [("Hillcrest Schools", CommitmentStatus.WITHDRAWN, False)]),
        ]
        assert db.session.get(Need, hillcrest_laptops.id).status == NeedStatus.OPEN

    # --- After the commitment deadline, the administrator publishes ---------------------------------------------------
    published_at = now(commitment_deadline + timedelta(hours=1))
    bid_deadline = published_at + timedelta(days=30)
    page.reload()
    expect(page.get_by_text("The commitment window is closed.")).to_be_visible()
    expect(line_section(page, 1).get_by_role("heading")).to_have_text(
        "Line 1: CHROMEBOOK-11 11-inch Chromebook — 200 confirmed of 200"
    )
    page.get_by_label("Bid deadline").fill(typed(bid_deadline))
    page.get_by_role("button", name="Publish").click()

    expect(alert(page, f"{reference} is published; bids are due by {utc_text(bid_deadline)}.")).to_be_visible()
    expect(page.get_by_text("Open", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(r"^Line \d: "))).to_have_text(
        ["Line 1: CHROMEBOOK-11 11-inch Chromebook — 200 confirmed of 200"]
    )  # nothing was confirmed on the laptops
    expect(page.get_by_role("listitem").filter(has_text="Version 1:")).to_be_visible()
    with read_db():
        rfp = db.session.get(Rfp, rfp_id)
        assert (rfp.status, rfp.bid_deadline, rfp.published_at, rfp.document_version) == (
            RfpStatus.OPEN,
            bid_deadline,
            published_at,
            1,
        )
        assert [(line.line_no, line.item.code, line.quantity) for line in rfp.lines] == [(1, "CHROMEBOOK-11", 200)]
        assert {need.id: need.status for need in db.session.scalars(sa.select(Need))} == {
            lakeview_chromebooks.id: NeedStatus.COMMITTED,
            hillcrest_chromebooks.id: NeedStatus.COMMITTED,
            hillcrest_laptops.id: NeedStatus.OPEN,
        }

    # --- Anyone reads it on the public board and downloads its document -----------------------------------------------
    with someone_else("visitor") as visitor, someone_else("vendor") as vendor_page:
        visitor.goto("/")
        nav(visitor, "RFP board")
        expect(visitor.get_by_role("heading", name="RFP board")).to_be_visible()
        board_rows = visitor.get_by_role("table").get_by_role("row")
        expect(board_rows).to_have_count(2)
        expect_cells(board_rows.nth(1), reference, TITLE, "Student Laptops", "Open", re.compile(r"\S"))
        expect(board_rows.nth(1).locator("time")).to_have_attribute("datetime", f"{typed(bid_deadline)}:00Z")
        board_rows.nth(1).get_by_role("link", name=reference).click()

        expect(visitor.get_by_role("heading", name=TITLE, exact=True)).to_be_visible()
        lines = visitor.get_by_role("table").filter(has_text="Pooled quantity").get_by_role("row")
        expect(lines).to_have_count(2)
        expect(lines.nth(1).get_by_role("cell")).to_have_text(
            [
                "1",
                "11-inch Chromebook CHROMEBOOK-11 · per each",
                re.compile(r"^Screen diagonal"),
                "200",
                "Lakeview School District",
            ],
            use_inner_text=True,
        )
        expect(lines.nth(1).get_by_role("listitem")).to_have_text(LINE_1_REQUIREMENTS)
        expect(visitor.get_by_text("Hillcrest Schools")).to_have_count(0)  # it did not agree to be named
        expect(visitor.get_by_text("Within 45 days of the purchase order.")).to_be_visible()
        expect(visitor.get_by_text("No questions have been answered yet.")).to_be_visible()
        expect(visitor.get_by_role("button", name="Ask the cooperative")).to_have_count(0)  # vendors sign in to ask

        visitor.get_by_role("link", name="HTML", exact=True).click()
        expect(visitor.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
        expect(visitor.get_by_text("Version 1", exact=True)).to_be_visible()
        expect(visitor.get_by_text("Districts named with their agreement: Lakeview School District")).to_be_visible()
        visitor.go_back()

        # Headless Chromium shows an inline PDF in its viewer, out of Playwright's reach: download the link's target.
        pdf = visitor.request.get(visitor.get_by_role("link", name="PDF", exact=True).get_attribute("href"))
        assert (pdf.status, pdf.headers["content-type"], pdf.headers["content-disposition"]) == (
            200,
            "application/pdf",
            f'inline; filename="{reference}-v1.pdf"',
        )
        assert pdf.body().startswith(b"%PDF")

        # --- A vendor follows the RFP and asks a question -------------------------------------------------------------
        sign_in(vendor_page, vendor_rep)
        nav(vendor_page, "RFP board")
        vendor_page.get_by_role("link", name=reference).click()
        vendor_page.get_by_role("button", name="Follow this RFP").click()
        expect(
            alert(vendor_page, f"You follow {reference}: you will be e-mailed its answers and addenda.")
        ).to_be_visible()
        vendor_page.get_by_label("Ask a question").fill(QUESTION)
        vendor_page.get_by_role("button", name="Ask the cooperative").click()

        expect(
            alert(
                vendor_page,
                "Your question has been sent to the cooperative. Its answer will be published "
                "on the RFP's page without your name.",
            )
        ).to_be_visible()
        expect(vendor_page.get_by_role("heading", name="Your questions")).to_be_visible()
        question_row = vendor_page.get_by_role("row").filter(has_text=QUESTION)
        expect(question_row).to_contain_text("Pending")
        expect(question_row).to_contain_text("Awaiting the cooperative's answer.")

        # --- The administrator answers it -----------------------------------------------------------------------------
        nav(page, "Questions & addenda")
        overview_row = page.get_by_role("row").filter(has_text=reference)
        expect_cells(
            overview_row, f"{reference} {TITLE}", "Open", utc_text(bid_deadline), "1", "0", "0", "0", "Addenda"
        )
        overview_row.get_by_role("link", name=reference).click()
        expect(page.get_by_role("heading", name=f"Questions on {reference}")).to_be_visible()
        expect(page.get_by_text(vendor.name)).to_have_count(0)  # answers go to every vendor alike
        page.get_by_role("row").filter(has_text=QUESTION).get_by_role("link", name="Answer or dismiss").click()
        expect(page.get_by_label("Question as published")).to_have_value(QUESTION)
        page.get_by_label("Answer", exact=True).fill(ANSWER)
        page.get_by_role("button", name="Publish the answer").click()
        expect(
            alert(
                page,
                "The answer is published on the RFP's page, without the asker's name, and e-mailed to "
                "every vendor following the RFP.",
            )
        ).to_be_visible()
        expect(page.get_by_text("No question is pending.")).to_be_visible()

        vendor_page.reload()
        expect(question_row).to_contain_text("Answered")
        expect(question_row).to_contain_text(ANSWER)

        # --- The public page shows the answer, without the vendor's name ----------------------------------------------
        visitor.reload()
        panel = visitor.get_by_role("region", name="Questions and addenda")
        expect(panel.get_by_text(f"Q. {QUESTION}")).to_be_visible()
        expect(panel.get_by_text(f"A. {ANSWER}")).to_be_visible()
        for identifying in (vendor.name, vendor_rep.name, vendor_rep.email, "Summit"):
            expect(visitor.locator("body")).not_to_contain_text(identifying)
        with read_db():
            question = db.session.scalar(sa.select(Question))
            assert (
                question.rfp_id,
                question.vendor_id,
                question.asked_by_id,
                question.text,
                question.status,
                question.answer,
                question.answered_by_id,
            ) == (rfp_id, vendor.id, vendor_rep.id, QUESTION, QuestionStatus.ANSWERED, ANSWER, admin.id)

        # --- The administrator issues an addendum ---------------------------------------------------------------------
        page.get_by_role("link", name="Addenda", exact=True).click()
        expect(page.get_by_role("heading", name=f"Addenda to {reference}")).to_be_visible()
        expect(page.get_by_text("No addenda have been issued.")).to_be_visible()
        page.get_by_role("link", name="Issue an addendum").click()
        expect(page.get_by_role("heading", name=f"Issue addendum to {reference}")).to_be_visible()
        page.get_by_label("Summary").fill(ADDENDUM)
        expect(page.get_by_label("Delivery days")).to_have_value("45")
        page.get_by_label("Delivery days").fill("60")
        page.get_by_role("button", name="Issue the addendum").click()

        expect(
            alert(page, f"Addendum 1 is issued and every vendor following {reference} is being e-mailed.")
        ).to_be_visible()
        expect(
            page.get_by_role("heading", name=re.compile(r"^Addendum 1 issued .* document version 2$"))
        ).to_be_visible()
        expect(page.get_by_role("listitem").filter(has_text=DELIVERY_CHANGE)).to_be_visible()

        # --- ... and the public page shows addendum 1 and document version 2 ------------------------------------------
        visitor.reload()
        addenda = panel.get_by_role("table").get_by_role("row")
        expect(addenda).to_have_count(2)
        expect_cells(
            addenda.nth(1), "Addendum 1", re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d$"), ADDENDUM, "Deadline unchanged"
        )
        expect(visitor.get_by_text("Version 2:")).to_be_visible()
        expect(visitor.get_by_role("link", name="v1 HTML")).to_be_visible()  # the earlier version stays readable
        expect(visitor.get_by_text("Within 60 days of the purchase order.")).to_be_visible()
        addenda.nth(1).get_by_role("link", name="Addendum 1").click()
        expect(visitor.get_by_role("heading", name=f"Addendum 1 to {reference}")).to_be_visible()
        expect(visitor.get_by_text("RFP document version 2")).to_be_visible()
        expect(visitor.get_by_role("main").get_by_role("listitem")).to_have_text([DELIVERY_CHANGE])
        visitor.get_by_role("link", name=f"Back to {reference}").click()
        visitor.get_by_role("link", name="HTML", exact=True).click()
        expect(visitor.get_by_text("Version 2", exact=True)).to_be_visible()

    with read_db():
        rfp = db.session.get(Rfp, rfp_id)
        assert (rfp.document_version, rfp.terms["delivery_days"], rfp.bid_deadline) == (2, 60, bid_deadline)
        assert list(
            db.session.scalars(
                sa.select(RfpDocument.version).where(RfpDocument.rfp_id == rfp_id).order_by(RfpDocument.version)
            )
        ) == [1, 2]
        addendum = db.session.scalar(sa.select(Addendum))
        assert (
            addendum.rfp_id,
            addendum.number,
            addendum.summary,
            addendum.document_version,
            addendum.changes,
            addendum.issued_by_id,
        ) == (
            rfp_id,
            1,
            ADDENDUM,
            2,
            {"before": {"terms": {"delivery_days": 45}}, "after": {"terms": {"delivery_days": 60}}},
            admin.id,
        )
        # The vendor follows the RFP, so it hears of the addendum (asking alone would not have made it follow).
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(OutboundEmail)
                .where(
                    OutboundEmail.to_address == vendor_rep.email,
                    OutboundEmail.subject == f"{reference}: addendum 1 issued",
                )
            )
            == 1
        )
        assert list(
            db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.rfp_id == rfp_id).order_by(AuditEvent.id))
        ) == [
            "rfp.created",
            "rfp.line_changed",
            "rfp.line_changed",
            "rfp.commitment_started",
            "rfp.commitment_confirmed",
            "rfp.commitment_confirmed",
            "rfp.commitment_withdrawn",
            "rfp.published",
            "vendor_interest.registered",
            "question.asked",
            "question.answered",
            "addendum.issued",
        ]
        assert verify_chain(rfp_id).intact
