"""Text a spreadsheet program would run as a formula goes out of every download as inert text."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import openpyxl
import pytest

from coop.bids.models import Bid, BidLine, BidStatus, PriceTier
from coop.extensions import db
from coop.rfps.models import RfpStatus

VENDOR = '=HYPERLINK("http://x","y")'
PRODUCT = "@SUM(1)"


@pytest.fixture
def opened(make_rfp, make_vendor, now):
    """An opened RFP with one submitted bid whose vendor name and product are formulas."""
    rfp = make_rfp(quantities=(120, 40), deadline_in=timedelta(days=-1))
    db.session.add(Bid(rfp=rfp, vendor=make_vendor(VENDOR), status=BidStatus.SUBMITTED, submitted_at=now(), lines=[
        BidLine(rfp_line=rfp.lines[0], product=PRODUCT, tiers=[PriceTier(min_quantity=1, unit_price_cents=300_00)])]))
    rfp.status = RfpStatus.OPENED
    rfp.opened_at = now()
    db.session.flush()
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
