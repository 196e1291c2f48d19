"""Spreadsheet bombs sent to the needs import page: refused at once, cheaply, and nothing imported."""

from __future__ import annotations

import bombs
import pytest
import sqlalchemy as sa

from coop.extensions import db
from coop.needs.models import Need

HEADER = ["item_code", "quantity", "needed_by", "budget_cap", "erate_eligible", "spec_notes"]

TOO_MANY_LINES = ("— — The file has more than 20,001 rows, empty ones included. Import at most 20,000 needs at a "
                  "time, without empty rows between them.")


@pytest.mark.parametrize(("filename", "build", "message"), [
    ("needs.xlsx", lambda: bombs.huge_shared_string("Needs", HEADER),
     '— — "needs.xlsx" unpacks to more than 32 MB. Save only the sheet to upload, without pictures or other sheets, '
     "or save it as CSV, and upload it again."),
    ("needs.xlsx", lambda: bombs.blank_rows("Needs", HEADER),
     '— — "needs.xlsx" unpacks to more than 100 times its size, which no spreadsheet program does. Save it again as '
     ".xlsx, or as CSV, and upload it again."),
    ("needs.csv", bombs.csv_one_huge_line,
     '— — Row 1 of "needs.csv" is longer than 65,536 characters. Save it again as CSV and upload it again.'),
    ("needs.csv", bombs.csv_empty_lines, TOO_MANY_LINES),
], ids=["huge shared string", "two million blank rows", "one huge csv line", "millions of empty csv lines"])
def test_a_spreadsheet_bomb_is_refused_in_under_2_s_and_50_mb(as_buyer, catalogue, table_rows, filename, build,
                                                              message):
    content = build()
    assert len(content) < 100 * 1024 or filename.endswith(".csv")
    request = bombs.multipart({}, filename, content)
    cost = bombs.cost_of(lambda: as_buyer.post("/needs/import", **request))
    print(f"{filename}: {cost.seconds:.3f} s, Python peak {cost.python_peak_bytes / bombs.MB:.1f} MB, resident growth "
          f"{cost.resident_growth_bytes / bombs.MB:.1f} MB")  # the figures, for the record (pytest -s)
    assert cost.response.status_code == 422
    assert table_rows(cost.response, "problem-list") == [message]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Need)) == 0
    assert cost.seconds < bombs.MAX_SECONDS
    assert cost.python_peak_bytes < bombs.MAX_EXTRA_BYTES
    assert cost.resident_growth_bytes < bombs.MAX_EXTRA_BYTES
