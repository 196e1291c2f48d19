"""Bid sheets: written pre-filled, read back as the bid as typed, every problem named by sheet, line and column."""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import bombs
import openpyxl
import pytest

from coop import spreadsheets
from coop.bids import queries, rules, sheets
from coop.bids.models import Bid, BidLine, DiscountBracket, PriceTier, PricingKind
from coop.bids.rules import BidInput, BracketInput, LineInput, TierInput
from coop.errors import Rejection
from coop.extensions import db

DEADLINE = "5:00 PM PDT, Friday 14 May 2027"
MAX_BYTES = 1024 * 1024
KEYS = ("screen_in", "ram_gb", "storage_gb", "battery_hours", "warranty_years")
TIER_COLUMNS = tuple(name for number in range(1, rules.MAX_TIERS + 1) for name in sheets.tier_columns(number))
HEADER = (
    ("line", "item_code", "item", "unit", "quantity", "requirements", "product", "pricing")
    + TIER_COLUMNS
    + ("annual_support_per_unit", "capacity", "min_award_quantity", "regions")
    + tuple(f"meets:{key}" for key in KEYS)
)
REGIONS = ("north", "south")
# Files saved by LibreOffice Calc itself (how each was made: README.md there).
LIBREOFFICE = Path(__file__).parents[1] / "fixtures" / "libreoffice"
LIMITS = spreadsheets.ArchiveLimits(
    max_parts=1000, max_part_bytes=32 * 1024 * 1024, max_unpacked_bytes=64 * 1024 * 1024, max_ratio=100
)


@pytest.fixture
def rfp(make_rfp, make_region):
    """Two laptop lines (120 and 40 pooled); line 2 asks nothing about battery life."""
    for code in ("north", "south", "east"):
        make_region(code)
    rfp = make_rfp()
    second = rfp.lines[1]
    second.spec = {key: value for key, value in second.spec.items() if key != "battery_hours"}
    db.session.flush()
    return rfp


@pytest.fixture
def requirements(rfp):
    return queries.requirements_by_line(rfp)


def answers(line) -> dict[str, str]:
    asked = {
        "screen_in": "11.6 in IPS",
        "ram_gb": "8 GB",
        "storage_gb": "64 GB eMMC",
        "battery_hours": "12 hours",
        "warranty_years": "3 years with accidental damage",
    }
    if line.line_no == 2:
        del asked["battery_hours"]
    return asked


@pytest.fixture
def bid(rfp) -> BidInput:
    """A whole bid in the text ``queries.as_input`` gives a stored one."""
    first, second = rfp.lines
    return BidInput(
        lines=(
            LineInput(
                first.id,
                "Acme EduBook 11 G3",
                answers(first),
                "all_units",
                (TierInput("1", "289.00"), TierInput("500", "265.50")),
                "12.00",
                "2000",
                "100",
                ("north", "south"),
            ),
            LineInput(
                second.id,
                "Acme EduBook 14",
                answers(second),
                "incremental",
                (TierInput("1", "410.00"), TierInput("20", "399.99"), TierInput("30", "380.00")),
                "0.00",
                "",
                "0",
                ("east",),
            ),
        ),
        discount_brackets=(BracketInput("250000.00", "2.50"), BracketInput("500000.00", "4.00")),
    )


def write(rfp, requirements, bid_input, kind) -> bytes:
    return sheets.write_sheet(rfp, bid_input, kind, requirements=requirements, deadline_text=DEADLINE)


def read(rfp, requirements, filename, content, **options) -> sheets.SheetReading:
    return sheets.read_sheet(
        filename,
        content,
        rfp,
        requirements=requirements,
        default_region_codes=options.get("default_region_codes", REGIONS),
        max_bytes=options.get("max_bytes", MAX_BYTES),
        limits=LIMITS,
    )


