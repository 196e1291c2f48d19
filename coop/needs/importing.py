"""Reading and checking a spreadsheet of needs (CSV, XLSX or ODS), and the template offered for it.

No database here: the caller passes the catalogue codes it accepts and today's
date, and gets back either clean rows or every problem found, each named by the
line a spreadsheet program shows (the header is line 1) and its column.
Checks run column by column over the whole file with pandas, so that a file of
thousands of rows is checked in a fraction of a second.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
from openpyxl.styles import Font

from coop import clock, exports, spreadsheets
from coop.errors import Problem, Rejection
from coop.money import DOLLARS_PATTERN, parse_dollars_to_cents
from coop.needs import rules
from coop.spreadsheets import DUPLICATE_COLUMN, MISSING_COLUMN, UNNAMED_COLUMN, column_letter, normalise_header, shown

COLUMNS = ("item_code", "quantity", "needed_by", "budget_cap", "erate_eligible", "spec_notes")
REQUIRED_COLUMNS = ("item_code", "quantity", "needed_by")
COLUMN_HELP = (
    (
        "item_code",
        "required",
        "The catalogue item code, e.g. the codes listed below (and on the Items sheet of the XLSX template).",
    ),
    ("quantity", "required", f"How many: a whole number from 1 to {rules.MAX_QUANTITY:,}."),
    (
        "needed_by",
        "required",
        "The date you need the items by, written YYYY-MM-DD (or month/day/year, as a US-locale spreadsheet saves "
        f"it in CSV); today or later, and at most {clock.MAX_YEARS_AHEAD} years ahead.",
    ),
    ("budget_cap", "optional", "The most you would spend on this need, in dollars, e.g. 12500 or 12500.00."),
    ("erate_eligible", "optional", "yes or no; blank means no."),
    (
        "spec_notes",
        "optional",
        f"Anything vendors must know beyond the catalogue spec (at most {rules.MAX_SPEC_NOTES:,} characters).",
    ),
)
YES = frozenset({"yes", "y", "true", "1", "x"})
NO = frozenset({"no", "n", "false", "0", ""})
DATE_EXAMPLE = "2030-08-15"

# Messages (asserted word for word in tests/needs/test_import.py); those of any spreadsheet are in coop.spreadsheets.
EMPTY_FILE = '"{filename}" is empty. Start from the template: a header row, then one need per row.'
NO_DATA_ROWS = '"{filename}" has a header row but no needs below it.'
TOO_MANY_ROWS = "The file has more than {max_rows:,} needs. Import at most {max_rows:,} at a time: split the file."
TOO_MANY_LINES = (
    "The file has more than {max_lines:,} rows, empty ones included. Import at most {max_rows:,} needs "
    "at a time, without empty rows between them."
)
UNKNOWN_COLUMN = 'Unknown column "{column}". The columns are: ' + ", ".join(COLUMNS) + "."
TOO_MANY_VALUES = "This row has {count} values but the header row names {columns} columns."
ITEM_MISSING = "Enter an item code from the catalogue."
ITEM_UNKNOWN = 'Unknown item code "{value}": use an item code from the catalogue.'
QUANTITY_MISSING = "Enter a quantity."
NEEDED_BY_MISSING = "Enter the date the items are needed by (YYYY-MM-DD)."
ERATE_NOT_YES_NO = 'E-Rate eligible must be "yes" or "no".'
EXAMPLE_NOTES = "Replace this example row with your needs, one per row."
# A buyer who adds rows below the example would otherwise order the example's 40 units too.
EXAMPLE_ROW_LEFT_IN = (
    "This is the template's example row: delete it, or write your own need over it "
    "(its spec_notes too), and import the file again."
)


@dataclass(frozen=True)
class CheckedNeeds:
    """Clean rows, one per need, ready to insert."""

    rows: pd.DataFrame  # item_id, quantity, needed_by, budget_cap_cents, erate_eligible, spec_notes, line

    def __len__(self) -> int:
        return len(self.rows)

    def records(self) -> list[dict]:
        """Plain-Python dicts (ints, dates, bools, str, None), one per need."""
        frame = self.rows
        budgets = [None if pd.isna(value) else int(value) for value in frame["budget_cap_cents"].tolist()]
        return [
            {
                "item_id": int(item_id),
                "quantity": int(quantity),
                "needed_by": needed_by,
                "budget_cap_cents": budget,
                "erate_eligible": bool(erate),
                "spec_notes": notes,
            }
            for item_id, quantity, needed_by, budget, erate, notes in zip(
                frame["item_id"].tolist(),
                frame["quantity"].tolist(),
                frame["needed_by"].tolist(),
                budgets,
                frame["erate_eligible"].tolist(),
                frame["spec_notes"].tolist(),
                strict=True,
            )
        ]


def check_file(
    filename: str,
    content: bytes,
    *,
    item_ids_by_code: Mapping[str, int],
    today: date,
    max_rows: int,
    limits: spreadsheets.ArchiveLimits,
) -> CheckedNeeds:
    """Read and check a whole file of needs.

    ``item_ids_by_code`` maps upper-cased item codes to item ids. The file is read no further than its header and
    ``max_rows`` rows, empty ones included; an XLSX or ODS file is refused unread when it unpacks beyond ``limits``.

    Raises
    ------
    Rejection
        With every problem found; a file with any problem imports no row.
    """
    filename = (filename or "").strip() or "The file"
    table = _read_table(filename, content, max_rows, limits)
    header, lines, data = _split_header(filename, table)
    return _check_rows(header, lines, data, item_ids_by_code=item_ids_by_code, today=today)


# -- reading -----------------------------------------------------------------------------------------------------


def _reject(message: str) -> Rejection:
    """A refusal of the whole file: on no line and no column."""
    return Rejection([Problem(message)])


def _read_table(filename: str, content: bytes, max_rows: int, limits: spreadsheets.ArchiveLimits) -> list[list[str]]:
    """Every row of the file as text cells, blank rows kept so that row positions are line numbers."""
    max_lines = max_rows + 1  # and the header
    try:
        kind = spreadsheets.file_kind(filename, content)
        if kind is None:
            raise _reject(EMPTY_FILE.format(filename=filename))
        if kind == "xlsx":
            with spreadsheets.open_workbook(filename, content, limits, max_lines) as workbook:
                sheet = workbook["Needs"] if "Needs" in workbook.sheetnames else workbook.worksheets[0]
                sheet.reset_dimensions()  # some writers record wrong dimensions; read every row there is
                return spreadsheets.read_rows(
                    (
                        [spreadsheets.cell_text(value) for value in values]
                        for values in sheet.iter_rows(values_only=True)
                    ),
                    max_lines,
                )
        if kind == "ods":
            book = spreadsheets.read_ods(filename, content, limits, max_lines)
            sheet = book["Needs"] if "Needs" in book else next(iter(book.values()))
            return [[spreadsheets.cell_text(cell.value) for cell in row] for row in sheet]
        return spreadsheets.read_rows(spreadsheets.csv_rows(filename, content), max_lines)
    except spreadsheets.Unreadable as error:
        raise _reject(str(error)) from error
    except spreadsheets.TooManyRows as error:
        if error.filled_rows > max_lines:  # the header and more than max_rows needs
            raise _reject(TOO_MANY_ROWS.format(max_rows=max_rows)) from error
        raise _reject(TOO_MANY_LINES.format(max_lines=max_lines, max_rows=max_rows)) from error


def _split_header(filename: str, table: list[list[str]]) -> tuple[list[str], list[int], list[list[str]]]:
    """The header names, then the line number and the cells of every non-blank data row."""
    if not any(any(row) for row in table):
        raise _reject(EMPTY_FILE.format(filename=filename))
    raw_header = table[0] if table else []
    width = max(len(row) for row in table)
    names = [normalise_header(name) for name in raw_header] + [""] * (width - len(raw_header))

    lines: list[int] = []
    data: list[list[str]] = []
    for position, row in enumerate(table[1:], start=2):
        if any(row):
            lines.append(position)
            data.append(row)

    problems: list[Problem] = []
    seen: set[str] = set()
    last_named = max((index for index, name in enumerate(names) if name), default=-1)
    for index, name in enumerate(names[: last_named + 1]):
        if not name:
            if any(index < len(row) and row[index] for row in data):
                problems.append(Problem(UNNAMED_COLUMN.format(letter=column_letter(index)), 1, column_letter(index)))
            continue
        if name not in COLUMNS:
            raw = raw_header[index].strip()
            problems.append(Problem(UNKNOWN_COLUMN.format(column=raw), 1, raw))
        elif name in seen:
            problems.append(Problem(DUPLICATE_COLUMN.format(column=name), 1, name))
        seen.add(name)
    problems += [
        Problem(MISSING_COLUMN.format(column=column), 1, column) for column in REQUIRED_COLUMNS if column not in seen
    ]
    if problems:
        raise Rejection(problems)
    if not data:
        raise _reject(NO_DATA_ROWS.format(filename=filename))

    # Values beyond the last named column are only a problem when they are not blank.
    for line, row in zip(lines, data, strict=True):
        if any(row[last_named + 1 :]):
            count = len(row) - _trailing_blanks(row)
            problems.append(Problem(TOO_MANY_VALUES.format(count=count, columns=last_named + 1), line))
    if problems:
        raise Rejection(problems)
    return names, lines, data


def _trailing_blanks(row: list[str]) -> int:
    count = 0
    for cell in reversed(row):
        if cell:
            break
        count += 1
    return count


# -- checking ----------------------------------------------------------------------------------------------------


def _check_rows(
    names: list[str], lines: list[int], data: list[list[str]], *, item_ids_by_code: Mapping[str, int], today: date
) -> CheckedNeeds:
    positions = {name: index for index, name in enumerate(names) if name in COLUMNS}
    frame = pd.DataFrame(
        {name: [row[index] if index < len(row) else "" for row in data] for name, index in positions.items()},
        dtype=str,
    )
    for column in COLUMNS:
        if column not in frame:
            frame[column] = ""
    frame = frame.fillna("").apply(lambda column: column.str.strip())
    line = pd.Series(lines, index=frame.index)
    found: list[pd.DataFrame] = []

    def flag(mask: pd.Series, column: str, message) -> None:
        if mask.any():
            messages = message[mask] if isinstance(message, pd.Series) else message
            found.append(
                pd.DataFrame(
                    {"line": line[mask], "order": COLUMNS.index(column), "column": column, "message": messages}
                )
            )

    # item_code
    codes = frame["item_code"]
    item_id = codes.str.upper().map(item_ids_by_code)
    flag(codes == "", "item_code", ITEM_MISSING)
    unknown = (codes != "") & item_id.isna()
    flag(unknown, "item_code", 'Unknown item code "' + codes.map(shown) + '": use an item code from the catalogue.')

    # quantity: a whole number, "1,200" and "40.0" (as spreadsheets write them) included
    quantity_text = frame["quantity"].str.replace(
        r"^(\d{1,3}(?:,\d{3})+)$", lambda m: m.group(1).replace(",", ""), regex=True
    )
    digits = quantity_text.str.extract(r"^\+?0*(\d+)(?:\.0*)?$", expand=False)
    short = digits.str.len() <= len(str(rules.MAX_QUANTITY))
    # int reads the decimal digits of every script that \d matches (٤٠, ４０), as the web form and the budget_cap
    # column read them; pd.to_numeric reads ASCII digits only, and would leave such a quantity unread but unrefused.
    quantity = pd.to_numeric(digits.where(short).map(int, na_action="ignore"))
    blank_quantity = quantity_text == ""
    flag(blank_quantity, "quantity", QUANTITY_MISSING)
    flag(~blank_quantity & (digits.isna() | (quantity == 0)), "quantity", rules.QUANTITY_NOT_WHOLE)
    flag(digits.notna() & (~short | (quantity > rules.MAX_QUANTITY)), "quantity", rules.QUANTITY_TOO_LARGE)

    # needed_by: YYYY-MM-DD, or month/day/year as a US-locale spreadsheet saves a CSV (08/15/2027, 8/15/27)
    dates_text = frame["needed_by"]
    us = dates_text.str.extract(r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})$")
    day_first = us[0].notna() & (pd.to_numeric(us[0], errors="coerce") > 12)
    us_year = us[2].where(us[2].str.len() != 2, "20" + us[2])
    iso_text = dates_text.where(us[0].isna() | day_first, us_year + "-" + us[0] + "-" + us[1])
    shaped = iso_text.str.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}")
    needed_by = pd.to_datetime(iso_text.where(shaped & ~day_first), format="%Y-%m-%d", errors="coerce")
    blank_date = dates_text == ""
    flag(blank_date, "needed_by", NEEDED_BY_MISSING)
    flag(
        day_first,
        "needed_by",
        '"'
        + dates_text.map(shown)
        + '" is not a US date (month/day/year): write dates as YYYY-MM-DD, e.g. '
        + DATE_EXAMPLE
        + ".",
    )
    flag(
        ~blank_date & ~day_first & needed_by.isna(),
        "needed_by",
        '"' + dates_text.map(shown) + '" is not a date: write dates as YYYY-MM-DD, e.g. ' + DATE_EXAMPLE + ".",
    )
    past = needed_by.notna() & (needed_by < pd.Timestamp(today))
    flag(
        past,
        "needed_by",
        needed_by.dt.strftime("%Y-%m-%d").where(past, "")
        + " is in the past; the needed-by date must be today or later.",
    )
    latest = clock.latest_date_ahead(today)
    too_far = needed_by.notna() & (needed_by > pd.Timestamp(latest))
    flag(
        too_far,
        "needed_by",
        needed_by.where(too_far).dt.date.map(
            lambda day: rules.needed_by_too_far_ahead(day, latest), na_action="ignore"
        ),
    )

    # budget_cap
    budget_text = frame["budget_cap"]
    money = budget_text.str.fullmatch(DOLLARS_PATTERN)
    flag((budget_text != "") & ~money, "budget_cap", rules.BUDGET_NOT_MONEY)
    budget_cents = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    if money.any():
        budget_cents[money] = [parse_dollars_to_cents(text) for text in budget_text[money]]
    flag(budget_cents.gt(rules.MAX_BUDGET_CAP_CENTS).fillna(False).astype(bool), "budget_cap", rules.BUDGET_TOO_LARGE)

    # erate_eligible
    erate_text = frame["erate_eligible"].str.lower()
    flag(~erate_text.isin(YES | NO), "erate_eligible", ERATE_NOT_YES_NO)

    # spec_notes
    flag(frame["spec_notes"].str.len() > rules.MAX_SPEC_NOTES, "spec_notes", rules.SPEC_NOTES_TOO_LONG)
    flag(frame["spec_notes"] == EXAMPLE_NOTES, "spec_notes", EXAMPLE_ROW_LEFT_IN)

    if found:
        problems = pd.concat(found, ignore_index=True).sort_values(["line", "order"], kind="stable")
        raise Rejection(
            [
                Problem(message, int(row_line), column)
                for row_line, column, message in zip(
                    problems["line"], problems["column"], problems["message"], strict=True
                )
            ]
        )

    rows = pd.DataFrame(
        {
            "item_id": item_id.astype("int64"),
            "quantity": quantity.astype("int64"),
            "needed_by": needed_by.dt.date,
            "budget_cap_cents": budget_cents,
            "erate_eligible": erate_text.isin(YES),
            "spec_notes": frame["spec_notes"],
            "line": line,
        }
    )
    return CheckedNeeds(rows)


# -- the template --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateItem:
    code: str
    name: str
    category: str
    unit: str


def example_row(item_code: str, today: date) -> list[str]:
    """The template's one example need: valid in every column, and refused as the example by its notes."""
    return [item_code, "40", (today + timedelta(days=90)).isoformat(), "12500.00", "yes", EXAMPLE_NOTES]


