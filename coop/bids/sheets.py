"""Bid sheets: an RFP's lines as a spreadsheet (CSV or XLSX) a vendor fills offline and uploads as its bid (as CSV,
XLSX, or ODS as LibreOffice saves it).

No database and no Flask here: the caller passes the RFP, its requirements
(``queries.requirements_by_line``) and the vendor's values, and gets bytes to
download or the bid as typed (:class:`coop.bids.rules.BidInput`) to check and
save. A sheet that cannot be read as a bid raises :class:`Rejection` with
every problem; the problems the bid's rules find later are put back on the
sheet's rows and cells by :func:`sheet_problems`, so that the vendor reads both
kinds the same way: "Bid sheet line 3, column "tier2_price"" (the header is
line 1, as a spreadsheet program numbers rows).

Layout of the "Bid" sheet, one row per RFP line, in line order:

* read-only, pre-filled: ``line``, ``item_code``, ``item``, ``unit``, ``quantity``
  (pooled), ``requirements``. Their values are not read, except ``line`` (which
  RFP line the row bids on) and ``item_code`` (checked against that line, so that a
  row copied from another RFP's sheet cannot bid on the wrong item);
* the vendor's: ``product``, ``pricing``, ``tier1_from``, ``tier1_price`` ... up to
  :data:`rules.MAX_TIERS` pairs (so that every valid bid fits),
  ``annual_support_per_unit``, ``capacity``, ``min_award_quantity``, ``regions`` and
  one ``meets:<spec key>`` column per requirement any line asks, empty on lines
  that do not ask it. A row whose vendor cells are all empty does not bid.

An XLSX (or ODS) sheet also has a "Discounts" sheet (``min_value``, ``percent``: the
vendor-wide total-purchase discount brackets) and an "Instructions" sheet. A CSV
file has no room for discounts: reading one leaves the saved discounts as they
are (:attr:`SheetReading.replaces_discounts` is false), and so does an XLSX file
whose Discounts sheet was deleted.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import partial
from typing import Literal

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from coop import exports, money, spreadsheets
from coop.bids import rules
from coop.bids.models import PricingKind
from coop.errors import Problem, Rejection
from coop.rfps.models import Rfp, RfpLine
from coop.spreadsheets import (
    DUPLICATE_COLUMN,
    MISSING_COLUMN,
    UNNAMED_COLUMN,
    cell_text,
    column_letter,
    normalise_header,
    shown,
)

BID_SHEET = "Bid"
DISCOUNTS_SHEET = "Discounts"
INSTRUCTIONS_SHEET = "Instructions"

READ_ONLY_COLUMNS = ("line", "item_code", "item", "unit", "quantity", "requirements")
TIER_PAIRS = rules.MAX_TIERS
SPEC_PREFIX = "meets:"
DISCOUNT_COLUMNS = ("min_value", "percent")
PRICING_KINDS = tuple(kind.value for kind in PricingKind)

# Messages (asserted word for word in tests/bids/test_sheets.py); those of any spreadsheet are in coop.spreadsheets.
FILE_TOO_LARGE = '"{filename}" is larger than {limit}: upload the bid sheet as downloaded, with your offer filled in.'
EMPTY_FILE = (
    '"{filename}" is empty. Start from the bid sheet downloaded for this RFP: its header row, then one row per line.'
)
UNKNOWN_COLUMN = 'Unknown column "{column}": keep the header row of the bid sheet downloaded for this RFP.'
UNKNOWN_DISCOUNT_COLUMN = 'Unknown column "{column}": the Discounts sheet has the columns min_value and percent.'
TOO_MANY_ROWS = "The sheet has more rows than {reference} has lines ({count:,}): keep one row per line, as downloaded."
LINE_MISSING = "Enter the number of the RFP line this row bids on, as in the downloaded sheet."
LINE_UNKNOWN = '{reference} has no line "{value}": keep the line numbers of the downloaded sheet.'
LINE_REPEATED = "Line {line_no} of the RFP is already on line {first} of the sheet: keep one row per RFP line."
ITEM_MISMATCH = (
    'Line {line_no} of {reference} is item {expected}, not "{value}": this row may come from another '
    "RFP's bid sheet. Keep the read-only columns as downloaded."
)
SPEC_NOT_ASKED = "This line does not ask for this requirement: leave the cell empty."

# Rows beyond the RFP's lines are each reported (every one repeats a line, names none or an unknown one), up to this
# many; past it, blank rows counted too, one message says the sheet is too long, without reading the rest.
_EXTRA_ROWS = 100
# A number a formula left a hair off a whole cent (302.50000000000006) is that cent; anything further off is a
# fraction of a cent the rules must refuse.
_CENT_NOISE = Decimal("0.0001")
_REGION_SEPARATORS = re.compile(r"[\s,;]+")
_TIER_COLUMN = re.compile(r"tier(\d+)_(from|price)")
_FIELD_COLUMNS = {
    "product": "product",
    "pricing_kind": "pricing",
    "annual_cost_per_unit": "annual_support_per_unit",
    "capacity": "capacity",
    "min_award_quantity": "min_award_quantity",
    "regions": "regions",
    "tiers": "tier1_from",  # "give at least one tier": where the first one goes
}


def tier_columns(number: int) -> tuple[str, str]:
    """The names of price tier ``number``'s columns (from 1): where it starts, and its unit price."""
    return f"tier{number}_from", f"tier{number}_price"