def rejected(rfp, requirements, filename, content, **options) -> list[tuple[str, str]]:
    with pytest.raises(Rejection) as caught:
        read(rfp, requirements, filename, content, **options)
    return [(problem.place, problem.message) for problem in caught.value.problems]


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def csv_bytes(rows: list[list]) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def blank_csv(rfp, requirements, header=HEADER, **cells_by_line) -> bytes:
    """The blank CSV sheet with ``cells_by_line`` (``line2={"product": ...}``, sheet lines) filled in."""
    rows = csv_rows(write(rfp, requirements, None, "csv"))
    assert tuple(rows[0]) == HEADER
    for key, cells in cells_by_line.items():
        row = rows[int(key.removeprefix("line")) - 1]
        for name, value in cells.items():
            row[HEADER.index(name)] = value
    return csv_bytes([[row[HEADER.index(name)] if name in HEADER else "" for name in header] for row in rows])


def workbook_bytes(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def load(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content))


def offer(rfp, line_no, *, tiers=(("1", "300.00"),), **fields) -> dict[str, str]:
    """Cells that bid on line ``line_no``, all valid unless ``fields`` say otherwise."""
    line = rfp.lines[line_no - 1]
    cells = {
        "product": "Acme EduBook",
        "pricing": "all_units",
        "annual_support_per_unit": "",
        "capacity": "",
        "min_award_quantity": "",
        "regions": "",
    }
    cells |= {f"meets:{key}": answer for key, answer in answers(line).items()}
    for number, (start, price) in enumerate(tiers, start=1):
        from_column, price_column = sheets.tier_columns(number)
        cells |= {from_column: start, price_column: price}
    return cells | fields


# -- the layout and round trips ---------------------------------------------------------------------------------------


def test_a_blank_csv_sheet_has_a_row_per_line_with_the_read_only_columns_filled(rfp, requirements):
    content = write(rfp, requirements, None, "csv")
    assert content.startswith(codecs.BOM_UTF8)
    rows = csv_rows(content)
    first, second = rfp.lines
    assert tuple(rows[0]) == HEADER
    assert len(rows) == 3
    assert rows[1][:6] == [
        "1",
        first.item.code,
        "11-inch student laptop",
        "each",
        "120",
        "Screen diagonal: at least 11.6 in; Memory (RAM): at least 8 GB; Storage: at least 64 GB; "
        "Battery life (manufacturer-rated): at least 10 hours; Warranty with accidental damage protection: at least 3 years",
    ]
    assert rows[2][:5] == ["2", second.item.code, "14-inch student laptop", "each", "40"]
    assert "Battery" not in rows[2][5]
    assert all(cell == "" for row in rows[1:] for cell in row[6:])


def test_an_xlsx_sheet_pre_filled_with_a_bid_reads_back_as_the_same_bid(rfp, requirements, bid):
    content = write(rfp, requirements, bid, "xlsx")
    workbook = load(content)
    assert workbook.sheetnames == ["Bid", "Discounts", "Instructions"]
    sheet = workbook["Bid"]
    assert tuple(cell.value for cell in sheet[1]) == HEADER
    # Numbers are written as numbers, so that a spreadsheet program computes with them.
    assert [
        sheet.cell(2, HEADER.index(name) + 1).value for name in ("line", "quantity", "tier2_from", "tier2_price")
    ] == [1, 120, 500, 265.5]
    assert sheet.cell(3, HEADER.index("meets:battery_hours") + 1).value is None
    assert [[cell.value for cell in row] for row in workbook["Discounts"].iter_rows()] == [
        ["min_value", "percent"],
        [250000, 2.5],
        [500000, 4],
    ]

    reading = read(rfp, requirements, "bid.xlsx", content)
    assert reading.bid == bid
    assert reading.replaces_discounts
    assert reading.with_saved_discounts(None) == bid


