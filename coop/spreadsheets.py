"""Reading an uploaded spreadsheet (CSV, XLSX or ODS) as rows of text cells, and the words for a file that cannot be
read.

Area-neutral: the needs import and the bid sheets each decide what their columns and
rows mean and word the problems of their own content; which files are spreadsheets,
how one is opened, how a cell reads as text and how a header name is matched are the
same for both and live here. Rows keep their blank rows, so that a row's position is
the line a spreadsheet program shows (the header is line 1).

Uploads are hostile until read: a workbook is a zip archive, and a few kilobytes of it
can unpack to gigabytes (one huge shared string, millions of empty rows). The archive
is checked against :class:`ArchiveLimits` before any part of it is parsed, rows are
streamed and counted blank or not (:func:`read_rows`), and a CSV row may be only so
long; so a bomb is refused before it costs the server more than a few megabytes. An ODS
file (LibreOffice's own format) is the same kind of archive, whose one XML part holds
every sheet and may say "this row again a million times": it is streamed, with no
DTD (so no entity expansion), repeats written out only up to what the limits allow a
part to unpack to (:func:`read_ods`).
"""

from __future__ import annotations

import csv
import io
import logging
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Literal
from xml.etree.ElementTree import Element

import openpyxl
from defusedxml import ElementTree
from openpyxl.workbook import Workbook

from coop.exports import text_as_typed

log = logging.getLogger(__name__)

EXTENSIONS = (".csv", ".xlsx", ".ods")
# A file input's accept attribute, and the words beside it: what a spreadsheet program saves, by its name.
ACCEPT = ",".join(EXTENSIONS)
FORMATS_TEXT = "CSV, Excel (.xlsx) or LibreOffice (.ods), as your spreadsheet program saves it."
# ODF stores its media type first in the archive, uncompressed, as a part named "mimetype" (ODF 1.2 part 3,
# section 3.3): its name starts 30 bytes in, after the zip local header, and its content follows.
_ODS_SIGNATURE = b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet"

# Messages (asserted word for word in tests/needs/test_import.py and tests/bids/test_sheets.py).
NOT_A_SPREADSHEET = (
    '"{filename}" is not a CSV, XLSX or ODS file. Save your spreadsheet as CSV, Excel Workbook (.xlsx) or '
    "OpenDocument Spreadsheet (.ods) and upload it again."
)
UNREADABLE_XLSX = (
    '"{filename}" could not be read as an Excel workbook. Save it again as .xlsx, or as CSV, and upload it again.'
)
UNREADABLE_ODS = (
    '"{filename}" could not be read as an OpenDocument spreadsheet. Save it again as .ods, .xlsx or CSV, '
    "and upload it again."
)
TOO_MANY_SHEETS = '"{filename}" has more than {limit:,} sheets. Save only the sheet to upload, or save it as CSV, and upload it again.'
REPEATS_TOO_MUCH = (
    '"{filename}" repeats its cells beyond what any sheet of needs or bid sheet holds. Delete the rows and columns '
    "after your data, or save it as CSV, and upload it again."
)
UNREADABLE_CSV = '"{filename}" could not be read as CSV text. Save it again as CSV (UTF-8) and upload it again.'
MISSING_COLUMN = 'The header row has no "{column}" column.'
DUPLICATE_COLUMN = 'The column "{column}" appears more than once in the header row.'
UNNAMED_COLUMN = "Column {letter} has values but no name in the header row."
UNPACKS_TOO_LARGE = (
    '"{filename}" unpacks to more than {limit}. Save only the sheet to upload, without pictures or '
    "other sheets, or save it as CSV, and upload it again."
)
PACKED_TOO_TIGHT = (
    '"{filename}" unpacks to more than {ratio:,} times its size, which no spreadsheet program does. '
    "Save it again as .xlsx, or as CSV, and upload it again."
)
TOO_MANY_PARTS = (
    '"{filename}" holds more than {limit:,} files inside, which no spreadsheet program does. '
    "Save it again as .xlsx, or as CSV, and upload it again."
)
ROW_TOO_LONG = (
    'Row {row} of "{filename}" is longer than {limit:,} characters. Save it again as CSV and upload it again.'
)

