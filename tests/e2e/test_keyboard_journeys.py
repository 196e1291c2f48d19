"""Every role's main journey with the keyboard alone, on the demo: Tab and Shift+Tab to move, Enter and Space to act,
arrow keys in a list box, never the mouse; every stop shows where the focus is (``browsing.tab_to``), and every page
visited is checked with axe-core (the ``page`` fixture).

A district buyer posts a need, imports one from a spreadsheet and confirms a line of an RFP in its commitment window; a vendor completes its draft
bid and submits it; the administrator filters the demand, pages through the proposed pools, pools one into a draft
RFP, opens a line's collapsed editor and saves it, and opens the bids of an RFP past its deadline.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from e2e.browsing import alert, sign_in_as, tab_to
from playwright.sync_api import Page, expect

from coop.bids.models import Bid, BidStatus
from coop.extensions import db
from coop.needs.models import Need
from coop.orgs.models import Organisation
from coop.rfps.models import CommitmentStatus, Rfp, RfpLineNeed, RfpStatus

pytestmark = pytest.mark.e2e


def focus_main(page: Page) -> None:
    """Start from the top of the page, as a keyboard user does: the skip link, then the main content."""
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to the main content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def nav_by_keyboard(page: Page, label: str) -> None:
    """Follow a link of the main navigation from the top of the page, with Tab and Enter."""
    page.locator("body").focus()
    tab_to(page, page.get_by_role("navigation", name="Main navigation").get_by_role("link", name=label, exact=True))
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_a_district_buyer_posts_and_imports_needs_and_confirms_a_commitment_by_keyboard(page, demo, read_db, tmp_path):
    sign_in_as(page, "buyer@cedar-falls.k12.example")

    nav_by_keyboard(page, "Post a need")
    expect(page.get_by_role("heading", name="Post a need")).to_be_visible()
    focus_main(page)
    tab_to(page, page.get_by_label("Item", exact=True))
    page.keyboard.press("ArrowDown")  # the first item of the list
    chosen = page.get_by_label("Item", exact=True).evaluate("select => select.selectedOptions[0].textContent.trim()")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Quantity")).to_be_focused()
    page.keyboard.type("12")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Needed by")).to_be_focused()
    page.keyboard.type("08152027")  # month, day, year: the date field moves from one part to the next
    tab_to(page, page.get_by_role("button", name="Post need"))
    page.keyboard.press("Enter")
    expect(alert(page, "is posted")).to_be_visible()
    with read_db():
        need = db.session.scalars(sa.select(Need).order_by(Need.id.desc())).first()
        assert (need.quantity, need.needed_by.isoformat(), need.district.name) == (
            12,
            "2027-08-15",
            "Cedar Falls School District",
        )
        assert need.item.name in chosen

    # A spreadsheet chosen from the file field (Space opens the system's file dialog, where the file is picked).
    spreadsheet = tmp_path / "cedar-falls-needs.csv"
    spreadsheet.write_text("item_code,quantity,needed_by\nTB-10-64,30,2027-09-01\n", encoding="utf-8")
    nav_by_keyboard(page, "Import needs")
    focus_main(page)
    tab_to(page, page.get_by_label("Spreadsheet (CSV, XLSX or ODS)"))
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(spreadsheet)
    tab_to(page, page.get_by_role("button", name="Import needs"))
    page.keyboard.press("Enter")
    expect(alert(page, "Imported 1 need from cedar-falls-needs.csv.")).to_be_visible()

    nav_by_keyboard(page, "Commitments")
    row = page.locator("#commitments tbody tr").filter(has_text="RFP-2026-0005")
    confirm = row.get_by_role("button", name="Confirm")
    focus_main(page)
    tab_to(page, row.get_by_role("checkbox"))
    page.keyboard.press("Space")  # agree to be named publicly
    expect(row.get_by_role("checkbox")).to_be_checked()
    page.keyboard.press("Tab")
    expect(confirm).to_be_focused()
    page.keyboard.press("Enter")
    expect(alert(page, "Confirmed: ")).to_be_visible()
    with read_db():
        link = db.session.scalars(
            sa.select(RfpLineNeed)
            .join(Need)
            .join(Organisation, Need.district_id == Organisation.id)
            .join(RfpLineNeed.line)
            .join(Rfp)
            .where(Organisation.name == "Cedar Falls School District", Rfp.reference == "RFP-2026-0005")
        ).one()
        assert link.named_publicly
        assert link.commitment == CommitmentStatus.CONFIRMED


def test_a_vendor_completes_and_submits_its_draft_bid_by_keyboard(page, demo, read_db):
    sign_in_as(page, "sales@willamette-networks.example")
    nav_by_keyboard(page, "Our bids")
    focus_main(page)
    your_bid = page.get_by_role("row").filter(has_text="RFP-2026-0004").get_by_role("link", name="Your bid")
    tab_to(page, your_bid.first)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=re.compile("^Your bid on "))).to_be_visible()

    unit_price = page.get_by_label("Tier 2 unit price").first
    focus_main(page)
    tab_to(page, unit_price)
    page.keyboard.press("Control+A")
    page.keyboard.type("279.00")
    tab_to(page, page.get_by_role("button", name="Save and submit bid"))
    page.keyboard.press("Enter")
    expect(alert(page, "Your bid is submitted. Receipt: ")).to_be_visible()
    with read_db():
        bid = db.session.scalars(
            sa.select(Bid)
            .join(Rfp)
            .join(Bid.vendor)
            .where(Rfp.reference == "RFP-2026-0004", Bid.vendor.has(name="Willamette Network Systems"))
        ).one()
        assert bid.status == BidStatus.SUBMITTED
        assert sorted(tier.unit_price_cents for tier in bid.lines[0].tiers)[0] == 279_00


def test_the_administrator_filters_demand_pools_needs_edits_a_line_and_opens_bids_by_keyboard(page, demo, read_db):
    page.on("dialog", lambda dialog: dialog.accept())  # "Open the bids now?" is answered with Enter in a browser
    sign_in_as(page, "admin@coop.example")

    # The demand, filtered to one category; the filter is kept by the link to the pooling page.
    nav_by_keyboard(page, "Demand")
    focus_main(page)
    category = page.get_by_label("Category")
    tab_to(page, category)
    page.keyboard.type("Security")  # typing an option's name chooses it, as in any list box
    category_name = category.evaluate("select => select.selectedOptions[0].textContent.trim()")
    assert category_name == "Security"
    tab_to(page, page.get_by_role("button", name="Filter"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"category_id=\d+"))
    categories = page.locator("#demand-totals tbody tr td:nth-child(2)")
    expect(categories.first).to_have_text(category_name)
    assert set(categories.all_text_contents()) == {category_name}
    # An item's link opens the collapsed list of the needs behind its total.
    first_item = page.locator("#demand-totals tbody tr a").first
    code = first_item.text_content().strip()
    tab_to(page, first_item, backwards=True)
    page.keyboard.press("Enter")
    expect(page.locator(f"#lines-{code}")).to_be_visible()

    # The proposed pools, a page at a time: the next page by keyboard, then back to the first.
    nav_by_keyboard(page, "Pool needs")
    focus_main(page)
    next_page = page.get_by_role("navigation", name="Pages of proposed pools", exact=True).get_by_role(
        "link", name="Next"
    )
    tab_to(page, next_page)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(page.get_by_text("Page 2 of ").first).to_be_visible()
    focus_main(page)
    tab_to(
        page,
        page.get_by_role("navigation", name="Pages of proposed pools", exact=True).get_by_role("link", name="Previous"),
    )
    page.keyboard.press("Enter")
    expect(page.get_by_text("Page 1 of ").first).to_be_visible()

    # The first pool: its line's needs opened with Enter, one need left out with Space, the draft created with Enter.
    pool = page.locator("section.card").first
    heading = pool.get_by_role("heading", level=2).text_content()
    summary = pool.locator("summary").first
    focus_main(page)
    tab_to(page, summary)
    page.keyboard.press("Enter")
    boxes = pool.get_by_role("checkbox")
    expect(boxes.first).to_be_visible()
    page.keyboard.press("Tab")
    expect(boxes.first).to_be_focused()
    left_out = boxes.first.get_attribute("value")
    page.keyboard.press("Space")
    expect(boxes.first).not_to_be_checked()
    tab_to(page, pool.get_by_role("button", name="Create draft RFP"))
    page.keyboard.press("Enter")
    expect(alert(page, "is created as a draft with")).to_be_visible()
    reference = re.search(r"RFP-\d{4}-\d{4}", page.get_by_role("heading", level=1).text_content()).group(0)
    with read_db():
        rfp = db.session.scalars(sa.select(Rfp).where(Rfp.reference == reference)).one()
        pooled = {link.need_id for line in rfp.lines for link in line.pooled_needs}
        assert int(left_out) not in pooled and pooled, heading

    # A line's collapsed editor, opened with Space and saved with Enter.
    editor = page.locator("#line-1-editor")
    focus_main(page)
    tab_to(page, editor.locator("summary"))
    page.keyboard.press("Space")
    expect(editor.get_by_label("Description")).to_be_visible()
    # What the catalogue did not say (the demo's first pool is of firewalls), chosen by typing in each list box.
    for label, typed, value in (
        ("High-availability pair", "Not required", "no"),
        ("Security subscriptions included (years)", "3", "3"),
    ):
        tab_to(page, editor.get_by_label(label, exact=True))
        page.keyboard.type(typed)
        expect(editor.get_by_label(label, exact=True)).to_have_value(value)
    tab_to(page, editor.get_by_label("Description"))
    page.keyboard.press("Control+A")
    page.keyboard.type("Delivered and configured at each school")
    tab_to(page, editor.get_by_role("button", name="Save line"))
    page.keyboard.press("Enter")
    expect(alert(page, "Line 1 is saved.")).to_be_visible()
    with read_db():
        assert db.session.scalars(sa.select(Rfp).where(Rfp.reference == reference)).one().lines[0].description == (
            "Delivered and configured at each school"
        )

    # The bids of the RFP past its deadline, opened from its page.
    nav_by_keyboard(page, "RFPs")
    focus_main(page)
    tab_to(page, page.get_by_role("link", name="RFP-2026-0003", exact=True))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, page.get_by_role("button", name="Open the bids"))
    page.keyboard.press("Enter")
    expect(alert(page, "The bids are opened: ")).to_be_visible()
    expect(page.get_by_role("heading", name="Bid tabulation — RFP-2026-0003")).to_be_visible()
    with read_db():
        assert db.session.scalars(sa.select(Rfp).where(Rfp.reference == "RFP-2026-0003")).one().status == (
            RfpStatus.OPENED
        )