def test_a_stored_bid_goes_out_and_comes_back_as_queries_as_input_gives_it(rfp, requirements, make_vendor, make_region):
    north = make_region("north")
    first = rfp.lines[0]
    stored = Bid(
        rfp=rfp,
        vendor=make_vendor(regions=[north]),
        discount_brackets=[DiscountBracket(min_value_cents=250_000_00, percent=Decimal("2.5"))],
    )
    stored.lines.append(
        BidLine(
            rfp_line=first,
            product="Acme EduBook 11 G3",
            spec_compliance=answers(first),
            pricing_kind=PricingKind.INCREMENTAL,
            annual_cost_per_unit_cents=12_50,
            capacity=None,
            min_award_quantity=0,
            regions=[north],
            tiers=[
                PriceTier(min_quantity=1, unit_price_cents=289_00),
                PriceTier(min_quantity=1_000, unit_price_cents=265_99),
            ],
        )
    )
    db.session.add(stored)
    db.session.flush()
    db.session.expire_all()
    saved = queries.as_input(queries.own_bid(rfp.id, stored.vendor_id))
    for kind in ("xlsx", "csv"):
        reading = read(rfp, requirements, f"bid.{kind}", write(rfp, requirements, saved, kind))
        assert reading.with_saved_discounts(saved) == saved


def test_a_csv_sheet_pre_filled_with_a_bid_reads_back_and_keeps_the_saved_discounts(rfp, requirements, bid):
    content = write(rfp, requirements, bid, "csv")
    rows = csv_rows(content)
    assert rows[1][6:12] == ["Acme EduBook 11 G3", "all_units", "1", "289.00", "500", "265.50"]
    assert rows[1][HEADER.index("regions")] == "north south"

    reading = read(rfp, requirements, "bid.csv", content)
    assert reading.bid == replace(bid, discount_brackets=())
    assert not reading.replaces_discounts
    assert reading.with_saved_discounts(bid) == bid
    assert reading.with_saved_discounts(None) == replace(bid, discount_brackets=())


def test_text_that_looks_like_a_formula_stays_text_in_xlsx(rfp, requirements, bid):
    line = replace(bid.lines[0], product='=HYPERLINK("https://example.com")')
    bid = replace(bid, lines=(line, *bid.lines[1:]))
    assert read(rfp, requirements, "bid.xlsx", write(rfp, requirements, bid, "xlsx")).bid == bid


def inert(cells) -> list[str]:
    """The cells a spreadsheet program would run: formula cells, and text starting as a formula does."""
    return [
        cell.coordinate
        for cell in cells
        if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value[:1] in ("=", "+", "-", "@", "\t", "\r"))
    ]


def test_text_that_looks_like_a_formula_goes_out_inert_and_comes_back_as_typed(rfp, requirements, bid):
    first = replace(
        bid.lines[0],
        product="-Pro",
        spec_compliance={**bid.lines[0].spec_compliance, "ram_gb": "+8 GB", "screen_in": "=1+1"},
    )
    second = replace(bid.lines[1], product="@SUM(1)")
    bid = replace(bid, lines=(first, second))
    xlsx = write(rfp, requirements, bid, "xlsx")
    workbook = load(xlsx)
    assert [coordinate for sheet in workbook for row in sheet.iter_rows() for coordinate in inert(row)] == []
    header = [cell.value for cell in workbook["Bid"][1]]
    assert [
        workbook["Bid"].cell(row=2, column=header.index(name) + 1).value
        for name in ("product", "meets:ram_gb", "meets:screen_in")
    ] == ["'-Pro", "'+8 GB", "'=1+1"]
    assert read(rfp, requirements, "bid.xlsx", xlsx).bid == bid

    content = write(rfp, requirements, bid, "csv")
    rows = csv_rows(content)
    assert [rows[1][HEADER.index("product")], rows[2][HEADER.index("product")]] == ["'-Pro", "'@SUM(1)"]
    assert [cell for row in rows for cell in row if cell[:1] in ("=", "+", "-", "@", "\t", "\r")] == []
    assert read(rfp, requirements, "bid.csv", content).bid == replace(bid, discount_brackets=())


