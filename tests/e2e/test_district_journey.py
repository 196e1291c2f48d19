"""A district buyer in a real browser: sign in, post a need, import a spreadsheet, fix a bad one; edit, withdraw.

Issue #2, item 7. Everything goes through the pages as a person uses them -- the
sign-in form, the need form, the template download and the upload -- with CSRF
protection on; the database is read back afterwards to check what was stored.
"""

from __future__ import annotations

import csv
from datetime import timedelta

import openpyxl
import pytest
import sqlalchemy as sa
from e2e.browsing import expect_cells
from playwright.sync_api import Page, expect

from coop import clock
from coop.audit.models import AuditEvent
from coop.extensions import db
from coop.needs.models import Need, NeedStatus

pytestmark = pytest.mark.e2e


def needs_of(district_id: int) -> list[Need]:
    return list(db.session.scalars(sa.select(Need).where(Need.district_id == district_id).order_by(Need.id)))


def go_to(page: Page, link: str) -> None:
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name=link, exact=True).click()


def test_a_buyer_posts_a_need_imports_a_spreadsheet_and_is_shown_every_problem_of_a_bad_one(
    page: Page, tmp_path, make_buyer, make_item, browser_sign_in, read_db
):
    buyer = make_buyer(name="Lakeview School District")
    make_item("LAPTOP-14", name="14-inch student laptop")
    make_item("HOTSPOT-5G", category="connectivity", name="5G hotspot")
    make_item("DOCCAM-1", category="classroom-cameras", name="Document camera")
    db.session.commit()
    district_id = buyer.organisation.id
    in_60_days = (clock.today() + timedelta(days=60)).isoformat()
    in_90_days = clock.today() + timedelta(days=90)

    # Sign in: the dashboard of an approved district has nothing waiting; its needs list is empty so far.
    browser_sign_in(buyer)
    expect(page.get_by_text("No line waits for your confirmation.")).to_be_visible()
    expect(page.get_by_text("No need waits to be pooled.")).to_be_visible()
    go_to(page, "Our needs")
    expect(page.get_by_role("heading", name="Our needs")).to_be_visible()
    expect(page.get_by_text("Your district has no needs yet.")).to_be_visible()

    # Post a need through the form.
    go_to(page, "Post a need")
    page.get_by_label("Item", exact=True).select_option(label="LAPTOP-14 — 14-inch student laptop")
    page.get_by_label("Quantity").fill("120")
    page.get_by_label("Needed by").fill(in_60_days)
    page.get_by_label("Budget cap in dollars (optional)").fill("36,000")
    page.get_by_label("E-Rate eligible").check()
    page.get_by_label("Spec notes (optional)").fill("Spill-resistant keyboards")
    page.get_by_role("button", name="Post need").click()

    expect(
        page.get_by_role("alert").filter(has_text="Your need for 120 × 14-inch student laptop is posted.")
    ).to_be_visible()
    needs_table = page.get_by_role("table")
    expect(needs_table.get_by_role("row")).to_have_count(2)  # the header and the need
    expect_cells(
        needs_table.get_by_role("row").nth(1),
        "Open",
        "14-inch student laptop LAPTOP-14 · Student Devices",
        "120",
        in_60_days,
        "$36,000.00",
        "Yes",
        "Edit Withdraw",
    )
    with read_db():
        [posted] = needs_of(district_id)
        assert (
            posted.quantity,
            posted.budget_cap_cents,
            posted.erate_eligible,
            posted.spec_notes,
            posted.status,
            posted.created_by_id,
        ) == (120, 36_000_00, True, "Spill-resistant keyboards", NeedStatus.OPEN, buyer.id)

    # Download the XLSX template from the import page, fill it in as a spreadsheet program would, upload it.
    go_to(page, "Import needs")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the XLSX template").click()
    download = download_info.value
    assert download.suggested_filename == "coop-needs-template.xlsx"
    template = tmp_path / download.suggested_filename
    download.save_as(template)
    workbook = openpyxl.load_workbook(template)
    sheet = workbook["Needs"]
    assert [cell.value for cell in sheet[1]] == [
        "item_code",
        "quantity",
        "needed_by",
        "budget_cap",
        "erate_eligible",
        "spec_notes",
    ]
    sheet.delete_rows(2)  # the template's example row
    sheet.append(["HOTSPOT-5G", 25, in_90_days, None, "no", None])
    sheet.append(["doccam-1", 1200, in_90_days, 150000, "yes", "Ceiling mount"])
    filled = tmp_path / "lakeview-needs.xlsx"
    workbook.save(filled)
    workbook.close()

    page.get_by_label("Spreadsheet (CSV, XLSX or ODS)").set_input_files(filled)
    page.get_by_role("button", name="Import needs").click()

    expect(page.get_by_role("alert").filter(has_text="Imported 2 needs from lakeview-needs.xlsx.")).to_be_visible()
    expect(page.get_by_text("3 open", exact=True)).to_be_visible()
    rows = page.get_by_role("table").get_by_role("row")
    expect(rows).to_have_count(4)
    expect_cells(
        rows.filter(has_text="5G hotspot"),
        "Open",
        "5G hotspot HOTSPOT-5G · Connectivity",
        "25",
        in_90_days.isoformat(),
        "—",
        "No",
        "Edit Withdraw",
    )
    expect_cells(
        rows.filter(has_text="Document camera"),
        "Open",
        "Document camera DOCCAM-1 · Classroom Cameras",
        "1,200",
        in_90_days.isoformat(),
        "$150,000.00",
        "Yes",
        "Edit Withdraw",
    )
    with read_db():
        imported = needs_of(district_id)[1:]
        assert [
            (need.item.code, need.quantity, need.budget_cap_cents, need.erate_eligible, need.spec_notes)
            for need in imported
        ] == [("HOTSPOT-5G", 25, None, False, ""), ("DOCCAM-1", 1200, 150_000_00, True, "Ceiling mount")]

    # A file with bad rows: every problem by line, column and reason, and nothing imported -- not even its good row.
    bad = tmp_path / "more-needs.csv"
    with bad.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["item_code", "quantity", "needed_by", "budget_cap", "erate_eligible", "spec_notes"])
        writer.writerow(["LAPTOP-14", "30", in_60_days, "", "no", "A good row, in a bad file"])
        writer.writerow(["PROJECTOR-X", "10", in_60_days, "", "", ""])
        writer.writerow(["HOTSPOT-5G", "0", in_60_days, "", "", ""])
        writer.writerow(["DOCCAM-1", "5", "2020-01-01", "", "maybe", ""])
    go_to(page, "Import needs")
    page.get_by_label("Spreadsheet (CSV, XLSX or ODS)").set_input_files(bad)
    page.get_by_role("button", name="Import needs").click()

    problems = page.get_by_role("alert").filter(has_text="Nothing was imported.")
    expect(problems).to_contain_text("4 problems in 3 lines. Fix them and upload the file again.")
    problem_rows = problems.get_by_role("row")
    expect(problem_rows).to_have_count(5)
    expect_cells(
        problem_rows.nth(1), "3", "item_code", 'Unknown item code "PROJECTOR-X": use an item code from the catalogue.'
    )
    expect_cells(problem_rows.nth(2), "4", "quantity", "Quantity must be a whole number greater than 0.")
    expect_cells(
        problem_rows.nth(3), "5", "needed_by", "2020-01-01 is in the past; the needed-by date must be today or later."
    )
    expect_cells(problem_rows.nth(4), "5", "erate_eligible", 'E-Rate eligible must be "yes" or "no".')
    with read_db():
        assert len(needs_of(district_id)) == 3
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "need.imported")
            )
            == 1
        )

    go_to(page, "Our needs")
    expect(page.get_by_text("3 open", exact=True)).to_be_visible()
    expect(page.get_by_role("table").get_by_role("row").filter(has_text="A good row")).to_have_count(0)


