"""Importing needs from CSV and XLSX: all rows or none, every problem listed by line and column."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from support import text_of

from coop import clock
from coop.audit.models import AuditEvent
from coop.errors import Rejection
from coop.extensions import db
from coop.needs import importing, services
from coop.needs.models import Need, NeedStatus

COLUMNS_MESSAGE = "The columns are: item_code, quantity, needed_by, budget_cap, erate_eligible, spec_notes."
NOT_A_DATE_EXAMPLE = "write dates as YYYY-MM-DD, e.g. 2030-08-15."
# Files saved by LibreOffice Calc itself (how each was made: README.md there).
LIBREOFFICE = Path(__file__).parents[1] / "fixtures" / "libreoffice"


@pytest.fixture
def needs_dated_2039(monkeypatch):
    """Needed-by dates up to 2039 are within reach: the files LibreOffice saved hold needs dated 2039, more than
    :data:`coop.clock.MAX_YEARS_AHEAD` years from today."""
    monkeypatch.setattr(clock, "MAX_YEARS_AHEAD", 2039 - clock.today().year)


def days_ahead(days: int) -> date:
    return clock.today() + timedelta(days=days)


def need_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Need))


def needs_in_order() -> list[tuple]:
    db.session.expire_all()
    return [
        (need.item.code, need.quantity, need.needed_by, need.budget_cap_cents, need.erate_eligible, need.spec_notes)
        for need in db.session.scalars(sa.select(Need).order_by(Need.id))
    ]


def problems(response, table_rows) -> list[str]:
    assert response.status_code == 422
    assert "Nothing was imported." in text_of(response)
    return table_rows(response, "problem-list")


# -- files that import -----------------------------------------------------------------------------------------------


def test_a_csv_file_imports_every_row_and_the_list_shows_them(upload, buyer, catalogue, csv_file, table_rows):
    content = csv_file(
        [
            ["LAPTOP-14", "40", days_ahead(30).isoformat(), "12500", "yes", "Backlit keyboard"],
            ["chromebook-11", "1,200", days_ahead(60).isoformat(), "$36,000.50", "No", ""],
            ["AP-WIFI6", "12", days_ahead(90).isoformat(), "", "", ""],
        ]
    )
    response = upload("needs.csv", content, follow_redirects=True)
    assert response.status_code == 200
    assert "Imported 3 needs from needs.csv." in text_of(response)
    assert table_rows(response, "needs") == [
        f"Open 14-inch student laptop LAPTOP-14 · Student Devices 40 {days_ahead(30).isoformat()} $12,500.00 Yes Edit Withdraw",
        f"Open 11-inch Chromebook CHROMEBOOK-11 · Student Devices 1,200 {days_ahead(60).isoformat()} $36,000.50 No Edit Withdraw",
        f"Open Wi-Fi 6 access point AP-WIFI6 · Network 12 {days_ahead(90).isoformat()} — No Edit Withdraw",
    ]
    assert needs_in_order() == [
        ("LAPTOP-14", 40, days_ahead(30), 1_250_000, True, "Backlit keyboard"),
        ("CHROMEBOOK-11", 1200, days_ahead(60), 3_600_050, False, ""),
        ("AP-WIFI6", 12, days_ahead(90), None, False, ""),
    ]
    needs = db.session.scalars(sa.select(Need)).all()
    assert {(need.district_id, need.created_by_id, need.status) for need in needs} == {
        (buyer.organisation.id, buyer.id, NeedStatus.OPEN)
    }
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.entity_type == "need")).one()
    assert (
        event.action,
        event.actor_user_id,
        event.after["count"],
        event.after["file"],
        sorted(event.after["need_ids"]),
    ) == ("need.imported", buyer.id, 3, "needs.csv", sorted(need.id for need in needs))


def test_an_xlsx_file_with_real_dates_numbers_and_booleans_imports(upload, catalogue, xlsx_file):
    content = xlsx_file(
        [
            ["LAPTOP-14", 40, datetime.combine(days_ahead(30), datetime.min.time()), 12500.5, True, "Touch screen"],
            ["AP-WIFI6", 12.0, days_ahead(45).isoformat(), None, "no", None],
        ]
    )
    response = upload("Needs 2027.xlsx", content, follow_redirects=True)
    assert "Imported 2 needs from Needs 2027.xlsx." in text_of(response)
    assert needs_in_order() == [
        ("LAPTOP-14", 40, days_ahead(30), 1_250_050, True, "Touch screen"),
        ("AP-WIFI6", 12, days_ahead(45), None, False, ""),
    ]


def test_a_semicolon_separated_windows_csv_imports(upload, catalogue):
    content = (
        f"item_code;quantity;needed_by;spec_notes\r\nLAPTOP-14;40;{days_ahead(30).isoformat()};Café-proof keyboard\r\n"
    ).encode("cp1252")
    response = upload("export.csv", content, follow_redirects=True)
    assert "Imported 1 need from export.csv." in text_of(response)
    assert needs_in_order() == [("LAPTOP-14", 40, days_ahead(30), None, False, "Café-proof keyboard")]


def test_optional_columns_may_be_left_out_and_headers_are_forgiving(upload, catalogue, csv_file):
    content = csv_file([["LAPTOP-14", "5", days_ahead(3).isoformat()]], header=["Item Code", "Quantity", "Needed-By"])
    response = upload("short.csv", content, follow_redirects=True)
    assert "Imported 1 need from short.csv." in text_of(response)
    assert needs_in_order() == [("LAPTOP-14", 5, days_ahead(3), None, False, "")]


def test_the_csv_template_round_trip(as_buyer, upload, catalogue):
    response = as_buyer.get("/needs/import/template.csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="coop-needs-template.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0] == ["item_code", "quantity", "needed_by", "budget_cap", "erate_eligible", "spec_notes"]
    assert rows[1] == [
        "AP-WIFI6",
        "40",
        days_ahead(90).isoformat(),
        "12500.00",
        "yes",
        "Replace this example row with your needs, one per row.",
    ]
    # A buyer keeps the header, replaces the example with their own rows and uploads it.
    rows[1:] = [
        ["LAPTOP-14", "35", days_ahead(20).isoformat(), "9999.99", "yes", ""],
        ["CHROMEBOOK-11", "70", days_ahead(25).isoformat(), "", "no", "Rugged case"],
    ]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    response = upload("coop-needs-template.csv", buffer.getvalue().encode("utf-8-sig"), follow_redirects=True)
    assert "Imported 2 needs from coop-needs-template.csv." in text_of(response)
    assert needs_in_order() == [
        ("LAPTOP-14", 35, days_ahead(20), 999_999, True, ""),
        ("CHROMEBOOK-11", 70, days_ahead(25), None, False, "Rugged case"),
    ]


def test_the_xlsx_template_round_trip(as_buyer, upload, catalogue, table_rows):
    response = as_buyer.get("/needs/import/template.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="coop-needs-template.xlsx"'
    workbook = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    assert workbook.sheetnames == ["Needs", "Instructions", "Items"]
    needs = workbook["Needs"]
    assert [cell.value for cell in needs[1]] == [
        "item_code",
        "quantity",
        "needed_by",
        "budget_cap",
        "erate_eligible",
        "spec_notes",
    ]
    assert needs["A2"].value == "AP-WIFI6"
    assert [row[0] for row in workbook["Items"].iter_rows(min_row=2, values_only=True)] == [
        "AP-WIFI6",
        "CHROMEBOOK-11",
        "LAPTOP-14",
    ]
    assert workbook["Instructions"]["A3"].value == "quantity"
    # Two rows are added below the example, one with an Excel date cell; the example left in is refused, not
    # ordered as a need of 40 access points.
    needs.append(["LAPTOP-14", 35, datetime.combine(days_ahead(20), datetime.min.time()), 9999.99, "yes", None])
    needs.append(["CHROMEBOOK-11", 70, days_ahead(25).isoformat(), None, None, "Rugged case"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload("our needs.xlsx", buffer.getvalue(), follow_redirects=True)
    assert problems(response, table_rows) == [f"2 spec_notes {importing.EXAMPLE_ROW_LEFT_IN}"]
    assert needs_in_order() == []
    # Without the example row, the buyer's rows import.
    needs.delete_rows(2)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload("our needs.xlsx", buffer.getvalue(), follow_redirects=True)
    assert "Imported 2 needs from our needs.xlsx." in text_of(response)
    assert needs_in_order() == [
        ("LAPTOP-14", 35, days_ahead(20), 999_999, True, ""),
        ("CHROMEBOOK-11", 70, days_ahead(25), None, False, "Rugged case"),
    ]


def test_the_templates_hold_no_formula_and_import_unchanged(as_buyer, upload, make_item):
    make_item("-PRO-14", category="student-devices", name='=HYPERLINK("http://x","y")')
    make_item("@SUM-1", category="network", name="+Mesh node")
    content = as_buyer.get("/needs/import/template.csv").get_data()
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert rows[1][0] == "'@SUM-1"  # the first item of the catalogue, by category
    assert [cell for row in rows for cell in row if cell[:1] in ("=", "+", "-", "@", "\t", "\r")] == []
    # The buyer writes over the example row (its notes) and imports the file: the codes read back as typed.
    content = content.replace(importing.EXAMPLE_NOTES.encode(), b"Our own need")
    response = upload("coop-needs-template.csv", content, follow_redirects=True)
    assert "Imported 1 need from coop-needs-template.csv." in text_of(response)

    workbook = openpyxl.load_workbook(io.BytesIO(as_buyer.get("/needs/import/template.xlsx").get_data()))
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
    assert [cell.value for cell in cells if isinstance(cell.value, str) and cell.value[:1] in "=+-@\t\r"] == []
    assert [[cell.value for cell in row] for row in workbook["Items"].iter_rows(min_row=2)] == [
        ["'@SUM-1", "'+Mesh node", "Network", "each"],
        ["'-PRO-14", '\'=HYPERLINK("http://x","y")', "Student Devices", "each"],
    ]
    workbook["Needs"]["F2"] = "Our own need"
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload("coop-needs-template.xlsx", buffer.getvalue(), follow_redirects=True)
    assert "Imported 1 need from coop-needs-template.xlsx." in text_of(response)
    assert [code for code, *_rest in needs_in_order()] == ["@SUM-1", "@SUM-1"]


def test_five_thousand_rows_import_in_one_go(upload, buyer, catalogue, csv_file):
    codes = ["LAPTOP-14", "CHROMEBOOK-11", "AP-WIFI6"]
    rows = [
        [
            codes[i % 3],
            str(1 + i % 50),
            days_ahead(1 + i % 200).isoformat(),
            f"{100 + i}.25" if i % 2 else "",
            "yes" if i % 5 == 0 else "no",
            f"row {i}",
        ]
        for i in range(5000)
    ]
    response = upload("big.csv", csv_file(rows), follow_redirects=True)
    assert "Imported 5,000 needs from big.csv." in text_of(response)
    assert need_count() == 5000
    total = db.session.scalar(sa.select(sa.func.sum(Need.quantity)))
    assert total == sum(1 + i % 50 for i in range(5000))
    assert "Page 1 of 50" in text_of(response)


# -- files that import nothing -----------------------------------------------------------------------------------------


def test_several_bad_rows_are_all_listed_and_nothing_is_imported(upload, catalogue, csv_file, table_rows):
    past = clock.today() - timedelta(days=2)
    content = csv_file(
        [
            ["LAPTOP-14", "40", days_ahead(30).isoformat(), "", "", ""],  # line 2: fine
            ["LAPTOP-15", "0", past.isoformat(), "12.345", "maybe", ""],  # line 3: five problems
            ["AP-WIFI6", "ten", "31/12/2030", "$1,250.50", "yes", ""],  # line 4: two problems
            ["", "", "", "", "", ""],  # line 5: blank, skipped
            ["", "2.5", "2030-02-30", "about 5k", "", "x" * 2001],  # line 6: five problems
            ["CHROMEBOOK-11", "1000001", "", "-20", "", ""],  # line 7: three problems
        ]
    )
    response = upload("needs.csv", content)
    assert "15 problems in 4 lines. Fix them and upload the file again." in text_of(response)
    assert problems(response, table_rows) == [
        '3 item_code Unknown item code "LAPTOP-15": use an item code from the catalogue.',
        "3 quantity Quantity must be a whole number greater than 0.",
        f"3 needed_by {past.isoformat()} is in the past; the needed-by date must be today or later.",
        "3 budget_cap Budget cap must be an amount in dollars, like 1250 or 1250.00 (at most 2 decimals).",
        '3 erate_eligible E-Rate eligible must be "yes" or "no".',
        "4 quantity Quantity must be a whole number greater than 0.",
        f'4 needed_by "31/12/2030" is not a US date (month/day/year): {NOT_A_DATE_EXAMPLE}',
        "6 item_code Enter an item code from the catalogue.",
        "6 quantity Quantity must be a whole number greater than 0.",
        f'6 needed_by "2030-02-30" is not a date: {NOT_A_DATE_EXAMPLE}',
        "6 budget_cap Budget cap must be an amount in dollars, like 1250 or 1250.00 (at most 2 decimals).",
        "6 spec_notes Spec notes must be at most 2,000 characters.",
        "7 quantity Quantity must be at most 1,000,000.",
        "7 needed_by Enter the date the items are needed by (YYYY-MM-DD).",
        "7 budget_cap Budget cap must be an amount in dollars, like 1250 or 1250.00 (at most 2 decimals).",
    ]
    assert need_count() == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0


def test_bad_rows_in_an_xlsx_file_are_listed_by_spreadsheet_line(upload, catalogue, xlsx_file, table_rows):
    content = xlsx_file(
        [
            ["LAPTOP-14", 40, days_ahead(30), None, None, None],
            [None, None, None, None, None, None],  # a blank line 3 still counts
            ["LAPTOP-14", 2.5, days_ahead(30), 12.345, None, None],
            ["NOPE", 1, days_ahead(30), None, "sure", None],
        ]
    )
    response = upload("needs.xlsx", content)
    assert problems(response, table_rows) == [
        "4 quantity Quantity must be a whole number greater than 0.",
        "4 budget_cap Budget cap must be an amount in dollars, like 1250 or 1250.00 (at most 2 decimals).",
        '5 item_code Unknown item code "NOPE": use an item code from the catalogue.',
        '5 erate_eligible E-Rate eligible must be "yes" or "no".',
    ]
    assert "4 problems in 2 lines." in text_of(response)
    assert need_count() == 0


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        (
            "report.pdf",
            b"%PDF-1.7 not a spreadsheet",
            '"report.pdf" is not a CSV, XLSX or ODS file. Save your spreadsheet as CSV, Excel Workbook (.xlsx) or '
            "OpenDocument Spreadsheet (.ods) and upload it again.",
        ),
        (
            "needs.xls",
            b"\xd0\xcf\x11\xe0 old excel",
            '"needs.xls" is not a CSV, XLSX or ODS file. Save your spreadsheet as CSV, Excel Workbook (.xlsx) or '
            "OpenDocument Spreadsheet (.ods) and upload it again.",
        ),
        (
            "needs",
            b"item_code,quantity,needed_by\n",
            '"needs" is not a CSV, XLSX or ODS file. Save your spreadsheet as CSV, Excel Workbook (.xlsx) or '
            "OpenDocument Spreadsheet (.ods) and upload it again.",
        ),
        ("needs.csv", b"", '"needs.csv" is empty. Start from the template: a header row, then one need per row.'),
        (
            "needs.csv",
            b"\r\n,,,\r\n\r\n",
            '"needs.csv" is empty. Start from the template: a header row, then one need per row.',
        ),
        (
            "needs.csv",
            b"item_code,quantity,needed_by,budget_cap,erate_eligible,spec_notes\r\n",
            '"needs.csv" has a header row but no needs below it.',
        ),
        (
            "needs.xlsx",
            b"item_code,quantity,needed_by\nLAPTOP-14,4,2099-01-01\n",
            '"needs.xlsx" could not be read as an Excel workbook. Save it again as .xlsx, or as CSV, and upload it again.',
        ),
        (
            "needs.xlsx",
            b"PK\x03\x04 broken zip",
            '"needs.xlsx" could not be read as an Excel workbook. Save it again as .xlsx, or as CSV, and upload it again.',
        ),
        (
            "needs.csv",
            b"item_code\x00quantity\x00\xff\xfe",
            '"needs.csv" could not be read as CSV text. Save it again as CSV (UTF-8) and upload it again.',
        ),
    ],
)
def test_a_file_that_is_not_a_readable_spreadsheet_says_why(upload, catalogue, table_rows, filename, content, message):
    response = upload(filename, content)
    assert problems(response, table_rows) == [f"— — {message}"]
    assert "Fix the file and upload it again." in text_of(response)
    assert need_count() == 0


def test_an_xlsx_file_with_a_csv_name_is_read_as_what_it_is(upload, catalogue, xlsx_file):
    content = xlsx_file([["LAPTOP-14", 3, days_ahead(9), None, None, None]])
    response = upload("needs.csv", content, follow_redirects=True)
    assert "Imported 1 need from needs.csv." in text_of(response)


def test_too_many_rows_are_refused_before_any_is_checked(app, upload, catalogue, csv_file, table_rows, monkeypatch):
    monkeypatch.setitem(app.config, "COOP_IMPORT_MAX_ROWS", 3)
    rows = [["LAPTOP-14", "1", days_ahead(5).isoformat()]] * 3
    assert upload("ok.csv", csv_file(rows, header=["item_code", "quantity", "needed_by"])).status_code == 302
    response = upload("big.csv", csv_file([["NOPE", "x", "y"]] * 4, header=["item_code", "quantity", "needed_by"]))
    assert problems(response, table_rows) == [
        "— — The file has more than 3 needs. Import at most 3 at a time: split the file."
    ]
    assert need_count() == 3


def test_header_problems_are_listed_on_line_1(upload, catalogue, csv_file, table_rows):
    content = csv_file(
        [["LAPTOP-14", "x", "1", "2", "3"]], header=["item_code", "qty", "budget_cap", "colour", "budget_cap"]
    )
    response = upload("needs.csv", content)
    assert problems(response, table_rows) == [
        f'1 qty Unknown column "qty". {COLUMNS_MESSAGE}',
        f'1 colour Unknown column "colour". {COLUMNS_MESSAGE}',
        '1 budget_cap The column "budget_cap" appears more than once in the header row.',
        '1 quantity The header row has no "quantity" column.',
        '1 needed_by The header row has no "needed_by" column.',
    ]
    assert need_count() == 0


def test_a_file_without_a_header_row_is_told_which_columns_are_missing(upload, catalogue, csv_file, table_rows):
    content = csv_file([["LAPTOP-14", "40", days_ahead(5).isoformat()]], header=None)
    response = upload("needs.csv", content)
    assert problems(response, table_rows)[-3:] == [
        '1 item_code The header row has no "item_code" column.',
        '1 quantity The header row has no "quantity" column.',
        '1 needed_by The header row has no "needed_by" column.',
    ]


def test_values_outside_the_named_columns_are_refused(upload, catalogue, table_rows):
    content = (
        f"item_code,quantity,needed_by,,spec_notes\r\n"
        f"LAPTOP-14,40,{days_ahead(5).isoformat()},,ok\r\n"
        f"LAPTOP-14,40,{days_ahead(5).isoformat()},oops,ok\r\n"
        f"LAPTOP-14,40,{days_ahead(5).isoformat()},,8GB, touch screen\r\n"
    ).encode()
    response = upload("needs.csv", content)
    assert problems(response, table_rows) == ["1 D Column D has values but no name in the header row."]
    content = (
        f"item_code,quantity,needed_by,spec_notes\r\n"
        f"LAPTOP-14,40,{days_ahead(5).isoformat()},8GB, touch screen\r\n"
        f"LAPTOP-14,40,{days_ahead(5).isoformat()},fine,,,\r\n"
    ).encode()
    response = upload("needs.csv", content)
    assert problems(response, table_rows) == ["2 — This row has 5 values but the header row names 4 columns."]
    assert need_count() == 0


def test_no_file_chosen(as_buyer):
    response = as_buyer.post("/needs/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choose a CSV, XLSX or ODS file to import." in text_of(response)


def test_the_service_imports_nothing_from_a_file_with_one_bad_row(buyer, catalogue, csv_file):
    good = [["LAPTOP-14", "40", days_ahead(30).isoformat(), "", "", ""]] * 999
    with pytest.raises(Rejection) as rejected:
        services.import_needs(
            buyer, "needs.csv", csv_file(good + [["LAPTOP-14", "-1", days_ahead(30).isoformat(), "", "", ""]])
        )
    assert [(p.line, p.column, p.message) for p in rejected.value.problems] == [
        (1001, "quantity", "Quantity must be a whole number greater than 0.")
    ]
    assert need_count() == 0


def test_a_huge_problem_list_is_cut_short_on_the_page(upload, catalogue, csv_file):
    response = upload("bad.csv", csv_file([["NOPE", "0", "soon", "", "", ""]] * 200))
    page = text_of(response)
    assert "600 problems in 200 lines." in page
    assert "Showing the first 500 of 600 problems." in page


def test_a_file_over_the_upload_limit_is_refused(app, upload, catalogue, csv_file, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2_000)
    rows = [["LAPTOP-14", "1", days_ahead(5).isoformat(), "", "", "x" * 100]] * 30
    response = upload("big.csv", csv_file(rows))
    assert response.status_code == 413
    assert "The file is too large." in text_of(response)
    assert need_count() == 0


def test_the_import_page_explains_the_columns_and_lists_the_item_codes(as_buyer, catalogue, table_rows):
    response = as_buyer.get("/needs/import")
    page = text_of(response)
    assert "at most 20,000 needs per file" in page
    assert "Download the XLSX template" in page and "Download the CSV template" in page
    assert "quantity required How many: a whole number from 1 to 1,000,000." in page
    assert "Catalogue item codes (3) item_code Item Category AP-WIFI6 Wi-Fi 6 access point Network" in page


def test_a_zip_that_is_not_a_workbook_is_refused(upload, catalogue, table_rows):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<broken")
    response = upload("needs.xlsx", buffer.getvalue())
    assert problems(response, table_rows) == [
        '— — "needs.xlsx" could not be read as an Excel workbook. Save it again as .xlsx, or as CSV, and upload it again.'
    ]


def test_a_csv_saved_by_a_us_locale_spreadsheet_imports_its_month_day_year_dates(upload, catalogue):
    content = b"item_code,quantity,needed_by\r\nLAPTOP-14,10,08/15/2030\r\nLAPTOP-14,11,8/16/30\r\n"
    response = upload("needs.csv", content, follow_redirects=True)
    assert "Imported 2 needs from needs.csv." in text_of(response)
    assert [needed_by for _code, _quantity, needed_by, *_rest in needs_in_order()] == [
        date(2030, 8, 15),
        date(2030, 8, 16),
    ]


def test_a_day_first_date_is_refused_as_not_a_us_date(upload, catalogue, table_rows):
    response = upload("needs.csv", b"item_code,quantity,needed_by\r\nLAPTOP-14,10,15/08/2030\r\n")
    assert problems(response, table_rows) == [
        '2 needed_by "15/08/2030" is not a US date (month/day/year): write dates as YYYY-MM-DD, e.g. 2030-08-15.'
    ]
    assert needs_in_order() == []


def test_a_header_carrying_a_byte_order_mark_as_text_is_recognised_and_the_csv_template_has_none(
    as_buyer, upload, catalogue
):
    assert not as_buyer.get("/needs/import/template.csv").get_data().startswith(b"\xef\xbb\xbf")
    # The CSV template opened with LibreOffice's default (Latin-1) import and saved as XLSX: "ï»¿item_code".
    workbook = openpyxl.Workbook()
    workbook.active.append(["ï»¿item_code", "quantity", "needed_by"])
    workbook.active.append(["LAPTOP-14", 5, days_ahead(30).isoformat()])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload("needs.xlsx", buffer.getvalue(), follow_redirects=True)
    assert "Imported 1 need from needs.xlsx." in text_of(response)


# -- files as LibreOffice saves them (tests/fixtures/libreoffice) ------------------------------------------------------


def test_the_xlsx_template_saved_as_ods_by_libreoffice_imports_its_needs_sheet(upload, catalogue, needs_dated_2039):
    response = upload("needs.ods", (LIBREOFFICE / "needs.ods").read_bytes(), follow_redirects=True)
    assert "Imported 2 needs from needs.ods." in text_of(response)
    assert needs_in_order() == [
        ("LAPTOP-14", 120, date(2039, 8, 15), 3_600_000, True, "Grades 6-8, with cases"),
        ("AP-WIFI6", 12, date(2039, 9, 1), None, False, ""),
    ]


def test_the_csv_template_opened_and_saved_as_ods_by_libreoffice_imports(upload, catalogue, needs_dated_2039):
    response = upload("needs.ods", (LIBREOFFICE / "needs-template.ods").read_bytes(), follow_redirects=True)
    assert "Imported 2 needs from needs.ods." in text_of(response)
    assert needs_in_order() == [
        ("LAPTOP-14", 40, date(2039, 8, 15), 1_250_000, True, "Grades 6-8"),
        ("AP-WIFI6", 12, date(2039, 9, 1), None, False, ""),
    ]


def test_an_ods_file_is_read_by_what_it_holds_whatever_its_name(upload, catalogue, needs_dated_2039):
    response = upload("needs.xlsx", (LIBREOFFICE / "needs.ods").read_bytes(), follow_redirects=True)
    assert "Imported 2 needs from needs.xlsx." in text_of(response)


def test_a_csv_saved_by_libreoffice_with_us_dates_imports_them(upload, catalogue, needs_dated_2039):
    content = (LIBREOFFICE / "needs-us-dates.csv").read_bytes()
    assert b",08/15/2039," in content and b",9/1/39," in content  # as a US-locale spreadsheet shows them
    response = upload("needs.csv", content, follow_redirects=True)
    assert "Imported 2 needs from needs.csv." in text_of(response)
    assert [needed_by for _code, _quantity, needed_by, *_rest in needs_in_order()] == [
        date(2039, 8, 15),
        date(2039, 9, 1),
    ]


def test_the_csv_template_with_a_byte_order_mark_saved_as_xlsx_by_libreoffice_imports(
    upload, catalogue, needs_dated_2039
):
    content = (LIBREOFFICE / "needs-bom.xlsx").read_bytes()
    header = [cell.value for cell in openpyxl.load_workbook(io.BytesIO(content)).active[1]]
    assert header[0] == "ï»¿item_code"  # the mark read as Windows-1252 text
    response = upload("needs.xlsx", content, follow_redirects=True)
    assert "Imported 1 need from needs.xlsx." in text_of(response)
    assert needs_in_order() == [("LAPTOP-14", 40, date(2039, 8, 15), 1_250_000, True, "")]


def test_a_header_starting_with_a_byte_order_mark_character_is_recognised(
    upload, catalogue, csv_file, needs_dated_2039
):
    # A UTF-8 file with the mark twice over (saved again by a program that kept the first one as text).
    content = b"\xef\xbb\xbf" + csv_file(
        [["LAPTOP-14", "3", "2039-08-15"]], header=["\ufeffitem_code", "quantity", "needed_by"]
    )
    response = upload("needs.csv", content, follow_redirects=True)
    assert "Imported 1 need from needs.csv." in text_of(response)


@pytest.mark.parametrize(
    ("needed_by", "message"),
    [
        ("13/08/2039", f'"13/08/2039" is not a US date (month/day/year): {NOT_A_DATE_EXAMPLE}'),
        ("2039-15-08", f'"2039-15-08" is not a date: {NOT_A_DATE_EXAMPLE}'),
        ("02/30/2039", f'"02/30/2039" is not a date: {NOT_A_DATE_EXAMPLE}'),
        ("8/15/2039/1", f'"8/15/2039/1" is not a date: {NOT_A_DATE_EXAMPLE}'),
        ("08/15/339", f'"08/15/339" is not a date: {NOT_A_DATE_EXAMPLE}'),
    ],
)
def test_a_date_neither_us_nor_iso_is_refused_naming_its_row_and_column(
    upload, catalogue, csv_file, table_rows, needed_by, message, needs_dated_2039
):
    content = csv_file([["LAPTOP-14", "3", "08/15/39"], ["LAPTOP-14", "4", needed_by]])
    response = upload("needs.csv", content)
    assert problems(response, table_rows) == [f"3 needed_by {message}"]
    assert need_count() == 0


def test_the_import_page_offers_ods(as_buyer):
    page = as_buyer.get("/needs/import").get_data(as_text=True)
    assert 'accept=".csv,.xlsx,.ods"' in page
    assert "CSV, Excel (.xlsx) or LibreOffice (.ods)" in text_of(as_buyer.get("/needs/import"))