def test_the_instructions_sheet_gives_the_deadline_the_tier_rules_and_every_column(rfp, requirements):
    instructions = load(write(rfp, requirements, None, "xlsx"))["Instructions"]
    text = [[cell for cell in row if cell is not None] for row in instructions.iter_rows(values_only=True)]
    assert text[0] == [f"Bid sheet for {rfp.reference}: Student laptops 2027"]
    assert text[1] == [f"Bids close {DEADLINE}. Upload the filled sheet on the RFP's bid page before then."]
    assert [
        "Tiers: the first starts at quantity 1; each next one starts at a higher quantity and costs the same or less."
    ] in text
    described = [row[0] for row in text[text.index(["column", "who fills it", "what to write"]) + 1 :]]
    assert described == [
        "line",
        "item_code",
        "item",
        "unit",
        "quantity",
        "requirements",
        "product",
        "pricing",
        "tier1_from, tier1_price … tier10_from, tier10_price",
        "annual_support_per_unit",
        "capacity",
        "min_award_quantity",
        "regions",
        *(f"meets:{key}" for key in KEYS),
    ]
    assert sheets.column_help(rfp, requirements)[-1] == (
        "meets:warranty_years",
        "you",
        "How the product meets this requirement (e.g. line 1: Warranty with accidental damage protection: at least 3 "
        "years) on each line that asks it; leave it empty on lines that do not (shaded).",
    )


def test_a_blank_xlsx_sheet_filled_with_numbers_typed_as_numbers_reads_as_text(rfp, requirements):
    workbook = load(write(rfp, requirements, None, "xlsx"))
    sheet = workbook["Bid"]
    for name, value in offer(
        rfp,
        1,
        pricing="All units",
        capacity=1200.0,
        min_award_quantity=100,
        annual_support_per_unit=12,
        tiers=((1, 289.5), (500.0, 302.50000000000006)),
    ).items():
        sheet.cell(2, HEADER.index(name) + 1, value)
    for name, value in offer(rfp, 2, regions="north, south").items():
        sheet.cell(3, HEADER.index(name) + 1, value)
    discounts = workbook["Discounts"]
    discounts.append([250000, 0.025])
    discounts["B2"].number_format = "0.0%"  # "2.5%" as Excel stores it
    discounts.append(["$300,000", "3.5"])

    reading = read(rfp, requirements, "Filled.XLSX", workbook_bytes(workbook), default_region_codes=("east",))
    first, second = reading.bid.lines
    assert first == LineInput(
        rfp.lines[0].id,
        "Acme EduBook",
        answers(rfp.lines[0]),
        "all_units",
        (TierInput("1", "289.50"), TierInput("500", "302.50")),
        "12.00",
        "1200",
        "100",
        ("east",),
    )
    assert (second.rfp_line_id, second.tiers, second.region_codes) == (
        rfp.lines[1].id,
        (TierInput("1", "300.00"),),
        ("north", "south"),
    )
    assert reading.bid.discount_brackets == (BracketInput("250000.00", "2.50"), BracketInput("$300,000", "3.5"))


def test_rows_left_empty_are_not_bid_on_and_an_unfilled_sheet_is_no_bid(rfp, requirements):
    reading = read(rfp, requirements, "bid.csv", blank_csv(rfp, requirements, line3=offer(rfp, 2)))
    assert [line.rfp_line_id for line in reading.bid.lines] == [rfp.lines[1].id]

    unfilled = read(rfp, requirements, "bid.csv", write(rfp, requirements, None, "csv"))
    assert unfilled.bid == BidInput()
    with pytest.raises(Rejection) as caught:
        rules.check_bid(unfilled.bid, queries.line_rules(rfp), REGIONS)
    assert [(problem.place, problem.message) for problem in sheets.sheet_problems(unfilled, caught.value.problems)] == [
        ("Bid sheet", rules.NO_LINE)
    ]