_MONEY_COLUMNS = frozenset(
    {"annual_support_per_unit", "min_value"} | {tier_columns(n)[1] for n in range(1, TIER_PAIRS + 1)}
)
_WHOLE_COLUMNS = frozenset(
    {"line", "quantity", "capacity", "min_award_quantity"} | {tier_columns(n)[0] for n in range(1, TIER_PAIRS + 1)}
)
_PERCENT_COLUMNS = frozenset({"percent"})


# --- problems and readings -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetReading:
    """A bid sheet read: the bid as typed, and where on the sheet each of its values came from.

    ``bid`` lists the lines bid on, in RFP line order. When ``replaces_discounts`` is false (a CSV file, or an XLSX
    file without its Discounts sheet) ``bid.discount_brackets`` is empty and means "keep the saved ones": see
    :meth:`with_saved_discounts`.
    """

    bid: rules.BidInput
    replaces_discounts: bool
    # rfp_line_id -> the sheet line of its row
    row_lines: Mapping[int, int] = field(default_factory=dict, repr=False)
    # the sheet line of each discount bracket of the input, in order
    bracket_lines: tuple[int, ...] = field(default=(), repr=False)
    # the header of each sheet, to list problems in column order
    headers: Mapping[str, tuple[str, ...]] = field(default_factory=dict, repr=False)

    def with_saved_discounts(self, saved: rules.BidInput | None) -> rules.BidInput:
        """The bid to check and save: this sheet's, with the ``saved`` bid's discount brackets when it keeps them.

        Parameters
        ----------
        saved
            The vendor's bid as stored (``queries.as_input``), or ``None`` when it has none yet.
        """
        if self.replaces_discounts or saved is None:
            return self.bid
        return replace(self.bid, discount_brackets=saved.discount_brackets)

    def problem(self, target: tuple, message: str) -> Problem:
        """A rules problem (see :mod:`coop.bids.rules` for the targets) placed on the sheet's row and column."""
        line, column, sheet = self._locate(target)
        return Problem(message, line, column, sheet=sheet)

    def where(self, target: tuple) -> str:
        """Where a rules problem's ``target`` is on the sheet, e.g. ``Bid sheet line 3, column "tier2_price"``."""
        return self.problem(target, "").place

    def _locate(self, target: tuple) -> tuple[int | None, str | None, str]:
        match target:
            case ("lines", line_id, "tiers", int(index), kind):
                from_column, price_column = tier_columns(index + 1)
                return self.row_lines.get(line_id), from_column if kind == "min_quantity" else price_column, BID_SHEET
            case ("lines", line_id, "spec", str(key)):
                return self.row_lines.get(line_id), SPEC_PREFIX + key, BID_SHEET
            case ("lines", line_id, str(name)):
                return self.row_lines.get(line_id), _FIELD_COLUMNS.get(name), BID_SHEET
            case ("lines", line_id):
                return self.row_lines.get(line_id), "line", BID_SHEET
            case ("discounts", int(index), str(name)):
                return (self.bracket_lines[index] if index < len(self.bracket_lines) else None), name, DISCOUNTS_SHEET
            case ("discounts",):
                return None, None, DISCOUNTS_SHEET
        return None, None, BID_SHEET


def _bid_sheet_problem(line: int, column: str, message: str) -> Problem:
    return Problem(message, line, column, sheet=BID_SHEET)


def sheet_problems(reading: SheetReading, problems: Iterable[rules.Problem]) -> list[Problem]:
    """The problems :func:`rules.check_bid` found in a sheet's bid, placed on its rows and cells, in reading order.

    Raise ``Rejection(sheet_problems(reading, rejected.problems))`` to show them as the sheet's own problems.
    """
    order = (None, BID_SHEET, DISCOUNTS_SHEET)

    def reading_order(problem: Problem) -> tuple[int, int, int]:
        header = reading.headers.get(problem.sheet or "", ())
        position = header.index(problem.column) if problem.column in header else -1
        return order.index(problem.sheet), problem.line or 0, position

    return sorted((reading.problem(problem.field, problem.message) for problem in problems), key=reading_order)