_MAX_VALUE_SHOWN = 40
# The longest CSV row read, in characters: far beyond any row of needs or of a bid sheet, and small enough that
# the cells of one row cost at most a few megabytes (a row of tiny cells costs some 25 bytes a character).
MAX_CSV_ROW_CHARS = 65_536
# A part that unpacks to less than this may pack as tight as it likes: it cannot exhaust anything.
_RATIO_CHECKED_FROM_BYTES = 1024 * 1024
# What a copy of a cell written out from an ODS sheet's repeats may cost in memory once read as text: some 64 bytes
# (its place in a row, a short string), three times that as measured under tracemalloc (tests/bombs.py). The copies
# may cost no more than the largest part may unpack to, their text one byte a character on top; the cells the XML
# writes once cost what an XLSX sheet's do, and the part's limit holds them.
_COPY_BYTES = 192
# A cell's parts (paragraphs, spans, spaces) are kept until the cell ends: a cell holds no more characters than this
# in Excel or LibreOffice, and no more parts.
_MAX_CELL_PARTS = 32_767


class Unreadable(ValueError):
    """The file cannot be read as a spreadsheet; the message is the one to show the user."""


class TooManyRows(ValueError):
    """The sheet has more rows than the reader reads; of the rows read (the first one too many included),
    ``filled_rows`` hold a value. ``sheet`` names the sheet when the reader knows it (an ODS file's reader sets it;
    the rows it counts come from a generator that does not know its sheet)."""

    def __init__(self, filled_rows: int):
        super().__init__(f"{filled_rows:,} filled rows read before the row cap")
        self.filled_rows = filled_rows
        self.sheet: str | None = None


@dataclass(frozen=True)
class ArchiveLimits:
    """What an XLSX or ODS file (a zip archive) may unpack to, checked before any of it is parsed."""

    max_parts: int
    max_part_bytes: int
    max_unpacked_bytes: int
    max_ratio: int  # unpacked size over packed size, of a part larger than a megabyte

    @classmethod
    def from_config(cls, config: Mapping) -> ArchiveLimits:
        return cls(
            max_parts=config["COOP_XLSX_MAX_PARTS"],
            max_part_bytes=config["COOP_XLSX_MAX_PART_BYTES"],
            max_unpacked_bytes=config["COOP_XLSX_MAX_UNPACKED_BYTES"],
            max_ratio=config["COOP_XLSX_MAX_RATIO"],
        )


def file_kind(filename: str, content: bytes) -> Literal["csv", "xlsx", "ods"] | None:
    """How to read the file: ``"csv"``, ``"xlsx"`` or ``"ods"``; ``None`` when it holds nothing but white space
    (each area words an empty file by what it expects in it).

    Raises
    ------
    Unreadable
        The name is not a spreadsheet's, or a ``.xlsx`` or ``.ods`` name holds no workbook.
    """
    extension = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in EXTENSIONS:
        raise Unreadable(NOT_A_SPREADSHEET.format(filename=filename))
    if not content.strip():
        return None
    # The content decides, not the name: an XLSX saved with a .csv or .ods name is still read as what it is.
    if content.startswith(b"PK\x03\x04"):
        return "ods" if content[30 : 30 + len(_ODS_SIGNATURE)] == _ODS_SIGNATURE else "xlsx"
    if extension != ".csv":
        raise Unreadable((UNREADABLE_ODS if extension == ".ods" else UNREADABLE_XLSX).format(filename=filename))
    return "csv"


