"""The one export writer: text a spreadsheet program would run is written as text, numbers stay numbers, and
what Coop reads back is what was written."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest

from coop import exports, spreadsheets

RISKY = ["=1+1", "+33 1 23 45", "-Pro", "@SUM(1)", "\tTab", "\rReturn", "'=quoted", "''@twice"]
PLAIN = ["Acme", "", "a=b", "'apostrophe", "1+: 289.00"]


@pytest.mark.no_db
def test_risky_text_gets_an_apostrophe_and_reads_back_as_typed():
    assert [exports.safe_text(text) for text in RISKY] == [
        "'=1+1",
        "'+33 1 23 45",
        "'-Pro",
        "'@SUM(1)",
        "'\tTab",
        "'\rReturn",
        "''=quoted",
        "'''@twice",
    ]
    assert [exports.safe_text(text) for text in PLAIN] == PLAIN
    assert [exports.text_as_typed(exports.safe_text(text)) for text in RISKY + PLAIN] == RISKY + PLAIN


@pytest.mark.no_db
def test_a_csv_file_holds_inert_text_and_real_numbers():
    content = exports.csv_bytes(
        [["name", "amount", "count"], ['=HYPERLINK("http://x","y")', Decimal("-12.50"), -3], ["-Pro", None, 0]]
    )
    assert content.startswith("\ufeff".encode())
    assert list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""))) == [
        ["name", "amount", "count"],
        ['\'=HYPERLINK("http://x","y")', "-12.50", "-3"],
        ["'-Pro", "", "0"],
    ]
    assert [row[0] for row in spreadsheets.csv_rows("back.csv", content)] == [
        "name",
        '=HYPERLINK("http://x","y")',
        "-Pro",
    ]


@pytest.mark.no_db
def test_a_workbook_holds_inert_text_and_real_numbers_and_dates():
    workbook, sheet = exports.new_workbook("Data")
    exports.append_row(sheet, ["=1+1", -5, Decimal("-2.50"), date(2027, 5, 14), None, "@SUM(1)"])
    sheet = openpyxl.load_workbook(io.BytesIO(exports.workbook_bytes(workbook)))["Data"]
    assert [(cell.value, cell.data_type) for cell in sheet[1]] == [
        ("'=1+1", "s"),
        (-5, "n"),
        (-2.5, "n"),
        (datetime(2027, 5, 14), "d"),
        (None, "n"),
        ("'@SUM(1)", "s"),
    ]
    assert spreadsheets.cell_text(sheet["A1"].value) == "=1+1"


def test_a_csv_download_names_its_charset_once(app):
    with app.test_request_context():
        response = exports.download(b"a,b\r\n", "csv", "x.csv")
        response.direct_passthrough = False
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert response.headers["Content-Disposition"] == "attachment; filename=x.csv"
