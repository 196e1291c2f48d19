"""A file of needs read and checked as the import reads it, without the web: what it accepts as typed, and every
problem it refuses, on the line a spreadsheet program shows and the column at fault.

The pages around it are tested in ``test_import.py``; here each refusal's words, line and column are pinned.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime

import bombs
import openpyxl
import pytest
from pure import _transaction  # noqa: F401  (pure code: no app, no database)

from coop import spreadsheets
from coop.errors import Rejection
from coop.needs import importing, rules

TODAY = date(2030, 3, 1)
ITEMS = {"LAPTOP-14": 7, "AP-WIFI6": 9}
LIMITS = spreadsheets.ArchiveLimits(
    max_parts=20, max_part_bytes=3 * 1024 * 1024, max_unpacked_bytes=4 * 1024 * 1024, max_ratio=100
)
HEADER = "item_code,quantity,needed_by,budget_cap,erate_eligible,spec_notes"


def check(text: str, *, filename: str = "needs.csv", max_rows: int = 100) -> importing.CheckedNeeds:
    return importing.check_file(
        filename, text.encode(), item_ids_by_code=ITEMS, today=TODAY, max_rows=max_rows, limits=LIMITS
    )


def check_bytes(content: bytes, *, filename: str) -> importing.CheckedNeeds:
    return importing.check_file(filename, content, item_ids_by_code=ITEMS, today=TODAY, max_rows=100, limits=LIMITS)


def refused(text: str | bytes, *, filename: str = "needs.csv", max_rows: int = 100) -> list[tuple]:
    content = text.encode() if isinstance(text, str) else text
    with pytest.raises(Rejection) as rejection:
        importing.check_file(filename, content, item_ids_by_code=ITEMS, today=TODAY, max_rows=max_rows, limits=LIMITS)
    return [(p.line, p.column, p.message) for p in rejection.value.problems]


def rows(*lines: str, header: str = HEADER) -> str:
    return "\n".join([header, *lines]) + "\n"


def xlsx(table: list[list], *, sheets: tuple[str, ...] = ()) -> bytes:
    workbook = openpyxl.Workbook()
    for name in sheets:
        workbook.create_sheet(name)
    sheet = workbook["Needs"] if "Needs" in sheets else workbook.active
    for row in table:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- what is read -----------------------------------------------------------------------------------------------------


def test_every_column_is_read_as_typed_into_plain_values():
    checked = check(
        rows(
            "laptop-14,40,2030-08-15,12500,yes,Backlit keyboard",
            "",
            'AP-WIFI6,"1,200",8/15/30,"$36,000.50",No,',
            "AP-WIFI6,+0040.00,03/01/2030,,x,",
            'AP-WIFI6,1000000,2030-3-1,"100,000,000",TRUE,',
        )
    )
    assert len(checked) == 4
    assert checked.records() == [
        {
            "item_id": 7,
            "quantity": 40,
            "needed_by": date(2030, 8, 15),
            "budget_cap_cents": 1_250_000,
            "erate_eligible": True,
            "spec_notes": "Backlit keyboard",
        },
        {
            "item_id": 9,
            "quantity": 1200,
            "needed_by": date(2030, 8, 15),
            "budget_cap_cents": 3_600_050,
            "erate_eligible": False,
            "spec_notes": "",
        },
        {
            "item_id": 9,
            "quantity": 40,
            "needed_by": date(2030, 3, 1),
            "budget_cap_cents": None,
            "erate_eligible": True,
            "spec_notes": "",
        },
        {
            "item_id": 9,
            "quantity": 1_000_000,
            "needed_by": date(2030, 3, 1),
            "budget_cap_cents": 100_000_000_00,
            "erate_eligible": True,
            "spec_notes": "",
        },
    ]
    # Each row keeps the line it came from (the blank line 3 counted).
    assert checked.rows["line"].tolist() == [2, 4, 5, 6]


@pytest.mark.parametrize(
    ("typed", "quantity"),
    [("٤٠", 40), ("４０", 40), ("۱,۲۰۰", 1200), ("٤٠.0", 40)],
    ids=["arabic-indic", "full-width", "persian-grouped", "arabic-indic-point-zero"],
)
def test_a_quantity_in_other_scripts_digits_is_read_as_the_number(typed, quantity):
    # As the web form's quantity and the budget_cap column read them.
    (need,) = check(rows(f'LAPTOP-14,"{typed}",2030-03-06,5,yes,x')).records()
    assert need["quantity"] == quantity


def test_a_quantity_typed_as_text_in_other_digits_in_a_workbook_is_read_as_the_number():
    content = xlsx([["item_code", "quantity", "needed_by"], ["LAPTOP-14", "٤", "2030-03-06"]])
    (need,) = check_bytes(content, filename="needs.xlsx").records()
    assert need["quantity"] == 4


@pytest.mark.parametrize("typed", ["٠", "٤٠٠٠٠٠١", "٤.٥"])
def test_a_quantity_in_other_scripts_digits_out_of_range_is_refused_as_any_other(typed):
    message = rules.QUANTITY_TOO_LARGE if len(typed) > 1 and "." not in typed else rules.QUANTITY_NOT_WHOLE
    assert refused(one_row(quantity=typed)) == [(2, "quantity", message)]


def test_optional_columns_may_be_left_out_and_headers_are_matched_loosely():
    checked = check(rows("LAPTOP-14,3,2030-03-01", header="Item Code, QUANTITY ,needed-by"))
    assert checked.records() == [
        {
            "item_id": 7,
            "quantity": 3,
            "needed_by": date(2030, 3, 1),
            "budget_cap_cents": None,
            "erate_eligible": False,
            "spec_notes": "",
        }
    ]


# The two lines of the needs sheets below (XLSX and ODS), as the import reads them.
NEEDS_SHEET_RECORDS = [
    {
        "item_id": 7,
        "quantity": 40,
        "needed_by": date(2030, 8, 15),
        "budget_cap_cents": 1_250_050,
        "erate_eligible": True,
        "spec_notes": "Backlit",
    },
    {
        "item_id": 9,
        "quantity": 2,
        "needed_by": date(2030, 9, 1),
        "budget_cap_cents": None,
        "erate_eligible": False,
        "spec_notes": "",
    },
]


def test_an_xlsx_file_is_read_from_its_needs_sheet_with_real_dates_numbers_and_booleans():
    content = xlsx(
        [
            ["item_code", "quantity", "needed_by", "budget_cap", "erate_eligible", "spec_notes"],
            ["LAPTOP-14", 40.0, datetime(2030, 8, 15), 12500.5, True, "Backlit"],
            ["AP-WIFI6", 2, date(2030, 9, 1), None, False, None],
        ],
        sheets=("Instructions", "Needs"),
    )
    checked = importing.check_file(
        "needs.xlsx", content, item_ids_by_code=ITEMS, today=TODAY, max_rows=100, limits=LIMITS
    )
    assert checked.records() == NEEDS_SHEET_RECORDS


def test_an_xlsx_file_without_a_needs_sheet_is_read_from_its_first_sheet():
    content = xlsx([["item_code", "quantity", "needed_by"], ["LAPTOP-14", 1, "2030-03-01"]], sheets=("Other",))
    checked = importing.check_file(
        "needs.xlsx", content, item_ids_by_code=ITEMS, today=TODAY, max_rows=100, limits=LIMITS
    )
    assert [r["quantity"] for r in checked.records()] == [1]


def ods(*sheets: tuple[str, list[list]]) -> bytes:
    """An ODS file of the named sheets, each cell typed as LibreOffice types it (text, number, date, boolean)."""

    def cell(value) -> str:
        if value is None:
            return "<table:table-cell/>"
        if isinstance(value, bool):
            return f'<table:table-cell office:value-type="boolean" office:boolean-value="{str(value).lower()}"/>'
        if isinstance(value, int | float):
            return f'<table:table-cell office:value-type="float" office:value="{value}"/>'
        if isinstance(value, date):
            return f'<table:table-cell office:value-type="date" office:date-value="{value.isoformat()}"/>'
        return f'<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>'

    return bombs.ods(
        "".join(
            f'<table:table table:name="{name}">'
            + "".join(f"<table:table-row>{''.join(cell(value) for value in row)}</table:table-row>" for row in table)
            + "</table:table>"
            for name, table in sheets
        )
    )


def test_an_ods_file_is_read_from_its_needs_sheet_with_real_dates_numbers_and_booleans():
    content = ods(
        ("Instructions", [["Fill in the Needs sheet"]]),
        (
            "Needs",
            [
                ["item_code", "quantity", "needed_by", "budget_cap", "erate_eligible", "spec_notes"],
                ["LAPTOP-14", 40, date(2030, 8, 15), 12500.5, True, "Backlit"],
                ["AP-WIFI6", 2.0, datetime(2030, 9, 1, 0, 0), None, False, None],
            ],
        ),
    )
    checked = importing.check_file(
        "needs.ods", content, item_ids_by_code=ITEMS, today=TODAY, max_rows=100, limits=LIMITS
    )
    assert checked.records() == NEEDS_SHEET_RECORDS


def test_an_ods_file_without_a_needs_sheet_is_read_from_its_first_sheet():
    content = ods(
        ("Items", [["item_code", "quantity", "needed_by"], ["LAPTOP-14", 1, "2030-03-01"]]),
        ("Other", [["item_code", "quantity", "needed_by"], ["AP-WIFI6", 5, "2030-03-01"]]),
    )
    checked = importing.check_file(
        "needs.ods", content, item_ids_by_code=ITEMS, today=TODAY, max_rows=100, limits=LIMITS
    )
    assert [(r["item_id"], r["quantity"]) for r in checked.records()] == [(7, 1)]


def test_an_ods_file_is_held_to_the_cap_and_refused_by_its_name():
    needs = ("Needs", [["item_code", "quantity", "needed_by"], *[["LAPTOP-14", 1, "2030-03-01"]] * 4])
    assert refused(ods(needs), filename="needs.ods", max_rows=3) == [
        (None, None, "The file has more than 3 needs. Import at most 3 at a time: split the file.")
    ]
    assert refused(bombs.ods(""), filename="needs.ods") == [
        (None, None, spreadsheets.UNREADABLE_ODS.format(filename="needs.ods"))
    ]


# --- the file as a whole ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("content", ["", "  \n \n", ",,,\n,,\n"])
def test_an_empty_file_is_refused_by_its_name(content):
    message = '"needs.csv" is empty. Start from the template: a header row, then one need per row.'
    assert refused(content) == [(None, None, message)]


def test_a_file_without_a_name_is_called_the_file():
    with pytest.raises(Rejection) as rejection:
        importing.check_file("", b"a,b\n", item_ids_by_code=ITEMS, today=TODAY, max_rows=10, limits=LIMITS)
    assert str(rejection.value) == spreadsheets.NOT_A_SPREADSHEET.format(filename="The file")


def test_a_header_without_needs_below_it_is_refused():
    assert refused(rows(",,", "")) == [(None, None, '"needs.csv" has a header row but no needs below it.')]


def test_a_file_that_is_not_a_spreadsheet_is_refused_in_its_own_words():
    assert refused("a,b", filename="needs.txt") == [
        (None, None, spreadsheets.NOT_A_SPREADSHEET.format(filename="needs.txt"))
    ]


def test_more_needs_than_allowed_are_refused_before_any_is_checked():
    text = rows(*["NOPE,0,never"] * 4)
    assert refused(text, max_rows=3) == [
        (None, None, "The file has more than 3 needs. Import at most 3 at a time: split the file.")
    ]
    assert len(check(rows(*["LAPTOP-14,1,2030-03-01"] * 3), max_rows=3)) == 3


def test_too_many_rows_counting_blank_ones_are_refused_with_both_counts():
    text = rows("LAPTOP-14,1,2030-03-01", "", "", "", "LAPTOP-14,1,2030-03-01")
    assert refused(text, max_rows=3) == [
        (
            None,
            None,
            "The file has more than 4 rows, empty ones included. Import at most 3 needs at a time, without empty "
            "rows between them.",
        )
    ]


def test_header_problems_are_all_listed_on_line_1():
    text = rows("LAPTOP-14,1,x,9,2030-03-01", header="item_code,qty,Item-Code,,needed_by")
    assert refused(text) == [
        (
            1,
            "qty",
            'Unknown column "qty". The columns are: item_code, quantity, needed_by, budget_cap, erate_eligible, spec_notes.',
        ),
        (1, "item_code", 'The column "item_code" appears more than once in the header row.'),
        (1, "D", "Column D has values but no name in the header row."),
        (1, "quantity", 'The header row has no "quantity" column.'),
    ]


def test_a_file_starting_without_a_header_row_is_told_which_columns_are_missing():
    assert refused("\nLAPTOP-14,1,2030-03-01\n") == [
        (1, "item_code", 'The header row has no "item_code" column.'),
        (1, "quantity", 'The header row has no "quantity" column.'),
        (1, "needed_by", 'The header row has no "needed_by" column.'),
    ]


def test_an_unknown_column_is_named_as_the_file_writes_it():
    assert refused(rows("LAPTOP-14,1,2030-03-01,A-12", header="item_code,quantity,needed_by,  Cost Center ")) == [
        (
            1,
            "Cost Center",
            'Unknown column "Cost Center". The columns are: item_code, quantity, needed_by, budget_cap, erate_eligible, spec_notes.',
        )
    ]


def test_a_row_shorter_than_the_header_is_read_with_its_missing_cells_blank():
    assert refused(rows("LAPTOP-14", header="item_code,,quantity,needed_by")) == [
        (2, "quantity", "Enter a quantity."),
        (2, "needed_by", "Enter the date the items are needed by (YYYY-MM-DD)."),
    ]


def test_an_unnamed_column_with_no_values_is_no_problem():
    assert len(check(rows("LAPTOP-14,,1,2030-03-01", header="item_code,,quantity,needed_by"))) == 1


def test_values_beyond_the_named_columns_are_refused_on_their_line():
    text = rows("LAPTOP-14,1,2030-03-01,,", "LAPTOP-14,1,2030-03-01,extra,,", header="item_code,quantity,needed_by")
    assert refused(text) == [(3, None, "This row has 4 values but the header row names 3 columns.")]


# --- each column ------------------------------------------------------------------------------------------------------

GOOD = {
    "item_code": "LAPTOP-14",
    "quantity": "5",
    "needed_by": "2030-03-01",
    "budget_cap": "",
    "erate_eligible": "",
    "spec_notes": "",
}


def one_row(**cells: str) -> str:
    values = {**GOOD, **cells}
    return rows(",".join(f'"{values[c]}"' for c in importing.COLUMNS))


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        ({"item_code": ""}, "item_code", "Enter an item code from the catalogue."),
        ({"item_code": "TABLET"}, "item_code", 'Unknown item code "TABLET": use an item code from the catalogue.'),
        (
            {"item_code": "T" * 45},
            "item_code",
            'Unknown item code "' + "T" * 39 + '…": use an item code from the catalogue.',
        ),
        ({"quantity": ""}, "quantity", "Enter a quantity."),
        ({"quantity": "0"}, "quantity", rules.QUANTITY_NOT_WHOLE),
        ({"quantity": "000"}, "quantity", rules.QUANTITY_NOT_WHOLE),
        ({"quantity": "-3"}, "quantity", rules.QUANTITY_NOT_WHOLE),
        ({"quantity": "2.5"}, "quantity", rules.QUANTITY_NOT_WHOLE),
        ({"quantity": "1,20"}, "quantity", rules.QUANTITY_NOT_WHOLE),
        ({"quantity": "many"}, "quantity", rules.QUANTITY_NOT_WHOLE),
        ({"quantity": "1000001"}, "quantity", rules.QUANTITY_TOO_LARGE),
        ({"quantity": "99999999999999999999"}, "quantity", rules.QUANTITY_TOO_LARGE),
        ({"needed_by": ""}, "needed_by", "Enter the date the items are needed by (YYYY-MM-DD)."),
        ({"needed_by": "soon"}, "needed_by", '"soon" is not a date: write dates as YYYY-MM-DD, e.g. 2030-08-15.'),
        (
            {"needed_by": "-2030-03-01"},
            "needed_by",
            '"-2030-03-01" is not a date: write dates as YYYY-MM-DD, e.g. 2030-08-15.',
        ),
        (
            {"needed_by": "2030-02-30"},
            "needed_by",
            '"2030-02-30" is not a date: write dates as YYYY-MM-DD, e.g. 2030-08-15.',
        ),
        (
            {"needed_by": "13/13/2030"},
            "needed_by",
            '"13/13/2030" is not a US date (month/day/year): write dates as YYYY-MM-DD, e.g. 2030-08-15.',
        ),
        (
            {"needed_by": "2/30/2030"},
            "needed_by",
            '"2/30/2030" is not a date: write dates as YYYY-MM-DD, e.g. 2030-08-15.',
        ),
        (
            {"needed_by": "2030-02-28"},
            "needed_by",
            "2030-02-28 is in the past; the needed-by date must be today or later.",
        ),
        (
            {"needed_by": "2/28/30"},
            "needed_by",
            "2030-02-28 is in the past; the needed-by date must be today or later.",
        ),
        (
            {"needed_by": "2035-03-02"},
            "needed_by",
            "2035-03-02 is too far ahead; the needed-by date must be on or before 2035-03-01 (at most 5 years ahead).",
        ),
        (
            {"needed_by": "9999-12-31"},
            "needed_by",
            "9999-12-31 is too far ahead; the needed-by date must be on or before 2035-03-01 (at most 5 years ahead).",
        ),
        ({"budget_cap": "1,25"}, "budget_cap", rules.BUDGET_NOT_MONEY),
        ({"budget_cap": "12.345"}, "budget_cap", rules.BUDGET_NOT_MONEY),
        ({"budget_cap": "100,000,000.01"}, "budget_cap", rules.BUDGET_TOO_LARGE),
        ({"erate_eligible": "maybe"}, "erate_eligible", 'E-Rate eligible must be "yes" or "no".'),
        ({"spec_notes": "n" * 2001}, "spec_notes", rules.SPEC_NOTES_TOO_LONG),
        ({"spec_notes": importing.EXAMPLE_NOTES}, "spec_notes", importing.EXAMPLE_ROW_LEFT_IN),
    ],
)
def test_a_bad_cell_is_refused_on_its_line_and_column(cells, column, message):
    assert refused(one_row(**cells)) == [(2, column, message)]


def test_a_date_cell_far_ahead_in_a_workbook_is_refused_on_its_line_and_column():
    content = xlsx([["item_code", "quantity", "needed_by"], ["LAPTOP-14", 1, datetime(9999, 12, 31)]])
    assert refused(content, filename="needs.xlsx") == [
        (
            2,
            "needed_by",
            "9999-12-31 is too far ahead; the needed-by date must be on or before 2035-03-01 (at most 5 years ahead).",
        )
    ]


def test_the_day_five_years_ahead_is_a_valid_needed_by_date():
    (need,) = check(one_row(needed_by="2035-03-01")).records()
    assert need["needed_by"] == date(2035, 3, 1)


def test_the_values_at_every_limit_are_accepted():
    (need,) = check(
        one_row(quantity="1,000,000", needed_by="2030-03-01", budget_cap="100,000,000.00", spec_notes="n" * 2000)
    ).records()
    assert (need["quantity"], need["needed_by"], need["budget_cap_cents"], len(need["spec_notes"])) == (
        1_000_000,
        TODAY,
        100_000_000_00,
        2000,
    )


@pytest.mark.parametrize(
    ("typed", "yes"), [("Y", True), ("1", True), ("X", True), ("n", False), ("false", False), ("0", False)]
)
def test_erate_eligibility_is_read_from_the_usual_ways_of_saying_yes_and_no(typed, yes):
    (need,) = check(one_row(erate_eligible=typed)).records()
    assert need["erate_eligible"] is yes


def test_problems_are_listed_by_line_then_in_the_order_of_the_columns():
    text = rows(
        "LAPTOP-14,5,2030-03-01,,,",
        "TABLET,0,,oops,perhaps,",
        ",many,2029-01-01,,,",
    )
    assert refused(text) == [
        (3, "item_code", 'Unknown item code "TABLET": use an item code from the catalogue.'),
        (3, "quantity", rules.QUANTITY_NOT_WHOLE),
        (3, "needed_by", "Enter the date the items are needed by (YYYY-MM-DD)."),
        (3, "budget_cap", rules.BUDGET_NOT_MONEY),
        (3, "erate_eligible", 'E-Rate eligible must be "yes" or "no".'),
        (4, "item_code", "Enter an item code from the catalogue."),
        (4, "quantity", rules.QUANTITY_NOT_WHOLE),
        (4, "needed_by", "2029-01-01 is in the past; the needed-by date must be today or later."),
    ]


# --- the templates ----------------------------------------------------------------------------------------------------


def test_the_csv_template_is_the_header_and_an_example_refused_as_the_example():
    template = importing.template_csv("LAPTOP-14", TODAY)
    assert template.decode().splitlines() == [
        HEADER,
        f'LAPTOP-14,40,2030-05-30,12500.00,yes,"{importing.EXAMPLE_NOTES}"',
    ]
    assert refused(template) == [(2, "spec_notes", importing.EXAMPLE_ROW_LEFT_IN)]


def test_the_xlsx_template_explains_every_column_and_lists_the_catalogue():
    items = [
        importing.TemplateItem("LAPTOP-14", "14-inch laptop", "Devices", "each"),
        importing.TemplateItem("AP-WIFI6", "Access point", "Network", "each"),
    ]
    content = importing.template_xlsx(items, TODAY)
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["Needs", "Instructions", "Items"]
    needs = [list(r) for r in workbook["Needs"].iter_rows(values_only=True)]
    assert needs == [
        list(importing.COLUMNS),
        ["LAPTOP-14", 40, datetime(2030, 5, 30), 12500, "yes", importing.EXAMPLE_NOTES],
    ]
    assert workbook["Needs"]["C2"].number_format == "yyyy-mm-dd"
    assert workbook["Needs"]["D2"].number_format == "0.00"
    assert workbook["Needs"].freeze_panes == "A2"
    assert all(cell.font.bold for sheet in workbook for cell in sheet[1])
    assert [workbook["Needs"].column_dimensions[c].width for c in "ABCDEF"] == [18, 10, 14, 14, 16, 60]
    assert [workbook["Instructions"].column_dimensions[c].width for c in "ABC"] == [18, 12, 100]
    assert [workbook["Items"].column_dimensions[c].width for c in "ABCD"] == [18, 50, 30, 10]
    instructions = [list(r) for r in workbook["Instructions"].iter_rows(values_only=True)]
    assert instructions[0] == ["column", "required?", "what to write"]
    assert [r[0] for r in instructions[1:7]] == list(importing.COLUMNS)
    assert instructions[7] == [None, None, None]
    assert instructions[8][0] == "Fill the Needs sheet, one need per row, from line 2. Keep the header row as it is."
    assert instructions[9][0].startswith("A file with any problem imports nothing")
    assert [list(r) for r in workbook["Items"].iter_rows(values_only=True)] == [
        ["item_code", "name", "category", "unit"],
        ["LAPTOP-14", "14-inch laptop", "Devices", "each"],
        ["AP-WIFI6", "Access point", "Network", "each"],
    ]
    # The example row, written over with a real need, imports.
    workbook["Needs"]["F2"] = "Backlit"
    buffer = io.BytesIO()
    workbook.save(buffer)
    checked = importing.check_file(
        "t.xlsx", buffer.getvalue(), item_ids_by_code=ITEMS, today=TODAY, max_rows=10, limits=LIMITS
    )
    assert checked.records()[0]["quantity"] == 40


def test_an_xlsx_template_for_an_empty_catalogue_names_a_placeholder_code():
    workbook = openpyxl.load_workbook(io.BytesIO(importing.template_xlsx([], TODAY)))
    assert workbook["Needs"]["A2"].value == "ITEM-CODE"
    assert workbook["Items"].max_row == 1


def test_an_xlsx_sheet_that_states_wrong_dimensions_is_read_whole():
    content = xlsx(
        [["item_code", "quantity", "needed_by"], ["LAPTOP-14", 3, "2030-03-01"], ["AP-WIFI6", 4, "2030-03-02"]]
    )
    source, rewritten = io.BytesIO(content), io.BytesIO()
    with zipfile.ZipFile(source) as packed, zipfile.ZipFile(rewritten, "w") as repacked:
        for part in packed.infolist():
            data = packed.read(part.filename)
            if part.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:A1"', data)
            repacked.writestr(part, data)
    checked = importing.check_file(
        "needs.xlsx", rewritten.getvalue(), item_ids_by_code=ITEMS, today=TODAY, max_rows=100, limits=LIMITS
    )
    assert [(r["item_id"], r["quantity"]) for r in checked.records()] == [(7, 3), (9, 4)]


def test_rows_beyond_the_cap_are_too_many_needs_only_when_more_needs_than_allowed_are_filled():
    # Three needs and a blank row fill the four rows read (the header and three needs) exactly: the fifth row read
    # is one too many lines, not one too many needs.
    text = rows("LAPTOP-14,1,2030-03-01", "LAPTOP-14,1,2030-03-01", "", "LAPTOP-14,1,2030-03-01")
    assert refused(text, max_rows=3) == [
        (
            None,
            None,
            "The file has more than 4 rows, empty ones included. Import at most 3 needs at a time, without empty "
            "rows between them.",
        )
    ]


@pytest.mark.parametrize(("typed", "day"), [("12/31/2030", date(2030, 12, 31)), ("1/2/31", date(2031, 1, 2))])
def test_a_us_date_is_read_as_month_then_day(typed, day):
    (need,) = check(one_row(needed_by=typed)).records()
    assert need["needed_by"] == day


def test_a_file_that_cannot_be_read_is_refused_by_its_name():
    not_a_workbook = xlsx([["item_code"]])[:200]  # a workbook cut short: still a zip's signature, no longer a zip
    assert refused(not_a_workbook, filename="needs.xlsx") == [
        (None, None, spreadsheets.UNREADABLE_XLSX.format(filename="needs.xlsx"))
    ]
    assert refused(b"item_code\x00,quantity\n", filename="needs.csv") == [
        (None, None, spreadsheets.UNREADABLE_CSV.format(filename="needs.csv"))
    ]


def test_blank_rows_a_workbook_skips_count_against_the_cap():
    # The sheet holds two rows, the header and row 200: a spreadsheet program shows the 198 rows between as blank.
    workbook = openpyxl.Workbook()
    workbook.active.append(["item_code", "quantity", "needed_by"])
    for column, value in enumerate(["LAPTOP-14", 1, "2030-03-01"], start=1):
        workbook.active.cell(row=200, column=column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert refused(buffer.getvalue(), filename="needs.xlsx", max_rows=100) == [
        (
            None,
            None,
            "The file has more than 101 rows, empty ones included. Import at most 100 needs at a time, without empty "
            "rows between them.",
        )
    ]