def csv_rows(filename: str, content: bytes) -> Iterator[list[str]]:
    """The rows of a CSV file as stripped text cells, read one at a time as the caller asks for them.

    Raises
    ------
    Unreadable
        The content is not CSV text, or a row is longer than :data:`MAX_CSV_ROW_CHARS`.
    """
    if b"\x00" in content:
        raise Unreadable(UNREADABLE_CSV.format(filename=filename))
    # Excel on Windows still saves "CSV" as cp1252.
    encoding = next((encoding for encoding in ("utf-8-sig", "cp1252") if _decodes(content, encoding)), None)
    if encoding is None:
        raise Unreadable(UNREADABLE_CSV.format(filename=filename))
    # Spreadsheets in locales with a decimal comma separate CSV fields with semicolons (ASCII in both encodings).
    first_line = content[:MAX_CSV_ROW_CHARS].split(b"\n", 1)[0]
    delimiter = (
        max((",", ";", "\t"), key=lambda separator: first_line.count(separator.encode())) if first_line.strip() else ","
    )
    # Decoded as read, a line at a time: the whole text at once would cost four bytes a character in a StringIO.
    lines = _BoundedLines(io.TextIOWrapper(io.BytesIO(content), encoding=encoding, newline=""), MAX_CSV_ROW_CHARS)
    # No csv.Error to catch: the reader (not strict) raises one only on a field over its 131,072-character limit,
    # which a row of at most MAX_CSV_ROW_CHARS cannot hold.
    try:
        for row in csv.reader(lines, delimiter=delimiter):
            lines.row_done()
            yield [text_as_typed(cell.strip()).strip() for cell in row]
    except _RowTooLong as error:
        raise Unreadable(
            ROW_TOO_LONG.format(row=lines.rows_done + 1, filename=filename, limit=MAX_CSV_ROW_CHARS)
        ) from error


def _decodes(content: bytes, encoding: str) -> bool:
    try:
        content.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


class _RowTooLong(Exception):
    pass


class _BoundedLines:
    """The lines of a text, each read at most ``max_row_chars`` at a time, refusing a row (one line, or several
    when a quoted cell holds line breaks) longer than that: the csv module would build it whole."""

    def __init__(self, text: io.TextIOBase, max_row_chars: int):
        self._text = text
        self._max_row_chars = max_row_chars
        self._row_chars = 0
        self.rows_done = 0

    def __iter__(self) -> _BoundedLines:
        return self

    def __next__(self) -> str:
        line = self._text.readline(self._max_row_chars + 1)
        if not line:
            raise StopIteration
        self._row_chars += len(line)
        if self._row_chars > self._max_row_chars:
            raise _RowTooLong
        return line

    def row_done(self) -> None:
        self._row_chars = 0
        self.rows_done += 1


def read_rows(rows: Iterable[list[str]], max_rows: int) -> list[list[str]]:
    """The rows, the header and blank rows counted, read up to ``max_rows`` and no further.

    Raises
    ------
    TooManyRows
        There are more.
    """
    table: list[list[str]] = []
    for row in rows:
        if len(table) == max_rows:
            raise TooManyRows(sum(1 for read in (*table, row) if any(read)))
        table.append(row)
    return table