# --- the layout ------------------------------------------------------------------------------------------------------


def spec_keys(rfp: Rfp, requirements: Mapping[int, Sequence[tuple[str, str]]]) -> tuple[str, ...]:
    """Every spec key any of the RFP's lines asks about, in line order, then in each line's requirement order."""
    keys: dict[str, None] = {}
    for line in _lines(rfp):
        keys.update((key, None) for key, _wording in requirements.get(line.id, ()))
    return tuple(keys)


def columns(rfp: Rfp, requirements: Mapping[int, Sequence[tuple[str, str]]]) -> tuple[str, ...]:
    """The header of the RFP's Bid sheet: the read-only columns, then the vendor's (see the module docstring)."""
    return READ_ONLY_COLUMNS + _vendor_columns(spec_keys(rfp, requirements))


def _vendor_columns(keys: Sequence[str]) -> tuple[str, ...]:
    tiers = tuple(name for number in range(1, TIER_PAIRS + 1) for name in tier_columns(number))
    return (
        ("product", "pricing")
        + tiers
        + ("annual_support_per_unit", "capacity", "min_award_quantity", "regions")
        + tuple(SPEC_PREFIX + key for key in keys)
    )


def column_help(rfp: Rfp, requirements: Mapping[int, Sequence[tuple[str, str]]]) -> list[tuple[str, str, str]]:
    """``(column, who fills it, what to write)`` for every column of the RFP's bid sheet, as the Instructions sheet
    lists them (for the upload page too: a CSV file has no room for them)."""
    last_from, last_price = tier_columns(TIER_PAIRS)
    help_rows = [
        ("line", "read-only", "The RFP line the row bids on. Keep it as downloaded."),
        ("item_code", "read-only", "The catalogue item of the line; checked against the line on upload."),
        ("item", "read-only", "The item's name."),
        ("unit", "read-only", "The unit the quantity and prices count."),
        ("quantity", "read-only", "The quantity the member districts pooled on the line."),
        (
            "requirements",
            "read-only",
            "What the product must meet, as the RFP states it: answer each in its meets: column.",
        ),
        ("product", "you", f"The product you offer: make and model (at most {rules.MAX_PRODUCT} characters)."),
        (
            "pricing",
            "you",
            "all_units: every unit costs the price of the highest tier the awarded quantity reaches. "
            "incremental: each band of units costs its own tier's price (tier 1's price up to one unit below tier 2's "
            "start, and so on). Blank means all_units.",
        ),
        (
            f"tier1_from, tier1_price … {last_from}, {last_price}",
            "you",
            f"Price tiers, up to {TIER_PAIRS}: the quantity the tier starts at (a whole number) and the unit price in "
            "dollars, e.g. 289.00. The first tier starts at 1; each next tier starts at a higher quantity and costs the "
            "same or less. Fill tiers from tier 1 and leave the rest blank.",
        ),
        (
            "annual_support_per_unit",
            "you",
            f"The yearly support or licence cost per unit, in dollars; 0 or blank for none. Counted over the RFP's "
            f"{rfp.tco_years} years of total cost of ownership.",
        ),
        ("capacity", "you", "The most units you can supply on the line: a whole number, or blank for no limit."),
        (
            "min_award_quantity",
            "you",
            "The fewest units you accept if awarded the line: a whole number, at most the capacity; 0 or blank for none.",
        ),
        (
            "regions",
            "you",
            "The codes of the regions you serve on the line, separated by spaces or commas; blank means the regions of "
            "your vendor profile.",
        ),
    ]
    wordings: dict[str, str] = {}
    for line in _lines(rfp):
        for key, wording in requirements.get(line.id, ()):
            wordings.setdefault(key, f"line {line.line_no}: {wording}")
    help_rows += [
        (
            SPEC_PREFIX + key,
            "you",
            f"How the product meets this requirement (e.g. {wording}) on each line that asks it; leave it empty on "
            "lines that do not (shaded).",
        )
        for key, wording in wordings.items()
    ]
    return help_rows


def _lines(rfp: Rfp) -> list[RfpLine]:
    return sorted(rfp.lines, key=lambda line: line.line_no)


# --- writing ---------------------------------------------------------------------------------------------------------