def test_read_only_columns_and_unused_tier_pairs_may_be_deleted(rfp, requirements):
    header = [
        name
        for name in HEADER
        if name not in ("item", "unit", "quantity", "requirements") and name not in TIER_COLUMNS[4:]
    ]
    content = blank_csv(rfp, requirements, header, line2=offer(rfp, 1, tiers=(("1", "300"), ("10", "290"))))
    (line,) = read(rfp, requirements, "bid.csv", content).bid.lines
    assert line.tiers == (TierInput("1", "300"), TierInput("10", "290"))


def test_an_xlsx_file_with_a_csv_name_is_read_as_xlsx_and_one_without_discounts_keeps_them(rfp, requirements, bid):
    workbook = load(write(rfp, requirements, bid, "xlsx"))
    del workbook["Discounts"]
    reading = read(rfp, requirements, "bid.csv", workbook_bytes(workbook))
    assert reading.bid == replace(bid, discount_brackets=())
    assert not reading.replaces_discounts


def test_an_emptied_discounts_sheet_removes_the_discounts(rfp, requirements, bid):
    workbook = load(write(rfp, requirements, bid, "xlsx"))
    workbook["Discounts"].delete_rows(2, 2)
    reading = read(rfp, requirements, "bid.xlsx", workbook_bytes(workbook))
    assert reading.bid == replace(bid, discount_brackets=())
    assert reading.replaces_discounts


def as_downloaded_for_the_fixtures(rfp) -> None:
    """The item codes of the RFP the LibreOffice fixtures' bid sheets were downloaded for."""
    for line, code in zip(sorted(rfp.lines, key=lambda line: line.line_no), ("EDUBOOK-11", "EDUBOOK-14"), strict=True):
        line.item.code = code


def test_a_bid_sheet_saved_as_ods_by_libreoffice_reads_back_as_the_bid_its_percent_cell_included(
    rfp, requirements, bid
):
    as_downloaded_for_the_fixtures(rfp)
    reading = read(rfp, requirements, "bid.ods", (LIBREOFFICE / "bid-sheet.ods").read_bytes())
    # The first discount was typed as "2.5%": LibreOffice stores 0.025 in a percentage cell.
    assert reading.bid == bid
    assert reading.replaces_discounts


def test_an_ods_bid_sheet_names_its_problems_by_sheet_line_and_column(rfp, requirements, bid):
    # The fixture is another RFP's sheet here: its item codes are not this RFP's.
    assert rejected(rfp, requirements, "bid.ods", (LIBREOFFICE / "bid-sheet.ods").read_bytes()) == [
        (
            'Bid sheet line 2, column "item_code"',
            f'Line 1 of {rfp.reference} is item {rfp.lines[0].item.code}, not "EDUBOOK-11": this row may come from '
            "another RFP's bid sheet. Keep the read-only columns as downloaded.",
        ),
        (
            'Bid sheet line 3, column "item_code"',
            f'Line 2 of {rfp.reference} is item {rfp.lines[1].item.code}, not "EDUBOOK-14": this row may come from '
            "another RFP's bid sheet. Keep the read-only columns as downloaded.",
        ),
    ]


def test_the_csv_bid_sheet_opened_as_windows_1252_by_libreoffice_and_saved_as_xlsx_reads_back(rfp, requirements, bid):
    as_downloaded_for_the_fixtures(rfp)
    content = (LIBREOFFICE / "bid-sheet-bom.xlsx").read_bytes()
    assert load(content).active["A1"].value == "ï»¿line"  # the byte-order mark, read as text
    assert read(rfp, requirements, "bid.xlsx", content).bid == replace(bid, discount_brackets=())


# -- problems of the file and its shape -------------------------------------------------------------------------------


