"""Two sealed bids on an open RFP, in real browsers, from the web form and from a bid sheet, to the public tabulation.

Issue "Vendors and sealed bids", item 9. One vendor fills a tiered bid on the web form
(the line's fields appear once "Bid on this line" is ticked; a fourth price tier comes
from the "Add a tier" button), submits it and is given a receipt hash; it changes the
product, saves a draft (the bid is a draft again, with no receipt), and submits once
more: a new receipt. Another vendor downloads the CSV bid sheet, fills it in as a
spreadsheet program would, uploads it as its draft and submits it. Once the deadline has
passed (the one clock, moved by the ``now`` fixture: the live server runs in this process
and reads the same clock) the administrator opens the bids, accepting the confirmation
dialog, and anyone can read the tabulation with each offer's total cost of ownership.
Every person has a browser context of their own (own cookies); the database is read back
after each stage.

The figures of the tabulation, worked by hand. The RFP (``make_rfp``) pools 120 units on
line 1 and evaluates the total cost of ownership over 4 years (the default ``tco_years``).

* Evergreen Learning, all-units pricing, tiers 1+: $300.00, 50+: $290.00, 100+: $275.00,
  500+: $250.00. 120 units reach the 100+ tier: 120 x $275.00 = $33,000.00; support
  $12.00 x 120 x 4 = $5,760.00; TCO $38,760.00.
* Northwind Devices, incremental pricing, tiers 1+: $285.00, 100+: $270.00. Units 1-99 at
  $285.00 = $28,215.00, units 100-120 (21) at $270.00 = $5,670.00: $33,885.00, an average of
  $282.375, shown rounded half up as $282.38; support $10.00 x 120 x 4 = $4,800.00; TCO
  $38,685.00 -- the lower, so it is listed first.
"""

from __future__ import annotations

import csv
import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from e2e.browsing import alert, expect_cells, nav, sign_in
from playwright.sync_api import Dialog, Locator, Page, expect

from coop.bids.models import Bid, BidStatus, PricingKind
from coop.extensions import db
from coop.rfps.models import RfpStatus
from coop.roles import Role

pytestmark = pytest.mark.e2e

# make_rfp's lines ask for conftest.LAPTOP_SPEC, worded by the student-laptops template, in its field order.
REQUIREMENTS = {
    "screen_in": "Screen diagonal: at least 11.6 in",
    "ram_gb": "Memory (RAM): at least 8 GB",
    "storage_gb": "Storage: at least 64 GB",
    "battery_hours": "Battery life (manufacturer-rated): at least 10 hours",
    "warranty_years": "Warranty with accidental damage protection: at least 3 years",
}
ANSWERS = {
    "screen_in": "11.6 in IPS display",
    "ram_gb": "8 GB LPDDR4X",
    "storage_gb": "128 GB eMMC",
    "battery_hours": "12 hours (manufacturer-rated)",
    "warranty_years": "3 years with accidental damage protection",
}
SHEET_SAVED = "The bid sheet is read and saved as your draft. Check it below, then submit it."


def open_bid_page(page: Page, reference: str) -> None:
    """From the public board to the RFP's page, and on to the vendor's bid page."""
    nav(page, "RFP board")
    page.get_by_role("table").get_by_role("link", name=reference, exact=True).click()
    page.get_by_role("link", name="Bid on this RFP").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Your bid on "))).to_be_visible()


def line_block(page: Page, line_no: int) -> Locator:
    """A line's fieldset on the bid form, found by its legend."""
    return page.get_by_role("group", name=re.compile(rf"^Line {line_no}: "))


def bid_state(page: Page) -> Locator:
    return page.locator("#bid-status #bid-state")


