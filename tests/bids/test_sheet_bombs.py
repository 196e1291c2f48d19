"""Spreadsheet bombs uploaded as a bid sheet: refused at once, cheaply, and no bid saved."""

from __future__ import annotations

import bombs
import pytest
import sqlalchemy as sa

from coop.bids import sheets
from coop.bids.models import Bid
from coop.extensions import db

HEADER = list(sheets.READ_ONLY_COLUMNS) + ["product", "pricing", "tier1_from", "tier1_price"]


# The bombs the row cap refuses: a bid sheet has one row per line of the RFP.
ROW_CAP_REFUSALS = {
    name: "— — The sheet has more rows than {reference} has lines (2): keep one row per line, as downloaded."
    for name in (
        "millions of empty csv lines",
        "ods row repeated two million times",
        "ods blank row repeated two million times",
    )
}


@pytest.mark.parametrize("bomb", bombs.BOMBS, ids=lambda bomb: bomb.name)
def test_a_spreadsheet_bomb_is_refused_in_under_2_s_and_50_mb(log_in, rfp, vendor_user, table_rows, bomb):
    client = log_in(vendor_user)
    filename = f"bid.{bomb.extension}"
    message = bomb.message(filename) or ROW_CAP_REFUSALS[bomb.name]
    request = bombs.multipart({"revision": ""}, filename, bomb.build("Bid", HEADER))
    cost = bombs.cost_of(lambda: client.post(f"/rfps/{rfp.reference}/bid/sheet", **request))
    print(
        f"{filename}: {cost.seconds:.3f} s, Python peak {cost.python_peak_bytes / bombs.MB:.1f} MB, resident growth "
        f"{cost.resident_growth_bytes / bombs.MB:.1f} MB"
    )  # the figures, for the record (pytest -s)
    assert cost.response.status_code == 422
    assert table_rows(cost.response, "sheet-problem-list") == [message.format(reference=rfp.reference)]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Bid)) == 0
    assert cost.seconds < bombs.MAX_SECONDS
    assert cost.python_peak_bytes < bombs.MAX_EXTRA_BYTES
    assert cost.resident_growth_bytes < bombs.MAX_EXTRA_BYTES


def test_blank_rows_are_counted_so_reading_stops_at_the_row_cap(app, monkeypatch, log_in, rfp, vendor_user, table_rows):
    # Past the archive checks (lifted here), the rows themselves are counted, blank ones too.
    monkeypatch.setitem(app.config, "COOP_XLSX_MAX_RATIO", 1_000_000)
    client = log_in(vendor_user)
    request = bombs.multipart({"revision": ""}, "bid.xlsx", bombs.blank_rows("Bid", HEADER))
    cost = bombs.cost_of(lambda: client.post(f"/rfps/{rfp.reference}/bid/sheet", **request))
    print(
        f"row cap: {cost.seconds:.3f} s, Python peak {cost.python_peak_bytes / bombs.MB:.1f} MB, resident growth "
        f"{cost.resident_growth_bytes / bombs.MB:.1f} MB"
    )
    assert table_rows(cost.response, "sheet-problem-list") == [
        f"— — The sheet has more rows than {rfp.reference} has lines (2): keep one row per line, as downloaded."
    ]
    assert cost.seconds < bombs.MAX_SECONDS
    assert cost.python_peak_bytes < bombs.MAX_EXTRA_BYTES
    assert cost.resident_growth_bytes < bombs.MAX_EXTRA_BYTES