def test_a_file_that_is_not_a_spreadsheet_too_large_empty_or_unreadable_is_refused(rfp, requirements):
    assert rejected(rfp, requirements, "bid.pdf", b"%PDF-1.7") == [
        (
            "",
            '"bid.pdf" is not a CSV, XLSX or ODS file. Save your spreadsheet as CSV, Excel Workbook (.xlsx) or '
            "OpenDocument Spreadsheet (.ods) and upload it again.",
        )
    ]
    assert rejected(rfp, requirements, "bid.csv", b"x" * 2049, max_bytes=2048) == [
        ("", '"bid.csv" is larger than 2 KB: upload the bid sheet as downloaded, with your offer filled in.')
    ]
    assert rejected(rfp, requirements, "bid.csv", b"x" * 11, max_bytes=10) == [
        ("", '"bid.csv" is larger than 10 bytes: upload the bid sheet as downloaded, with your offer filled in.')
    ]
    assert rejected(rfp, requirements, "bid.csv", b" \r\n") == [
        (
            "",
            '"bid.csv" is empty. Start from the bid sheet downloaded for this RFP: its header row, then one row per line.',
        )
    ]
    assert rejected(rfp, requirements, "bid.csv", b",,,\r\n,,\r\n") == [
        (
            "",
            '"bid.csv" is empty. Start from the bid sheet downloaded for this RFP: its header row, then one row per line.',
        )
    ]
    assert rejected(rfp, requirements, "bid.xlsx", b"line,product\r\n") == [
        (
            "",
            '"bid.xlsx" could not be read as an Excel workbook. Save it again as .xlsx, or as CSV, and upload it again.',
        )
    ]
    assert rejected(rfp, requirements, "bid.xlsx", b"PK\x03\x04 not really a zip") == [
        (
            "",
            '"bid.xlsx" could not be read as an Excel workbook. Save it again as .xlsx, or as CSV, and upload it again.',
        )
    ]
    assert rejected(rfp, requirements, "bid.csv", b"line\x00product") == [
        ("", '"bid.csv" could not be read as CSV text. Save it again as CSV (UTF-8) and upload it again.')
    ]


def test_every_header_problem_is_listed_by_column(rfp, requirements):
    header = [
        "Line",
        "product",
        "Pricing",
        "pricing",
        "notes",
        *TIER_COLUMNS[:5],
        "annual_support_per_unit",
        "capacity",
        "min_award_quantity",
        "regions",
        *(f"meets:{key}" for key in KEYS if key != "ram_gb"),
        "",
    ]
    rows = [header, ["1", "Acme", *[""] * (len(header) - 3), "a comment"]]
    assert rejected(rfp, requirements, "bid.csv", csv_bytes(rows)) == [
        ('Bid sheet line 1, column "pricing"', 'The column "pricing" appears more than once in the header row.'),
        (
            'Bid sheet line 1, column "notes"',
            'Unknown column "notes": keep the header row of the bid sheet downloaded for this RFP.',
        ),
        ('Bid sheet line 1, column "S"', "Column S has values but no name in the header row."),
        ('Bid sheet line 1, column "tier3_price"', 'The header row has no "tier3_price" column.'),
        ('Bid sheet line 1, column "meets:ram_gb"', 'The header row has no "meets:ram_gb" column.'),
    ]


def test_every_row_that_does_not_fit_an_rfp_line_is_listed(rfp, requirements):
    first, second = csv_rows(write(rfp, requirements, None, "csv"))[1:]
    other_rfp = ["2", "CHROMEBOOK-11", *second[2:]]
    other_rfp[HEADER.index("meets:battery_hours")] = "12 hours"
    rows = [
        list(HEADER),
        other_rfp,  # line 2
        [""] * len(HEADER),  # line 3: blank rows are skipped and keep the line numbers
        ["7", *[""] * (len(HEADER) - 2), "x"],  # line 4
        ["", "LAPTOP", *[""] * (len(HEADER) - 2)],  # line 5
        ["two", *first[1:]],  # line 6
    ]
    assert rejected(rfp, requirements, "bid.csv", csv_bytes(rows)) == [
        (
            'Bid sheet line 2, column "item_code"',
            f'Line 2 of {rfp.reference} is item {rfp.lines[1].item.code}, not "CHROMEBOOK-11": this row may come from '
            "another RFP's bid sheet. Keep the read-only columns as downloaded.",
        ),
        (
            'Bid sheet line 2, column "meets:battery_hours"',
            "This line does not ask for this requirement: leave the cell empty.",
        ),
        (
            'Bid sheet line 4, column "line"',
            f'{rfp.reference} has no line "7": keep the line numbers of the downloaded sheet.',
        ),
        (
            'Bid sheet line 5, column "line"',
            "Enter the number of the RFP line this row bids on, as in the downloaded sheet.",
        ),
        (
            'Bid sheet line 6, column "line"',
            f'{rfp.reference} has no line "two": keep the line numbers of the downloaded sheet.',
        ),
    ]
    assert rejected(rfp, requirements, "bid.csv", csv_bytes([list(HEADER), first, second, first])) == [
        (
            'Bid sheet line 4, column "line"',
            "Line 1 of the RFP is already on line 2 of the sheet: keep one row per RFP line.",
        ),
    ]