def template_csv(example_item_code: str, today: date) -> bytes:
    """The CSV template: the header row and one example row."""
    # No byte-order mark: LibreOffice's default CSV import would keep it as text in front of "item_code".
    return exports.csv_bytes([COLUMNS, example_row(example_item_code, today)], byte_order_mark=False)


def template_xlsx(items: list[TemplateItem], today: date) -> bytes:
    """The XLSX template: a Needs sheet (header and one example row), an Instructions sheet and the Items list."""
    workbook, needs = exports.new_workbook("Needs")
    bold = Font(bold=True)
    exports.append_row(needs, COLUMNS)
    example = example_row(items[0].code if items else "ITEM-CODE", today)
    exports.append_row(
        needs, [example[0], 40, date.fromisoformat(example[2]), Decimal(example[3]), example[4], example[5]]
    )
    needs["C2"].number_format = "yyyy-mm-dd"
    needs["D2"].number_format = "0.00"
    for cell, width in zip(needs[1], (18, 10, 14, 14, 16, 60), strict=True):
        cell.font = bold
        needs.column_dimensions[cell.column_letter].width = width
    needs.freeze_panes = "A2"

    instructions = workbook.create_sheet("Instructions")
    exports.append_row(instructions, ["column", "required?", "what to write"])
    for row in COLUMN_HELP:
        exports.append_row(instructions, row)
    exports.append_row(instructions, [])
    exports.append_row(
        instructions, ["Fill the Needs sheet, one need per row, from line 2. Keep the header row as it is."]
    )
    exports.append_row(
        instructions,
        ["A file with any problem imports nothing: the import page lists every problem by line and column."],
    )
    for cell, width in zip(instructions[1], (18, 12, 100), strict=True):
        cell.font = bold
        instructions.column_dimensions[cell.column_letter].width = width

    catalogue = workbook.create_sheet("Items")
    exports.append_row(catalogue, ["item_code", "name", "category", "unit"])
    for item in items:
        exports.append_row(catalogue, [item.code, item.name, item.category, item.unit])
    for cell, width in zip(catalogue[1], (18, 50, 30, 10), strict=True):
        cell.font = bold
        catalogue.column_dimensions[cell.column_letter].width = width

    return exports.workbook_bytes(workbook)