def write_sheet(
    rfp: Rfp,
    bid_input: rules.BidInput | None,
    kind: Literal["csv", "xlsx"],
    *,
    requirements: Mapping[int, Sequence[tuple[str, str]]],
    deadline_text: str,
) -> bytes:
    """The RFP's bid sheet, blank or pre-filled with the vendor's bid.

    Parameters
    ----------
    rfp
        The RFP, with its lines and their items.
    bid_input
        The vendor's current bid as text (``queries.as_input``), or ``None`` for a blank sheet.
    kind
        ``"xlsx"``: the Bid, Discounts and Instructions sheets. ``"csv"``: the Bid sheet alone, UTF-8 with a
        byte-order mark so that Excel reads it as UTF-8.
    requirements
        ``queries.requirements_by_line(rfp)``.
    deadline_text
        The bid deadline as the vendor should read it, e.g. "5:00 PM PDT, Friday 14 May 2027".

    Returns
    -------
    bytes
        The file's content.
    """
    keys = spec_keys(rfp, requirements)
    header = READ_ONLY_COLUMNS + _vendor_columns(keys)
    offers = {line.rfp_line_id: line for line in bid_input.lines} if bid_input else {}
    rows = [_row(line, offers.get(line.id), requirements.get(line.id, ()), keys) for line in _lines(rfp)]
    if kind == "csv":
        return exports.csv_bytes([header, *([row.get(name, "") for name in header] for row in rows)])
    if kind == "xlsx":
        brackets = bid_input.discount_brackets if bid_input else ()
        return _workbook(rfp, header, rows, brackets, requirements, deadline_text)
    raise ValueError(f"unknown bid sheet kind {kind!r}")


def _row(
    line: RfpLine, offer: rules.LineInput | None, asked: Sequence[tuple[str, str]], keys: Sequence[str]
) -> dict[str, str]:
    row = {
        "line": str(line.line_no),
        "item_code": line.item.code,
        "item": line.item.name,
        "unit": line.item.unit,
        "quantity": str(line.quantity),
        "requirements": "; ".join(wording for _key, wording in asked),
    }
    if offer is None:
        return row
    if len(offer.tiers) > TIER_PAIRS:
        raise ValueError(f"line {line.line_no} has {len(offer.tiers)} tiers; the sheet has room for {TIER_PAIRS}")
    row |= {
        "product": offer.product,
        "pricing": offer.pricing_kind,
        "annual_support_per_unit": offer.annual_cost_per_unit,
        "capacity": offer.capacity,
        "min_award_quantity": offer.min_award_quantity,
        "regions": " ".join(offer.region_codes),
    }
    for number, tier in enumerate(offer.tiers, start=1):
        from_column, price_column = tier_columns(number)
        row |= {from_column: tier.min_quantity, price_column: tier.unit_price}
    asked_keys = {key for key, _wording in asked}
    row |= {SPEC_PREFIX + key: offer.spec_compliance.get(key, "") for key in keys if key in asked_keys}
    return row


def _xlsx_value(column: str, text: str):
    """A cell's value: numbers as numbers, so that a spreadsheet program neither flags nor reformats them."""
    if column in _MONEY_COLUMNS and (cents := rules.parse_dollars_to_cents(text)) is not None:
        return Decimal(cents).scaleb(-2)
    if column in _WHOLE_COLUMNS and (whole := rules.parse_whole(text)) is not None:
        return whole
    if column in _PERCENT_COLUMNS and (percent := rules.parse_percent(text)) is not None:
        return percent
    return text or None


_BOLD = Font(bold=True)
_SHADED = PatternFill("solid", start_color="FFE7E6E6")
_WIDTHS = {
    "line": 6,
    "item_code": 16,
    "item": 30,
    "unit": 8,
    "quantity": 10,
    "requirements": 60,
    "product": 36,
    "pricing": 12,
    "regions": 16,
}