def test_a_sheet_far_longer_than_the_rfp_is_refused_at_once(rfp, requirements):
    rows = csv_rows(write(rfp, requirements, None, "csv"))
    assert rejected(rfp, requirements, "bid.csv", csv_bytes(rows + [["3"]] * 100))[-1] == (
        'Bid sheet line 103, column "line"',
        f'{rfp.reference} has no line "3": keep the line numbers of the downloaded sheet.',
    )
    assert rejected(rfp, requirements, "bid.csv", csv_bytes(rows + [["3"]] * 101)) == [
        (
            "Bid sheet",
            f"The sheet has more rows than {rfp.reference} has lines (2): keep one row per line, as downloaded.",
        )
    ]
    workbook = load(write(rfp, requirements, None, "xlsx"))
    for _ in range(5000):
        workbook["Bid"].append([1])
    assert rejected(rfp, requirements, "bid.xlsx", workbook_bytes(workbook)) == [
        (
            "Bid sheet",
            f"The sheet has more rows than {rfp.reference} has lines (2): keep one row per line, as downloaded.",
        )
    ]


def test_an_ods_sheet_far_longer_than_the_rfp_is_refused_naming_the_sheet(rfp, requirements):
    header = bombs.ods_row(*HEADER)
    bid_sheet = f'<table:table table:name="Bid">{header}{bombs.ods_row("3", repeat=102)}</table:table>'
    assert rejected(rfp, requirements, "bid.ods", bombs.ods(bid_sheet))[-1] == (
        'Bid sheet line 103, column "line"',
        f'{rfp.reference} has no line "3": keep the line numbers of the downloaded sheet.',
    )
    bid_sheet = bid_sheet.replace('"102"', '"103"')
    assert rejected(rfp, requirements, "bid.ods", bombs.ods(bid_sheet)) == [
        (
            "Bid sheet",
            f"The sheet has more rows than {rfp.reference} has lines (2): keep one row per line, as downloaded.",
        )
    ]
    discounts = f'<table:table table:name="Discounts">{bombs.ods_row("min_value", "percent")}{bombs.ods_row("1", "2", repeat=103)}</table:table>'
    bid_sheet = f'<table:table table:name="Bid">{header}</table:table>'
    assert rejected(rfp, requirements, "bid.ods", bombs.ods(bid_sheet + discounts)) == [
        ("Discounts sheet", rules.TOO_MANY_BRACKETS)
    ]


def test_the_discounts_sheet_problems_are_named_by_its_lines(rfp, requirements):
    workbook = load(write(rfp, requirements, None, "xlsx"))
    workbook["Bid"]["G2"] = "Acme"
    discounts = workbook["Discounts"]
    discounts["C1"] = "min_quantity"
    discounts["A1"] = "Min value"
    assert rejected(rfp, requirements, "bid.xlsx", workbook_bytes(workbook)) == [
        (
            'Discounts sheet line 1, column "min_quantity"',
            'Unknown column "min_quantity": the Discounts sheet has the columns min_value and percent.',
        ),
    ]
    discounts["C1"] = None
    for number in range(1, rules.MAX_BRACKETS + 2):
        discounts.append([number * 1000, number])
    assert rejected(rfp, requirements, "bid.xlsx", workbook_bytes(workbook)) == [
        ("Discounts sheet", "At most 10 discount brackets.")
    ]