def test_a_buyer_changes_a_need_then_withdraws_it(
    page: Page, make_buyer, make_item, make_need, browser_sign_in, read_db
):
    buyer = make_buyer()
    need = make_need(buyer.organisation, item=make_item("LAPTOP-14", name="14-inch student laptop"), quantity=40)
    db.session.commit()

    browser_sign_in(buyer)
    # The dashboard lists the need as not pooled yet and leads to it.
    page.locator("#open-needs").get_by_role("link", name="40 × 14-inch student laptop").click()
    expect(page.get_by_role("heading", name="Need: 40 × 14-inch student laptop")).to_be_visible()
    go_to(page, "Our needs")
    row = page.get_by_role("table").get_by_role("row").filter(has_text="14-inch student laptop")
    row.get_by_role("link", name="Edit").click()
    expect(page.get_by_label("Quantity")).to_have_value("40")
    page.get_by_label("Quantity").fill("45")
    page.get_by_role("button", name="Save changes").click()

    expect(page.get_by_role("alert").filter(has_text="Your changes are saved.")).to_be_visible()
    expect(row.get_by_role("cell").nth(2)).to_have_text("45")
    row.get_by_role("link", name="Withdraw").click()
    expect(page.get_by_role("heading", name="Withdraw this need?")).to_be_visible()
    page.get_by_role("button", name="Withdraw this need").click()

    expect(
        page.get_by_role("alert").filter(has_text="Your need for 45 × 14-inch student laptop is withdrawn.")
    ).to_be_visible()
    expect(row.get_by_role("cell").first).to_have_text("Withdrawn")
    expect(row.get_by_role("link", name="Edit")).to_have_count(0)
    with read_db():
        stored = db.session.get(Need, need.id)
        assert (stored.quantity, stored.status) == (45, NeedStatus.WITHDRAWN)