def check_archive(filename: str, content: bytes, limits: ArchiveLimits, unreadable: str = UNREADABLE_XLSX) -> None:
    """Refuse an XLSX or ODS file whose archive unpacks to more than ``limits`` allow, before any part is unpacked.

    The sizes checked are those the archive declares; Python's zipfile never unpacks a part beyond its declared
    size (it stops there and fails the part's checksum), so a part cannot lie its way past them.

    Raises
    ------
    Unreadable
        The file is not a zip archive (with the ``unreadable`` message), or unpacks to too much.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as error:
        log.info("unreadable archive %r: %s", filename, error)
        raise Unreadable(unreadable.format(filename=filename)) from error
    if len(parts) > limits.max_parts:
        raise Unreadable(TOO_MANY_PARTS.format(filename=filename, limit=limits.max_parts))
    for part in parts:
        if part.file_size > limits.max_part_bytes:
            raise Unreadable(UNPACKS_TOO_LARGE.format(filename=filename, limit=size_text(limits.max_part_bytes)))
        if part.file_size > _RATIO_CHECKED_FROM_BYTES and part.file_size > limits.max_ratio * part.compress_size:
            raise Unreadable(PACKED_TOO_TIGHT.format(filename=filename, ratio=limits.max_ratio))
    if sum(part.file_size for part in parts) > limits.max_unpacked_bytes:
        raise Unreadable(UNPACKS_TOO_LARGE.format(filename=filename, limit=size_text(limits.max_unpacked_bytes)))


def _check_sheet_lengths(filename: str, content: bytes, max_rows: int) -> None:
    """Refuse a workbook with a sheet of more than ``max_rows`` rows, blank ones included, counted as the sheet's
    XML streams by and no further.

    openpyxl, even read-only, parses a whole sheet when it opens the workbook if the sheet does not state its
    dimensions (a writer may leave them out): two million empty rows would cost seconds and hundreds of megabytes
    before the first row is read. Every part that turns out to be a worksheet is counted, wherever it lies in the
    archive, since openpyxl finds sheets by the workbook's relationships, not by their names.

    Raises
    ------
    TooManyRows
        Counting the rows holding a value among those counted.
    Unreadable
        A part cannot be unpacked, or is not well-formed XML.
    """
    # Whatever a malformed upload makes the zip or XML parsers raise, the user's answer is the same.
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            counts = (_rows_in_sheet(archive, name, max_rows) for name in archive.namelist() if name.endswith(".xml"))
            too_long = next(((rows, filled_rows) for rows, filled_rows in counts if rows > max_rows), None)
    except Exception as error:  # noqa: BLE001
        log.info("unreadable XLSX %r: %s", filename, error)
        raise Unreadable(UNREADABLE_XLSX.format(filename=filename)) from error
    if too_long is not None:
        raise TooManyRows(too_long[1])


def _rows_in_sheet(archive: zipfile.ZipFile, name: str, max_rows: int) -> tuple[int, int]:
    """The rows of the part if it is a worksheet (none if not: read no further than its first tag), counted up to
    one more than ``max_rows``, and how many of them hold a value."""
    with archive.open(name) as stream:
        events = ElementTree.iterparse(stream, events=("start", "end"), forbid_dtd=True)
        _event, root = next(events)
        if _local_name(root) != "worksheet":
            return 0, 0
        rows = filled_rows = 0
        sheet_data = root
        for event, element in events:
            if event == "start":
                if _local_name(element) == "sheetData":
                    sheet_data = element
            elif _local_name(element) == "row":
                rows += 1
                filled_rows += any(
                    (value.text or "").strip() for value in element.iter() if _local_name(value) in ("v", "t")
                )
                if rows > max_rows:
                    break
                sheet_data.clear()  # rows counted are dropped, so that memory stays flat
        return rows, filled_rows


def _local_name(element: Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


@contextmanager
def open_workbook(filename: str, content: bytes, limits: ArchiveLimits, max_rows: int) -> Iterator[Workbook]:
    """An XLSX file opened read-only (its sheets are streamed row by row), with formulas' saved values, and closed
    after the block.

    Raises
    ------
    Unreadable
        The archive unpacks to more than ``limits`` allow (see :func:`check_archive`), or opening the workbook, or
        anything the block raises while reading it, failed.
    TooManyRows
        A sheet has more than ``max_rows`` rows, blank ones included (the block's own reading counts them too).
    """
    check_archive(filename, content, limits)
    _check_sheet_lengths(filename, content, max_rows)
    # Whatever a malformed upload makes the zip or XML parsers raise, the user's answer is the same.
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001
        log.info("unreadable XLSX %r: %s", filename, error)
        raise Unreadable(UNREADABLE_XLSX.format(filename=filename)) from error
    try:
        yield workbook
    except TooManyRows:
        raise
    except Exception as error:  # noqa: BLE001
        log.info("unreadable XLSX %r: %s", filename, error)
        raise Unreadable(UNREADABLE_XLSX.format(filename=filename)) from error
    finally:
        workbook.close()


@dataclass(frozen=True)
class Cell:
    """A cell of an ODS sheet, read as openpyxl reads one of an XLSX sheet: its typed value (``None`` when blank),
    and a percent number format for a percentage (LibreOffice stores "2.5%" as 0.025, as Excel does)."""

    value: str | int | float | bool | date | datetime | None
    number_format: str = ""


_BLANK = Cell(None)
_TABLE_NS = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE_NS = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_TEXT_NS = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_CELL_TAGS = (_TABLE_NS + "table-cell", _TABLE_NS + "covered-table-cell")


class _RepeatsTooMuch(Exception):
    pass


class _CopyBudget:
    """How much more memory the copies of repeated cells (and spaces), written out, may cost."""

    def __init__(self, max_bytes: int):
        self._bytes_left = max_bytes

    def spend(self, copies: int, chars: int = 0) -> None:
        """Spend on ``copies`` more cells of ``chars`` characters in all."""
        self._bytes_left -= copies * _COPY_BYTES + chars
        if self._bytes_left < 0:
            raise _RepeatsTooMuch


def read_ods(filename: str, content: bytes, limits: ArchiveLimits, max_rows: int) -> dict[str, list[list[Cell]]]:
    """Every sheet of an ODS file by name, in the file's order, as rows of cells, each read no further than
    ``max_rows`` rows, blank ones included.

    Repeated rows and cells are written out; blank rows after the last filled row of a sheet, and blank cells after
    the last filled cell of a row, are not (LibreOffice repeats a blank row to the end of the sheet).

    Raises
    ------
    Unreadable
        The archive unpacks to more than ``limits`` allow (see :func:`check_archive`), it has more sheets than
        ``limits.max_parts`` (an XLSX file's part per sheet), the sheets repeat cells beyond what a part may unpack
        to, the XML declares a DTD (entities), or the file is not an ODS spreadsheet.
    TooManyRows
        A sheet has more than ``max_rows`` rows (or blank row elements in a row), blank ones included; ``sheet``
        names it.
    """
    check_archive(filename, content, limits, UNREADABLE_ODS)
    budget = _CopyBudget(limits.max_part_bytes)
    sheets: dict[str, list[list[Cell]]] = {}
    # Whatever a malformed upload makes the zip or XML parsers raise, the user's answer is the same.
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive, archive.open("content.xml") as stream:
            events = ElementTree.iterparse(stream, events=("start", "end"), forbid_dtd=True)
            open_elements: list[Element] = []
            for event, element in events:
                if event == "start" and element.tag == _TABLE_NS + "table":
                    # An XLSX file has a part per sheet, and so no more sheets than parts.
                    if len(sheets) == limits.max_parts:
                        raise Unreadable(TOO_MANY_SHEETS.format(filename=filename, limit=limits.max_parts))
                    name = element.get(_TABLE_NS + "name", "")
                    try:
                        sheets[name] = read_rows(_ods_rows(events, element, budget, max_rows), max_rows)
                    except TooManyRows as error:
                        error.sheet = name
                        raise
                elif event == "start":
                    open_elements.append(element)
                    continue
                else:
                    open_elements.pop()
                # Done with: dropped, so that memory stays flat however many elements (styles too) the part holds.
                if open_elements:
                    open_elements[-1].remove(element)
    except (TooManyRows, Unreadable):
        raise
    except _RepeatsTooMuch as error:
        raise Unreadable(REPEATS_TOO_MUCH.format(filename=filename)) from error
    except Exception as error:  # noqa: BLE001
        log.info("unreadable ODS %r: %s", filename, error)
        raise Unreadable(UNREADABLE_ODS.format(filename=filename)) from error
    if not sheets:
        raise Unreadable(UNREADABLE_ODS.format(filename=filename))
    return sheets


def _ods_rows(events: Iterator, table: Element, budget: _CopyBudget, max_rows: int) -> Iterator[list[Cell]]:
    """The rows of the table whose start ``events`` have just passed, streamed up to its end.

    Every element read is dropped from its parent once done with (a cell's parts with the cell), so that memory
    stays flat however many elements the table holds. Blank rows are yielded only once a filled row follows them
    (so that :func:`read_rows` counts them then); more than ``max_rows`` blank row elements in a row are refused
    without reading on, whatever their repeats say, as an XLSX sheet's are.
    """
    open_elements = [table]
    cells_in_cell = 0  # > 0 while inside a cell: its parts are read when the cell ends
    cell_parts = 0
    row: list[Cell] = []
    row_chars = blank_cells = blank_elements = blank_rows = blank_row_elements = filled_rows = 0
    for event, element in events:
        if event == "start":
            open_elements.append(element)
            if cells_in_cell:  # a part of the cell open, a cell within it too
                cell_parts += 1
            elif element.tag in _CELL_TAGS:
                cell_parts = 0
            cells_in_cell += element.tag in _CELL_TAGS
            if cell_parts > _MAX_CELL_PARTS:
                raise ValueError(f"a cell of more than {_MAX_CELL_PARTS:,} parts")
            continue
        open_elements.pop()
        if element.tag in _CELL_TAGS:
            cells_in_cell -= 1
            cell = _ods_cell(element, budget)
            repeat = _repeat(element, "number-columns-repeated")
            if cell is _BLANK:
                blank_cells += repeat
                blank_elements += 1
            else:
                chars = len(cell.value) if isinstance(cell.value, str) else 0
                budget.spend(blank_cells - blank_elements + repeat - 1, chars * (repeat - 1))
                row += [_BLANK] * blank_cells + [cell] * repeat
                row_chars += chars * repeat
                blank_cells = blank_elements = 0
        elif element.tag == _TABLE_NS + "table-row" and not cells_in_cell:
            repeat = _repeat(element, "number-rows-repeated")
            if not row:
                blank_rows += repeat
                blank_row_elements += 1
                if blank_row_elements > max_rows:
                    raise TooManyRows(filled_rows)
            else:
                filled_rows += 1
                blank_row_elements = 0
                yield from ([] for _ in range(blank_rows))  # read_rows stops these at max_rows
                for copy in range(repeat):
                    if copy:
                        budget.spend(len(row), row_chars)
                    yield row
                blank_rows = 0
            row, row_chars, blank_cells, blank_elements = [], 0, 0, 0
        elif not open_elements:  # the table's end
            table.clear()
            return
        if not cells_in_cell and open_elements:
            open_elements[-1].remove(element)


def _repeat(element: Element, attribute: str) -> int:
    repeat = int(element.get(_TABLE_NS + attribute, "1"))
    if repeat < 1:
        raise ValueError(f"{attribute}={repeat}")
    return repeat


def _ods_cell(cell: Element, budget: _CopyBudget) -> Cell:
    """A cell's typed value as its ``office:value-type`` says (ODF 1.2 part 1, section 19.387)."""
    kind = cell.get(_OFFICE_NS + "value-type")
    if kind in ("float", "currency", "percentage"):
        text = cell.get(_OFFICE_NS + "value", "")
        number = int(text) if text.lstrip("-").isdigit() else float(text)
        return Cell(number, "0%" if kind == "percentage" else "")
    if kind == "date":
        text = cell.get(_OFFICE_NS + "date-value", "")
        return Cell(datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text))
    if kind == "boolean":
        return Cell(cell.get(_OFFICE_NS + "boolean-value") == "true")
    # Text, and a time as shown: what was typed.
    text = "\n".join(_paragraph_text(part, budget) for part in cell if part.tag == _TEXT_NS + "p")
    return Cell(text) if text.strip() else _BLANK


def _paragraph_text(element: Element, budget: _CopyBudget) -> str:
    """A paragraph's text, its spans and links included, its space, tab and line-break elements as characters."""
    parts = [element.text or ""]
    for child in element:
        if child.tag == _TEXT_NS + "s":
            spaces = int(child.get(_TEXT_NS + "c", "1"))
            budget.spend(0, spaces)  # "a million spaces here" takes a few bytes to say
            parts.append(" " * spaces)
        elif child.tag == _TEXT_NS + "tab":
            parts.append("\t")
        elif child.tag == _TEXT_NS + "line-break":
            parts.append("\n")
        elif child.tag != _OFFICE_NS + "annotation":
            parts.append(_paragraph_text(child, budget))
        parts.append(child.tail or "")
    return "".join(parts)


def cell_text(value) -> str:
    """An XLSX cell's value as the text a user would have typed for it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return text_as_typed(str(value).strip()).strip()


def shown(text: str) -> str:
    """A cell's value quoted back in a problem's message, cut short when long."""
    return text if len(text) <= _MAX_VALUE_SHOWN else text[: _MAX_VALUE_SHOWN - 1] + "…"


def size_text(size_bytes: int) -> str:
    """A size in words: "2 KB", "1.5 MB", "10 bytes"."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size_bytes >= scale:
            return f"{size_bytes / scale:,.1f}".removesuffix(".0") + f" {unit}"
    return f"{size_bytes:,} bytes"


def column_letter(index: int) -> str:
    """The letters a spreadsheet program names column ``index`` (from 0) by: A, B, … Z, AA, …"""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def normalise_header(name: str) -> str:
    """A header name as matched against the known ones: "Item Code", "item-code" and "item_code" are one name.

    A byte-order mark in front is dropped, also as the three characters it becomes when a UTF-8 file is opened as
    Latin-1 (LibreOffice's default CSV import) and saved again: "ï»¿item_code" is "item_code".
    """
    return "_".join(name.strip().removeprefix("\ufeff").removeprefix("ï»¿").lower().replace("-", " ").split())