# -- the rules' problems, put back on the sheet -----------------------------------------------------------------------


def test_problems_the_rules_find_are_named_by_sheet_line_and_column(rfp, requirements):
    workbook = load(write(rfp, requirements, None, "xlsx"))
    sheet = workbook["Bid"]
    cells = {
        2: offer(rfp, 1, tiers=(("", ""), (1, 289), (100, 295)), **{"meets:ram_gb": "", "regions": "west"}),
        3: offer(rfp, 2, tiers=((1, 410), (12.5, 400)), capacity=50, min_award_quantity=60, pricing="bulk"),
    }
    for row, values in cells.items():
        for name, value in values.items():
            sheet.cell(row, HEADER.index(name) + 1, value)
    workbook["Discounts"].append([None, None])
    workbook["Discounts"].append([250000, 100])
    reading = read(rfp, requirements, "bid.xlsx", workbook_bytes(workbook))
    first, second = (line.id for line in rfp.lines)
    assert reading.where(("lines", first, "tiers", 2, "unit_price")) == 'Bid sheet line 2, column "tier3_price"'
    assert reading.where(("lines", second, "tiers", 0, "min_quantity")) == 'Bid sheet line 3, column "tier1_from"'

    with pytest.raises(Rejection) as caught:
        rules.check_bid(reading.bid, queries.line_rules(rfp), ["north", "south"])
    assert [(problem.place, problem.message) for problem in sheets.sheet_problems(reading, caught.value.problems)] == [
        ('Bid sheet line 2, column "tier3_price"', rules.tier_price_rising(2, 1, 295_00, 289_00)),
        ('Bid sheet line 2, column "regions"', 'Unknown region "west".'),
        ('Bid sheet line 2, column "meets:ram_gb"', rules.COMPLIANCE_REQUIRED),
        ('Bid sheet line 3, column "pricing"', rules.PRICING_KIND_UNKNOWN),
        ('Bid sheet line 3, column "tier2_from"', rules.TIER_QUANTITY_NOT_WHOLE),
        ('Bid sheet line 3, column "min_award_quantity"', rules.min_award_above_capacity(60, 50)),
        ('Discounts sheet line 3, column "percent"', rules.BRACKET_PERCENT_NOT_PERCENT),
    ]
    assert reading.bid.lines[1].tiers[1] == TierInput("12.5", "400.00")
    problem = Rejection(sheets.sheet_problems(reading, caught.value.problems)).problems[0]
    assert (problem.sheet, problem.line, problem.column) == ("Bid", 2, "tier3_price")


def test_a_first_tier_left_blank_is_named_by_the_tier_the_vendor_filled(rfp, requirements):
    content = blank_csv(rfp, requirements, line3=offer(rfp, 2, tiers=(("", ""), ("5", "300"))))
    reading = read(rfp, requirements, "bid.csv", content)
    with pytest.raises(Rejection) as caught:
        rules.check_bid(reading.with_saved_discounts(None), queries.line_rules(rfp), REGIONS)
    assert [(problem.place, problem.message) for problem in sheets.sheet_problems(reading, caught.value.problems)] == [
        ('Bid sheet line 3, column "tier2_from"', rules.FIRST_TIER_NOT_ONE)
    ]
    assert reading.where(("lines", rfp.lines[1].id)) == 'Bid sheet line 3, column "line"'
    assert reading.where(("lines", rfp.lines[1].id, "tiers")) == 'Bid sheet line 3, column "tier1_from"'
    assert reading.where(("discounts", 0, "percent")) == 'Discounts sheet, column "percent"'
