"""Reading an uploaded spreadsheet (CSV or XLSX) as rows of text cells, and the words for a file that cannot be read.

Area-neutral: the needs import and the bid sheets each decide what their columns and
rows mean and word the problems of their own content; which files are spreadsheets,
how one is opened, how a cell reads as text and how a header name is matched are the
same for both and live here. Rows keep their blank rows, so that a row's position is
the line a spreadsheet program shows (the header is line 1).
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from typing import Literal

import openpyxl
from openpyxl.workbook import Workbook

log = logging.getLogger(__name__)

EXTENSIONS = (".csv", ".xlsx")

# Messages (asserted word for word in tests/needs/test_import.py and tests/bids/test_sheets.py).
NOT_A_SPREADSHEET = '"{filename}" is not a CSV or XLSX file. Save your spreadsheet as CSV or Excel Workbook (.xlsx) and upload it again.'
UNREADABLE_XLSX = '"{filename}" could not be read as an Excel workbook. Save it again as .xlsx, or as CSV, and upload it again.'
UNREADABLE_CSV = '"{filename}" could not be read as CSV text. Save it again as CSV (UTF-8) and upload it again.'
MISSING_COLUMN = 'The header row has no "{column}" column.'
DUPLICATE_COLUMN = 'The column "{column}" appears more than once in the header row.'
UNNAMED_COLUMN = "Column {letter} has values but no name in the header row."

_MAX_VALUE_SHOWN = 40


class Unreadable(ValueError):
    """The file cannot be read as a spreadsheet; the message is the one to show the user."""


def file_kind(filename: str, content: bytes) -> Literal["csv", "xlsx"] | None:
    """How to read the file: ``"csv"`` or ``"xlsx"``; ``None`` when it holds nothing but white space (each area
    words an empty file by what it expects in it).

    Raises
    ------
    Unreadable
        The name is not a spreadsheet's, or a ``.xlsx`` name holds no workbook.
    """
    extension = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in EXTENSIONS:
        raise Unreadable(NOT_A_SPREADSHEET.format(filename=filename))
    if not content.strip():
        return None
    # The content decides, not the name: an XLSX saved with a .csv name is still read as what it is.
    if content.startswith(b"PK\x03\x04"):
        return "xlsx"
    if extension == ".xlsx":
        raise Unreadable(UNREADABLE_XLSX.format(filename=filename))
    return "csv"


def read_csv_rows(filename: str, content: bytes) -> list[list[str]]:
    """Every row of a CSV file as stripped text cells.

    Raises
    ------
    Unreadable
        The content is not CSV text.
    """
    if b"\x00" in content:
        raise Unreadable(UNREADABLE_CSV.format(filename=filename))
    for encoding in ("utf-8-sig", "cp1252"):  # Excel on Windows still saves "CSV" as cp1252
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise Unreadable(UNREADABLE_CSV.format(filename=filename))
    first_line = text.split("\n", 1)[0]
    # Spreadsheets in locales with a decimal comma separate CSV fields with semicolons.
    delimiter = max((",", ";", "\t"), key=first_line.count) if first_line.strip() else ","
    try:
        return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as error:
        log.info("unreadable CSV %r: %s", filename, error)
        raise Unreadable(UNREADABLE_CSV.format(filename=filename)) from error


@contextmanager
def open_workbook(filename: str, content: bytes) -> Iterator[Workbook]:
    """An XLSX file opened read-only, with formulas' saved values, and closed after the block.

    Raises
    ------
    Unreadable
        Opening the workbook, or anything the block raises while reading it, failed.
    """
    # Whatever a malformed upload makes the zip or XML parsers raise, the user's answer is the same.
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001
        log.info("unreadable XLSX %r: %s", filename, error)
        raise Unreadable(UNREADABLE_XLSX.format(filename=filename)) from error
    try:
        yield workbook
    except Exception as error:  # noqa: BLE001
        log.info("unreadable XLSX %r: %s", filename, error)
        raise Unreadable(UNREADABLE_XLSX.format(filename=filename)) from error
    finally:
        workbook.close()


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
    return str(value).strip()


def shown(text: str) -> str:
    """A cell's value quoted back in a problem's message, cut short when long."""
    return text if len(text) <= _MAX_VALUE_SHOWN else text[:_MAX_VALUE_SHOWN - 1] + "…"


def column_letter(index: int) -> str:
    """The letters a spreadsheet program names column ``index`` (from 0) by: A, B, … Z, AA, …"""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def normalise_header(name: str) -> str:
    """A header name as matched against the known ones: "Item Code", "item-code" and "item_code" are one name."""
    return "_".join(name.strip().lower().replace("-", " ").split())