def test_two_vendors_bid_by_form_and_by_bid_sheet_and_the_opened_bids_are_tabulated_in_public(
    page: Page, someone_else, tmp_path: Path, now, make_region, make_vendor, make_user, make_admin, make_rfp, read_db
):
    # --- Set-up, committed before any browser looks -------------------------------------------------------------------
    north = make_region("north", "North")
    make_region("south", "South")  # a region vendor A adds to its bid
    evergreen = make_vendor("Evergreen Learning", regions=[north])
    evergreen_rep = make_user(evergreen, Role.VENDOR_REP, name="Eve Evergreen", email="eve@evergreen.example.com")
    northwind = make_vendor("Northwind Devices", regions=[north])
    northwind_rep = make_user(northwind, Role.VENDOR_REP, name="Nico Northwind", email="nico@northwind.example.com")
    admin = make_admin()
    rfp = make_rfp()  # open for 30 days from the frozen now; line 1: 120 units, line 2: 40
    db.session.commit()
    reference, rfp_id, bid_deadline = rfp.reference, rfp.id, rfp.bid_deadline

    # --- Vendor A fills the web form -----------------------------------------------------------------------------------
    sign_in(page, evergreen_rep)
    open_bid_page(page, reference)
    expect(bid_state(page)).to_have_text("You have not saved a bid yet.")
    line = line_block(page, 1)
    product = line.get_by_label("Product offered (make and model)")
    expect(product).to_be_hidden()  # coop.js shows a line's fields once it is ticked
    line.get_by_label("Bid on this line").check()
    expect(product).to_be_visible()
    expect(line_block(page, 2).get_by_label("Product offered (make and model)")).to_be_hidden()
    product.fill("Acme Book 11 G3")
    for key, wording in REQUIREMENTS.items():
        line.get_by_label(f"How your product meets: {wording}", exact=True).fill(ANSWERS[key])
    expect(line.get_by_label(re.compile(r"^All units"))).to_be_checked()
    expect(line.get_by_label("Tier 1 from quantity", exact=True)).to_have_value("1")
    expect(line.get_by_role("textbox", name=re.compile(r"^Tier \d+ from quantity$"))).to_have_count(3)
    line.get_by_label("Tier 1 unit price", exact=True).fill("300.00")
    line.get_by_label("Tier 2 from quantity", exact=True).fill("50")
    line.get_by_label("Tier 2 unit price", exact=True).fill("290.00")
    line.get_by_label("Tier 3 from quantity", exact=True).fill("100")
    line.get_by_label("Tier 3 unit price", exact=True).fill("275.00")
    line.get_by_role("button", name="Add a tier").click()  # the page has three rows: a fourth, numbered on
    fourth_from = line.get_by_label("Tier 4 from quantity", exact=True)
    expect(fourth_from).to_be_focused()
    expect(fourth_from).to_have_value("")
    expect(line.locator("tr[data-row] .tier-number")).to_have_text(["1", "2", "3", "4"])
    fourth_from.fill("500")
    line.get_by_label("Tier 4 unit price", exact=True).fill("250.00")
    line.get_by_label("Annual support cost per unit ($)").fill("12.00")
    line.get_by_label("Minimum award (units; blank for none)").fill("20")
    expect(line.get_by_label("North (north)")).to_be_checked()  # the vendor profile's regions, ticked already
    expect(line.get_by_label("South (south)")).not_to_be_checked()
    line.get_by_label("South (south)").check()
    page.get_by_role("button", name="Save and submit bid").click()

    expect(alert(page, "Your bid is submitted. Receipt: ")).to_be_visible()
    expect(bid_state(page)).to_contain_text("Submitted")
    receipt_hash = page.locator("#receipt #receipt-hash")
    expect(receipt_hash).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    first_receipt = receipt_hash.inner_text()
    expect(alert(page, f"Your bid is submitted. Receipt: {first_receipt}.")).to_be_visible()
    # The form shows the bid as saved, fourth tier included.
    line = line_block(page, 1)
    expect(line.get_by_label("Bid on this line")).to_be_checked()
    expect(line.get_by_label("Tier 4 from quantity", exact=True)).to_have_value("500")
    expect(line.get_by_label("Tier 4 unit price", exact=True)).to_have_value("250.00")
    expect(line.get_by_label("South (south)")).to_be_checked()
    with read_db():
        bid = db.session.scalar(sa.select(Bid).where(Bid.vendor_id == evergreen.id))
        assert (bid.status, bid.content_sha256) == (BidStatus.SUBMITTED, first_receipt)
        [bid_line] = bid.lines
        assert (
            bid_line.rfp_line.line_no,
            bid_line.product,
            bid_line.pricing_kind,
            bid_line.annual_cost_per_unit_cents,
            bid_line.capacity,
            bid_line.min_award_quantity,
        ) == (1, "Acme Book 11 G3", PricingKind.ALL_UNITS, 1200, None, 20)
        assert [(tier.min_quantity, tier.unit_price_cents) for tier in bid_line.tiers] == [
            (1, 300_00),
            (50, 290_00),
            (100, 275_00),
            (500, 250_00),
        ]
        assert [region.code for region in bid_line.regions] == ["north", "south"]
        assert bid_line.spec_compliance == ANSWERS

    # --- ... changes the product: the submitted version stays in force beside the saved changes -----------------------
    product = line.get_by_label("Product offered (make and model)")
    expect(product).to_have_value("Acme Book 11 G3")
    product.fill("Acme Book 11 G4")
    page.get_by_role("button", name="Save draft").click()

    expect(
        alert(page, "Your changes are saved as a draft. The bid you submitted stays in force until you submit them.")
    ).to_be_visible()
    expect(bid_state(page)).to_contain_text("Submitted")
    expect(page.locator("#bid-changes")).to_contain_text(
        "You have saved changes that are not submitted. The version in force is the one you submitted"
    )
    expect(receipt_hash).to_have_text(first_receipt)
    expect(line_block(page, 1).get_by_label("Product offered (make and model)")).to_have_value("Acme Book 11 G4")
    with read_db():
        bid = db.session.scalar(sa.select(Bid).where(Bid.vendor_id == evergreen.id))
        assert (bid.status, bid.content_sha256, bid.lines[0].product) == (
            BidStatus.SUBMITTED,
            first_receipt,
            "Acme Book 11 G4",
        )
        assert bid.submitted_content["lines"][0]["product"] == "Acme Book 11 G3"

    # --- ... and submits the changes: they are the version in force, with a new receipt -------------------------------
    page.locator("#bid-status").get_by_role("button", name="Submit your changes").click()

    expect(alert(page, "Your bid is submitted.")).to_be_visible()
    expect(bid_state(page)).to_contain_text("Submitted")
    expect(page.locator("#bid-changes")).to_have_count(0)
    expect(receipt_hash).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    second_receipt = receipt_hash.inner_text()
    assert second_receipt != first_receipt  # the content changed, so does its hash
    expect(page.locator("#bid-status").get_by_role("button", name="Submit your changes")).to_have_count(0)
    with read_db():
        bid = db.session.scalar(sa.select(Bid).where(Bid.vendor_id == evergreen.id))
        assert (bid.status, bid.content_sha256, bid.lines[0].product) == (
            BidStatus.SUBMITTED,
            second_receipt,
            "Acme Book 11 G4",
        )

    # --- Vendor B bids with the CSV bid sheet --------------------------------------------------------------------------
    with someone_else("northwind") as vendor_page:
        sign_in(vendor_page, northwind_rep)
        open_bid_page(vendor_page, reference)
        expect(vendor_page.locator("body")).not_to_contain_text("Acme Book")  # sealed: nothing of the other bid
        with vendor_page.expect_download() as download_info:
            vendor_page.get_by_role("link", name="Download CSV").click()
        download = download_info.value
        assert download.suggested_filename == f"{reference}-bid-sheet.csv"
        blank = tmp_path / download.suggested_filename
        download.save_as(blank)

        with blank.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
        assert [(row["line"], row["quantity"], row["product"]) for row in rows] == [("1", "120", ""), ("2", "40", "")]
        assert rows[0]["requirements"] == "; ".join(REQUIREMENTS.values())
        header = list(rows[0])
        assert header[:8] == ["line", "item_code", "item", "unit", "quantity", "requirements", "product", "pricing"]
        assert [name for name in header if name.startswith("meets:")] == [f"meets:{key}" for key in REQUIREMENTS]
        rows[0].update(
            {
                "product": "Northwind Slate 11",
                "pricing": "incremental",
                "tier1_from": "1",
                "tier1_price": "285.00",
                "tier2_from": "100",
                "tier2_price": "270.00",
                "annual_support_per_unit": "10.00",
                "capacity": "150",
                "min_award_quantity": "",
                "regions": "north",
                **{f"meets:{key}": f"Yes: {answer}" for key, answer in ANSWERS.items()},
            }
        )
        filled = tmp_path / "northwind-bid.csv"
        with filled.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=header)
            writer.writeheader()
            writer.writerows(rows)  # line 2's vendor cells stay empty: no bid on it

        # The upload form's own file input, found by its label, as a person (or a screen reader) finds it.
        # KNOWN APP BUG, this step fails until it is fixed: AttachmentForm.file and SheetForm.file
        # (coop/bids/forms.py) both render id="file", so both labels say for="file" and point at the first one,
        # the attachment form's PDF input; the bid sheet's input has no label at all. Clicking "Filled bid sheet"
        # opens the PDF picker, and a file chosen there is never sent with "Upload and save as draft" (the page
        # answers "Choose the bid sheet to upload."). Fix: distinct ids, e.g. FileField(..., id="attachment-file")
        # and FileField(..., id="sheet-file"). With `#sheet-form input[type=file]` instead of the label, the rest
        # of this journey passes.
        sheet_file = vendor_page.locator("#sheet-form").get_by_label("Filled bid sheet (XLSX, ODS or CSV)", exact=True)
        expect(
            sheet_file,
            'APP BUG: the "Filled bid sheet (XLSX, ODS or CSV)" label does not label the bid sheet form\'s '
            "file input: AttachmentForm.file and SheetForm.file in coop/bids/forms.py both have "
            'id="file"',
        ).to_have_count(1)
        sheet_file.set_input_files(filled)
        vendor_page.get_by_role("button", name="Upload and save as draft").click()

        expect(alert(vendor_page, SHEET_SAVED)).to_be_visible()
        expect(bid_state(vendor_page)).to_contain_text("Draft")
        line = line_block(vendor_page, 1)
        expect(line.get_by_label("Bid on this line")).to_be_checked()
        expect(line.get_by_label("Product offered (make and model)")).to_have_value("Northwind Slate 11")
        expect(line.get_by_label(re.compile(r"^Incremental"))).to_be_checked()
        expect(line.get_by_label("Tier 2 from quantity", exact=True)).to_have_value("100")
        expect(line.get_by_label("Tier 2 unit price", exact=True)).to_have_value("270.00")
        expect(line_block(vendor_page, 2).get_by_label("Bid on this line")).not_to_be_checked()
        with read_db():
            bid = db.session.scalar(sa.select(Bid).where(Bid.vendor_id == northwind.id))
            assert bid.status == BidStatus.DRAFT

        vendor_page.locator("#bid-status").get_by_role("button", name="Submit this bid").click()
        expect(alert(vendor_page, "Your bid is submitted.")).to_be_visible()
        expect(bid_state(vendor_page)).to_contain_text("Submitted")
        expect(vendor_page.locator("#receipt-hash")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
        northwind_receipt = vendor_page.locator("#receipt-hash").inner_text()

    with read_db():
        bids = {bid.vendor_id: bid for bid in db.session.scalars(sa.select(Bid).where(Bid.rfp_id == rfp_id))}
        assert {vendor_id: bid.status for vendor_id, bid in bids.items()} == {
            evergreen.id: BidStatus.SUBMITTED,
            northwind.id: BidStatus.SUBMITTED,
        }
        assert bids[northwind.id].content_sha256 == northwind_receipt
        [bid_line] = bids[northwind.id].lines
        assert (
            bid_line.rfp_line.line_no,
            bid_line.product,
            bid_line.pricing_kind,
            bid_line.annual_cost_per_unit_cents,
            bid_line.capacity,
            bid_line.min_award_quantity,
            [region.code for region in bid_line.regions],
        ) == (1, "Northwind Slate 11", PricingKind.INCREMENTAL, 10_00, 150, 0, ["north"])
        assert [(tier.min_quantity, tier.unit_price_cents) for tier in bid_line.tiers] == [(1, 285_00), (100, 270_00)]
        assert bid_line.spec_compliance == {key: f"Yes: {answer}" for key, answer in ANSWERS.items()}

    # --- After the deadline the administrator opens the bids ----------------------------------------------------------
    opened_at = now(bid_deadline + timedelta(minutes=5))
    with someone_else("admin") as admin_page:
        sign_in(admin_page, admin)
        nav(admin_page, "RFPs")
        admin_page.get_by_role("table").get_by_role("link", name=reference, exact=True).click()
        open_form = admin_page.locator("#open-bids-form")
        expect(open_form).to_contain_text("The bid deadline has passed.")
        expect(admin_page.locator("body")).not_to_contain_text("Northwind")  # sealed to administrators too
        confirmations: list[str] = []

        def accept(dialog: Dialog) -> None:
            confirmations.append(dialog.message)
            dialog.accept()

        admin_page.once("dialog", accept)
        open_form.get_by_role("button", name="Open the bids").click()

        expect(
            alert(
                admin_page,
                "The bids are opened: 2 submitted, 0 draft(s) set aside, 0 withdrawn. The tabulation is public.",
            )
        ).to_be_visible()
        assert confirmations == ["Open the bids now? This happens once: the bid tabulation becomes public."]
        expect(admin_page.get_by_role("heading", name=f"Bid tabulation — {reference}")).to_be_visible()

    with read_db():
        opened = db.session.scalar(sa.select(Bid).where(Bid.vendor_id == evergreen.id)).rfp
        assert (opened.status, opened.opened_at) == (RfpStatus.OPENED, opened_at)
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(Bid)
                .where(Bid.rfp_id == rfp_id, Bid.status == BidStatus.SUBMITTED)
            )
            == 2
        )

    # --- Anyone reads the tabulation, signed in or not -----------------------------------------------------------------
    with someone_else("visitor") as visitor:
        visitor.goto("/rfps")
        visitor.get_by_role("table").get_by_role("link", name=reference, exact=True).click()
        visitor.get_by_role("link", name="Bid tabulation").click()

        expect(visitor.get_by_role("heading", name=f"Bid tabulation — {reference}")).to_be_visible()
        expect(visitor.locator("#bid-count")).to_have_text("2 submitted bids")
        rows = visitor.locator("#tabulation-line-1 tbody tr")
        expect(rows).to_have_count(2)
        # The lowest offer is marked (price is this RFP's only criterion: the lowest TCO is the lowest evaluated);
        # a list of regions is printed once, in the legend, and named by its letter on the rows.
        expect(visitor.locator("#lowest-offer-rule")).to_contain_text("this RFP has no non-price criteria")
        expect(visitor.locator("#region-legend")).to_have_text(re.compile(r"^\s*A\s*North, South\s*$"))
        expect_cells(
            rows.nth(0),
            "Northwind Devices Lowest TCO",
            "Northwind Slate 11",
            "Incremental",
            "1+: $285.00; 100+: $270.00",
            "$10.00",
            "150",
            "None",
            "North",
            "$282.38 (average)",
            "$33,885.00",
            "$4,800.00",
            "$38,685.00",
        )
        expect_cells(
            rows.nth(1),
            "Evergreen Learning",
            "Acme Book 11 G4",
            "All units",
            "1+: $300.00; 50+: $290.00; 100+: $275.00; 500+: $250.00",
            "$12.00",
            "Unlimited",
            "20",
            "A (2 regions)",
            "$275.00",
            "$33,000.00",
            "$5,760.00",
            "$38,760.00",
        )
        expect(visitor.locator("#tabulation-line-2 tbody tr")).to_have_text(["No bid on this line."])
        discounts = visitor.locator("#tabulation-discounts tbody tr")
        expect(discounts).to_have_count(2)
        expect_cells(discounts.nth(0), "Evergreen Learning", "None")
        expect_cells(discounts.nth(1), "Northwind Devices", "None")
