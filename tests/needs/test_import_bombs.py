"""Spreadsheet bombs sent to the needs import page: refused at once, cheaply, and nothing imported."""

from __future__ import annotations

from datetime import timedelta

import bombs
import pytest
import sqlalchemy as sa

from coop import clock
from coop.extensions import db
from coop.needs.models import Need

HEADER = ["item_code", "quantity", "needed_by", "budget_cap", "erate_eligible", "spec_notes"]

TOO_MANY_LINES = (
    "— — The file has more than 20,001 rows, empty ones included. Import at most 20,000 needs at a "
    "time, without empty rows between them."
)


# The bombs the row cap refuses, counting rows (empty ones too) or needs.
ROW_CAP_REFUSALS = {
    "millions of empty csv lines": TOO_MANY_LINES,
    "ods row repeated two million times": (
        "— — The file has more than 20,000 needs. Import at most 20,000 at a time: split the file."
    ),
    "ods blank row repeated two million times": TOO_MANY_LINES,
}


@pytest.mark.parametrize("bomb", bombs.BOMBS, ids=lambda bomb: bomb.name)
def test_a_spreadsheet_bomb_is_refused_in_under_2_s_and_50_mb(as_buyer, catalogue, table_rows, bomb):
    filename = f"needs.{bomb.extension}"
    message = bomb.message(filename) or ROW_CAP_REFUSALS[bomb.name]
    content = bomb.build("Needs", HEADER)
    assert len(content) < 100 * 1024 or filename.endswith(".csv")
    request = bombs.multipart({}, filename, content)
    cost = bombs.cost_of(lambda: as_buyer.post("/needs/import", **request))
    print(
        f"{filename}: {cost.seconds:.3f} s, Python peak {cost.python_peak_bytes / bombs.MB:.1f} MB, resident growth "
        f"{cost.resident_growth_bytes / bombs.MB:.1f} MB"
    )  # the figures, for the record (pytest -s)
    assert cost.response.status_code == 422
    assert table_rows(cost.response, "problem-list") == [message]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Need)) == 0
    assert cost.seconds < bombs.MAX_SECONDS
    assert cost.python_peak_bytes < bombs.MAX_EXTRA_BYTES
    assert cost.resident_growth_bytes < bombs.MAX_EXTRA_BYTES


def test_blank_rows_are_counted_so_reading_stops_at_the_row_cap(app, monkeypatch, as_buyer, catalogue, table_rows):
    # Past the archive checks (lifted here), the rows themselves are counted, blank ones too.
    monkeypatch.setitem(app.config, "COOP_XLSX_MAX_RATIO", 1_000_000)
    request = bombs.multipart({}, "needs.xlsx", bombs.blank_rows("Needs", HEADER))
    cost = bombs.cost_of(lambda: as_buyer.post("/needs/import", **request))
    print(
        f"row cap: {cost.seconds:.3f} s, Python peak {cost.python_peak_bytes / bombs.MB:.1f} MB, resident growth "
        f"{cost.resident_growth_bytes / bombs.MB:.1f} MB"
    )
    assert table_rows(cost.response, "problem-list") == [TOO_MANY_LINES]
    assert cost.seconds < bombs.MAX_SECONDS
    assert cost.python_peak_bytes < bombs.MAX_EXTRA_BYTES
    assert cost.resident_growth_bytes < bombs.MAX_EXTRA_BYTES


def test_a_few_needs_among_too_many_blank_rows_are_refused_with_the_rows_counted(
    app, monkeypatch, upload, catalogue, table_rows, xlsx_file
):
    monkeypatch.setitem(app.config, "COOP_IMPORT_MAX_ROWS", 3)
    need = ["LAPTOP-14", 1, (clock.today() + timedelta(days=30)).isoformat(), None, None, None]
    assert upload("ok.xlsx", xlsx_file([need, [None] * 6, need])).status_code == 302
    # openpyxl writes a row for an empty string cell: rows 3 to 5 are there, and empty.
    response = upload("blank.xlsx", xlsx_file([need, *[[""]] * 3, need]))
    assert table_rows(response, "problem-list") == [
        "— — The file has more than 4 rows, empty ones included. Import at most 3 needs at a time, without empty rows "
        "between them."
    ]
    response = upload("long.xlsx", xlsx_file([need] * 4))
    assert table_rows(response, "problem-list") == [
        "— — The file has more than 3 needs. Import at most 3 at a time: split the file."
    ]


def test_an_ods_file_writing_out_as_many_repeated_cells_as_allowed_costs_under_2_s_and_50_mb(
    as_buyer, catalogue, table_rows
):
    # 32 MB at 192 bytes a copy: 174,762 copies of cells, here a cell on 83 columns of 2,105 rows.
    cell = '<table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="83"/>'
    rows = f'<table:table-row table:number-rows-repeated="2105">{cell}</table:table-row>'
    content = bombs.ods(f'<table:table table:name="Needs">{bombs.ods_row(*HEADER)}{rows}</table:table>')
    request = bombs.multipart({}, "needs.ods", content)
    cost = bombs.cost_of(lambda: as_buyer.post("/needs/import", **request))
    print(
        f"repeats allowed: {cost.seconds:.3f} s, Python peak {cost.python_peak_bytes / bombs.MB:.1f} MB, resident "
        f"growth {cost.resident_growth_bytes / bombs.MB:.1f} MB"
    )
    problems = table_rows(cost.response, "problem-list")
    assert problems[0] == "2 — This row has 83 values but the header row names 6 columns."
    assert cost.seconds < bombs.MAX_SECONDS
    assert cost.python_peak_bytes < bombs.MAX_EXTRA_BYTES
    assert cost.resident_growth_bytes < bombs.MAX_EXTRA_BYTES
    # One more row of them is refused unread.
    more = bombs.ods(
        f'<table:table table:name="Needs">{bombs.ods_row(*HEADER)}{rows.replace("2105", "2106")}</table:table>'
    )
    assert table_rows(as_buyer.post("/needs/import", **bombs.multipart({}, "needs.ods", more)), "problem-list") == [
        '— — "needs.ods" repeats its cells beyond what any sheet of needs or bid sheet holds. Delete the rows and '
        "columns after your data, or save it as CSV, and upload it again."
    ]