def _workbook(
    rfp: Rfp,
    header: tuple[str, ...],
    rows: list[dict[str, str]],
    brackets: Sequence[rules.BracketInput],
    requirements: Mapping[int, Sequence[tuple[str, str]]],
    deadline_text: str,
) -> bytes:
    workbook, sheet = exports.new_workbook(BID_SHEET)
    exports.append_row(sheet, header)
    for row in rows:
        exports.append_row(sheet, [_xlsx_value(name, row.get(name, "")) for name in header])
    for cell in sheet[1]:
        cell.font = _BOLD
        sheet.column_dimensions[cell.column_letter].width = _WIDTHS.get(cell.value, max(12, len(cell.value) + 2))
    asked = {line.id: {key for key, _wording in requirements.get(line.id, ())} for line in rfp.lines}
    for row_cells, line in zip(sheet.iter_rows(min_row=2), _lines(rfp), strict=True):
        for name, cell in zip(header, row_cells, strict=True):
            if name in _MONEY_COLUMNS:
                cell.number_format = "#,##0.00"
            # Shade what the vendor does not fill: the read-only columns and the requirements the line does not ask.
            not_asked = name.startswith(SPEC_PREFIX) and name.removeprefix(SPEC_PREFIX) not in asked[line.id]
            if name in READ_ONLY_COLUMNS or not_asked:
                cell.fill = _SHADED
            if name == "requirements":
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    pricing_letter = sheet.cell(row=1, column=header.index("pricing") + 1).column_letter
    choices = DataValidation(type="list", formula1='"' + ",".join(PRICING_KINDS) + '"', allow_blank=True)
    choices.add(f"{pricing_letter}2:{pricing_letter}{max(len(rows), 1) + 1}")
    sheet.add_data_validation(choices)
    # Keep which line a row is in sight while scrolling right; the wide columns after it would fill the screen.
    sheet.freeze_panes = sheet.cell(row=2, column=header.index("item")).coordinate

    discounts = workbook.create_sheet(DISCOUNTS_SHEET)
    exports.append_row(discounts, DISCOUNT_COLUMNS)
    for bracket in brackets:
        exports.append_row(
            discounts,
            [
                _xlsx_value(name, text)
                for name, text in zip(DISCOUNT_COLUMNS, (bracket.min_value, bracket.percent), strict=True)
            ],
        )
    for row_cells in discounts.iter_rows(min_row=2):
        row_cells[0].number_format = "#,##0.00"
        row_cells[1].number_format = "0.00"
    for cell in discounts[1]:
        cell.font = _BOLD
        discounts.column_dimensions[cell.column_letter].width = 16

    instructions = workbook.create_sheet(INSTRUCTIONS_SHEET)
    for text in _instruction_lines(rfp, deadline_text):
        exports.append_row(instructions, [text])
    instructions["A1"].font = _BOLD
    exports.append_row(instructions, [])
    exports.append_row(instructions, ["column", "who fills it", "what to write"])
    for cell in instructions[instructions.max_row]:
        cell.font = _BOLD
    for row in column_help(rfp, requirements):
        exports.append_row(instructions, row)
    for letter, width in zip("ABC", (34, 14, 120), strict=True):
        instructions.column_dimensions[letter].width = width

    return exports.workbook_bytes(workbook)


def _instruction_lines(rfp: Rfp, deadline_text: str) -> list[str]:
    return [
        f"Bid sheet for {rfp.reference}: {rfp.title}",
        f"Bids close {deadline_text}. Upload the filled sheet on the RFP's bid page before then.",
        f"The {BID_SHEET} sheet has one row per RFP line. Fill the vendor columns of each line you bid on; leave them "
        "all empty on a line you do not bid on.",
        "Keep the header row and the read-only columns (shaded) as downloaded: line says which RFP line a row bids "
        "on, and item_code must match it.",
        "Tiers: the first starts at quantity 1; each next one starts at a higher quantity and costs the same or less.",
        f"The {DISCOUNTS_SHEET} sheet holds your discount on the total value of all the lines you are awarded: once "
        "the value reaches min_value dollars, percent (e.g. 2.5) comes off the whole of it. Each row starts higher and "
        f"takes off more than the one before; at most {rules.MAX_BRACKETS} rows. Only the header row: no discount.",
        f"A CSV bid sheet has no {DISCOUNTS_SHEET} sheet: uploading one keeps the discounts of your saved bid, and so "
        f"does uploading this workbook without its {DISCOUNTS_SHEET} sheet.",
        "A sheet with any problem changes nothing: the upload page lists every problem by sheet, line and column.",
    ]


# --- reading ---------------------------------------------------------------------------------------------------------


