"""Text a spreadsheet program would run as a formula goes out of every download as inert text."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import openpyxl
import pytest

from coop.bids import services
from coop.extensions import db

VENDOR = '=HYPERLINK("http://x","y")'
PRODUCT = "@SUM(1)"


@pytest.fixture
def opened(make_rfp, make_vendor, make_vendor_rep, admin, bid_input, now, north, south):
    """An opened RFP with one submitted bid whose vendor name and product are formulas."""
    rfp = make_rfp(quantities=(120, 40))
    rep = make_vendor_rep(make_vendor(VENDOR))
    db.session.commit()
    services.save_bid(
        rep,
        rfp.reference,
        bid_input(rfp, line_nos=(1,), tiers=(("1", "300.00"),), product=PRODUCT, annual_cost_per_unit="0.00"),
        revision=None,
        submit=True,
    )
    now(rfp.bid_deadline + timedelta(seconds=1))
    services.open_bids(admin, rfp.id)
    return rfp


def test_the_tabulation_xlsx_holds_no_formula(client, opened):
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(f"/rfps/{opened.reference}/tabulation.xlsx").data))
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
    assert [cell.value for cell in cells if isinstance(cell.value, str) and cell.value[:1] in "=+-@"] == []
    sheet = workbook["Tabulation"]
    row = dict(zip((cell.value for cell in sheet[1]), (cell.value for cell in sheet[2]), strict=True))
    assert (row["vendor"], row["product"]) == ("'" + VENDOR, "'" + PRODUCT)
    assert (row["purchase_cost"], row["pooled_quantity"]) == (36000, 120)  # numbers stay numbers


def test_the_tabulation_csv_holds_no_formula(client, opened):
    content = client.get(f"/rfps/{opened.reference}/tabulation.csv").data.decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(content, newline="")))
    row = dict(zip(header, row, strict=True))
    assert (row["vendor"], row["product"]) == ("'" + VENDOR, "'" + PRODUCT)
    assert (row["purchase_cost"], row["pooled_quantity"]) == ("36000.00", "120")