def read_sheet(
    filename: str,
    data: bytes,
    rfp: Rfp,
    *,
    requirements: Mapping[int, Sequence[tuple[str, str]]],
    default_region_codes: tuple[str, ...],
    max_bytes: int,
    limits: spreadsheets.ArchiveLimits,
) -> SheetReading:
    """Read a filled bid sheet as the vendor's bid, as typed.

    Only the sheet's shape is checked here (file, columns, which RFP line each row is); the values are the
    business of :func:`rules.check_bid`, whose problems :func:`sheet_problems` places on the sheet.

    Parameters
    ----------
    filename
        The uploaded file's name: ``.csv``, ``.xlsx`` or ``.ods``.
    data
        The file's content.
    rfp
        The RFP bid on, with its lines and their items.
    requirements
        ``queries.requirements_by_line(rfp)``: which ``meets:`` cells each line asks.
    default_region_codes
        The regions of a line whose ``regions`` cell is blank: the vendor's profile regions.
    max_bytes
        The largest file accepted.
    limits
        What an XLSX or ODS file may unpack to; one that unpacks to more is refused unread.

    Returns
    -------
    SheetReading
        The bid as typed, and where each of its values is on the sheet.

    Raises
    ------
    Rejection
        With every problem of the sheet's shape; the bid is not read.
    """
    filename = (filename or "").strip() or "The file"
    if len(data) > max_bytes:
        raise _reject(FILE_TOO_LARGE.format(filename=filename, limit=spreadsheets.size_text(max_bytes)))
    lines = _lines(rfp)
    try:
        bid_table, discounts_table = _read_tables(filename, data, limits, max_rows=len(lines) + _EXTRA_ROWS)
    except _SheetTooLong as too_long:
        message = (
            rules.TOO_MANY_BRACKETS
            if too_long.sheet == DISCOUNTS_SHEET
            else TOO_MANY_ROWS.format(reference=rfp.reference, count=len(lines))
        )
        raise Rejection([Problem(message, sheet=too_long.sheet)]) from too_long
    if not any(any(row) for row in bid_table):
        raise _reject(EMPTY_FILE.format(filename=filename))

    problems: list[Problem] = []
    keys = spec_keys(rfp, requirements)
    vendor = _vendor_columns(keys)
    bid_header, bid_rows = _header_and_rows(
        bid_table, BID_SHEET, READ_ONLY_COLUMNS + vendor, _required(vendor), UNKNOWN_COLUMN, problems
    )
    headers = {BID_SHEET: bid_header}
    brackets: list[rules.BracketInput] = []
    bracket_lines: list[int] = []
    if discounts_table is not None and any(any(row) for row in discounts_table):
        headers[DISCOUNTS_SHEET], discount_rows = _header_and_rows(
            discounts_table, DISCOUNTS_SHEET, DISCOUNT_COLUMNS, DISCOUNT_COLUMNS, UNKNOWN_DISCOUNT_COLUMN, problems
        )
        if len(discount_rows) > rules.MAX_BRACKETS:
            problems.append(Problem(rules.TOO_MANY_BRACKETS, sheet=DISCOUNTS_SHEET))
        for sheet_line, cells in discount_rows:
            brackets.append(rules.BracketInput(cells.get("min_value", ""), cells.get("percent", "")))
            bracket_lines.append(sheet_line)
    if problems:
        raise Rejection(problems)

    offers, row_lines = _offers(bid_rows, rfp, lines, requirements, keys, default_region_codes, problems)
    if problems:
        raise Rejection(problems)
    return SheetReading(
        bid=rules.BidInput(lines=tuple(offers), discount_brackets=tuple(brackets)),
        replaces_discounts=discounts_table is not None,
        row_lines=row_lines,
        bracket_lines=tuple(bracket_lines),
        headers=headers,
    )


def _required(vendor: Sequence[str]) -> tuple[str, ...]:
    # A vendor may delete the read-only columns (they are not read) and the tier pairs it does not use; every other
    # column must be there, so that a cell is never left out by mistake.
    return ("line",) + tuple(name for name in vendor if _tier_number(name) in (None, 1))


def _offers(
    rows: list[tuple[int, dict[str, str]]],
    rfp: Rfp,
    lines: list[RfpLine],
    requirements: Mapping[int, Sequence[tuple[str, str]]],
    keys: Sequence[str],
    default_region_codes: tuple[str, ...],
    problems: list[Problem],
) -> tuple[list[rules.LineInput], dict[int, int]]:
    """The offer of each row that bids, in RFP line order, with the sheet line of each;
    rows that do not say which RFP line they are, or whose cells do not fit it, add to ``problems``."""
    by_number = {line.line_no: line for line in lines}
    vendor = _vendor_columns(keys)
    offers: dict[int, rules.LineInput] = {}
    row_lines: dict[int, int] = {}
    first_row: dict[int, int] = {}
    for sheet_line, cells in rows:
        here = partial(_bid_sheet_problem, sheet_line)
        number_text = cells.get("line", "")
        line = by_number.get(rules.parse_whole(number_text))
        if not number_text:
            problems.append(here("line", LINE_MISSING))
            continue
        if line is None:
            problems.append(here("line", LINE_UNKNOWN.format(reference=rfp.reference, value=shown(number_text))))
            continue
        if line.line_no in first_row:
            problems.append(here("line", LINE_REPEATED.format(line_no=line.line_no, first=first_row[line.line_no])))
            continue
        first_row[line.line_no] = sheet_line
        item_code = cells.get("item_code", "")
        if item_code and item_code.upper() != line.item.code.upper():
            problems.append(
                here(
                    "item_code",
                    ITEM_MISMATCH.format(
                        line_no=line.line_no, reference=rfp.reference, expected=line.item.code, value=shown(item_code)
                    ),
                )
            )
        asked = [key for key, _wording in requirements.get(line.id, ())]
        for key in keys:
            if key not in asked and cells.get(SPEC_PREFIX + key):
                problems.append(here(SPEC_PREFIX + key, SPEC_NOT_ASKED))
        if not any(cells.get(name) for name in vendor):
            continue
        # A blank pair keeps its place, so that the rules' tier index is the sheet's tier number less one (and
        # their "tier 3" is the vendor's tier3 columns); blank pairs after the last tier are no tiers at all.
        tiers = [
            rules.TierInput(*(cells.get(name, "") for name in tier_columns(number)))
            for number in range(1, TIER_PAIRS + 1)
        ]
        while tiers and tiers[-1].is_blank:
            tiers.pop()
        regions = tuple(code for code in _REGION_SEPARATORS.split(cells.get("regions", "")) if code)
        offers[line.id] = rules.LineInput(
            rfp_line_id=line.id,
            product=cells.get("product", ""),
            spec_compliance={key: cells.get(SPEC_PREFIX + key, "") for key in asked},
            # "All units" and "all-units" are what people type for all_units.
            pricing_kind=normalise_header(cells.get("pricing", "")) or PricingKind.ALL_UNITS.value,
            tiers=tuple(tiers),
            annual_cost_per_unit=cells.get("annual_support_per_unit", ""),
            capacity=cells.get("capacity", ""),
            min_award_quantity=cells.get("min_award_quantity", ""),
            region_codes=regions or tuple(default_region_codes),
        )
        row_lines[line.id] = sheet_line
    return [offers[line.id] for line in lines if line.id in offers], row_lines


def _header_and_rows(
    table: list[list[str]],
    sheet: str,
    known: Sequence[str],
    required: Sequence[str],
    unknown_message: str,
    problems: list[Problem],
) -> tuple[tuple[str, ...], list[tuple[int, dict[str, str]]]]:
    """The sheet's header (names as known, ``""`` where unnamed or unknown) and its non-blank rows, each with its
    line number and its cells by column name; header problems are added to ``problems``."""
    by_name = {normalise_header(name): name for name in known}
    raw_header = table[0] if table else []
    data = [(position, row) for position, row in enumerate(table[1:], start=2) if any(row)]
    width = max((len(row) for row in table), default=0)
    header: list[str] = []
    seen: set[str] = set()
    for index in range(width):
        raw = raw_header[index].strip() if index < len(raw_header) else ""
        name = by_name.get(normalise_header(raw), "") if raw else ""
        if not raw:
            if any(index < len(row) and row[index] for _position, row in data):
                letter = column_letter(index)
                problems.append(Problem(UNNAMED_COLUMN.format(letter=letter), 1, letter, sheet=sheet))
        elif not name:
            problems.append(Problem(unknown_message.format(column=shown(raw)), 1, raw, sheet=sheet))
        elif name in seen:
            problems.append(Problem(DUPLICATE_COLUMN.format(column=name), 1, name, sheet=sheet))
            name = ""
        seen.add(name)
        header.append(name)
    for name in known:
        paired = _paired_tier_column(name)
        if name not in seen and (name in required or (paired is not None and paired in seen)):
            problems.append(Problem(MISSING_COLUMN.format(column=name), 1, name, sheet=sheet))
    rows = [
        (position, {name: row[index].strip() for index, name in enumerate(header) if name and index < len(row)})
        for position, row in data
    ]
    return tuple(header), rows


def _tier_number(name: str) -> int | None:
    """The tier a column is of (from 1), or ``None`` for a column of no tier."""
    match = _TIER_COLUMN.fullmatch(name)
    return None if match is None else int(match.group(1))


def _paired_tier_column(name: str) -> str | None:
    """The other column of a tier pair: a tier is both its start and its price, or neither."""
    number = _tier_number(name)
    if number is None:
        return None
    from_column, price_column = tier_columns(number)
    return price_column if name == from_column else from_column


def _reject(message: str) -> Rejection:
    return Rejection([Problem(message)])


class _SheetTooLong(Exception):
    """A sheet has more rows than a bid sheet has room for; it is not read to its end."""

    def __init__(self, sheet: str):
        super().__init__(sheet)
        self.sheet = sheet


def _read_tables(
    filename: str, data: bytes, limits: spreadsheets.ArchiveLimits, *, max_rows: int
) -> tuple[list[list[str]], list[list[str]] | None]:
    """The Bid sheet's rows and the Discounts sheet's (``None`` when the file has none), as text cells, blank rows
    kept so that row positions are line numbers; each read no further than its header and ``max_rows`` rows, blank
    ones included.

    Raises
    ------
    _SheetTooLong
        A sheet has more rows.
    """
    try:
        kind = spreadsheets.file_kind(filename, data)
        if kind is None:
            raise _reject(EMPTY_FILE.format(filename=filename))
        if kind == "xlsx":
            return _read_workbook(filename, data, limits, max_rows=max_rows)
        if kind == "ods":
            return _read_ods(filename, data, limits, max_rows=max_rows)
        try:
            return spreadsheets.read_rows(spreadsheets.csv_rows(filename, data), max_rows + 1), None
        except spreadsheets.TooManyRows as error:
            raise _SheetTooLong(BID_SHEET) from error
    except spreadsheets.Unreadable as error:
        raise _reject(str(error)) from error


def _read_workbook(
    filename: str, data: bytes, limits: spreadsheets.ArchiveLimits, *, max_rows: int
) -> tuple[list[list[str]], list[list[str]] | None]:
    reading = BID_SHEET
    try:  # every sheet no further than its header and max_rows rows
        with spreadsheets.open_workbook(filename, data, limits, max_rows + 1) as workbook:
            bid = workbook[BID_SHEET] if BID_SHEET in workbook.sheetnames else workbook.worksheets[0]
            discounts = workbook[DISCOUNTS_SHEET] if DISCOUNTS_SHEET in workbook.sheetnames else None
            bid_table = spreadsheets.read_rows(_worksheet_rows(bid), max_rows + 1)
            if discounts is None or discounts is bid:
                return bid_table, None
            reading = DISCOUNTS_SHEET
            return bid_table, spreadsheets.read_rows(_worksheet_rows(discounts), max_rows + 1)
    except spreadsheets.TooManyRows as error:
        raise _SheetTooLong(reading) from error


def _read_ods(
    filename: str, data: bytes, limits: spreadsheets.ArchiveLimits, *, max_rows: int
) -> tuple[list[list[str]], list[list[str]] | None]:
    try:  # every sheet no further than its header and max_rows rows
        book = spreadsheets.read_ods(filename, data, limits, max_rows + 1)
    except spreadsheets.TooManyRows as error:
        raise _SheetTooLong(DISCOUNTS_SHEET if error.sheet == DISCOUNTS_SHEET else BID_SHEET) from error
    bid_sheet = BID_SHEET if BID_SHEET in book else next(iter(book))
    bid_table = list(_sheet_rows(book[bid_sheet]))
    if DISCOUNTS_SHEET not in book or bid_sheet == DISCOUNTS_SHEET:
        return bid_table, None
    return bid_table, list(_sheet_rows(book[DISCOUNTS_SHEET]))


def _worksheet_rows(sheet) -> Iterator[list[str]]:
    sheet.reset_dimensions()  # some writers record wrong dimensions; read every row there is
    return _sheet_rows(sheet.iter_rows())


def _sheet_rows(rows: Iterable[Sequence]) -> Iterator[list[str]]:
    """A sheet's rows (of openpyxl cells, or :class:`spreadsheets.Cell`) as the text a vendor would have typed, each
    cell read by what its column holds."""
    kinds: list[str] = []
    for number, cells in enumerate(rows):
        if not number:
            header = [cell_text(cell.value) for cell in cells]
            kinds = [normalise_header(name) for name in header]
            yield header
            continue
        yield [
            _typed_text(kinds[index] if index < len(kinds) else "", cell.value, cell.number_format or "")
            for index, cell in enumerate(cells)
        ]


def _typed_text(column: str, value, number_format: str) -> str:
    """A cell as text: numbers typed as numbers become the text :mod:`rules` reads (289.5 -> "289.50", 1200.0 ->
    "1200"); a number with a fraction where a whole one belongs stays as it is ("12.5"), for the rules to refuse."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return cell_text(value)
    if not math.isfinite(value):  # only a forged file holds one; the rules refuse the text
        return repr(value)
    if column in _WHOLE_COLUMNS:
        return str(int(value)) if float(value).is_integer() else repr(value)
    if column in _MONEY_COLUMNS or column in _PERCENT_COLUMNS:
        number = Decimal(repr(value))
        # Excel stores "2.5%" typed in a cell as 0.025 shown in a percent format.
        if column in _PERCENT_COLUMNS and "%" in number_format:
            number *= 100
        cents = round(number * 100)
        if number >= 0 and abs(number * 100 - cents) <= _CENT_NOISE:
            return money.plain_dollars(cents)
        return str(number)
    return cell_text(value)
