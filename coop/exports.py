"""The one writer of the CSV and XLSX files anyone downloads, safe to open in a spreadsheet program.

A spreadsheet program runs a cell whose text starts with ``=``, ``+``, ``-`` or ``@`` (and, in some programs,
a tab or a carriage return) as a formula: a vendor named ``=HYPERLINK("http://x","y")`` would put a live link,
or worse, into every tabulation opened by a district. Every text cell written here that starts with one of those
characters is written with an apostrophe before it, the mark spreadsheet programs themselves use for "this is
text"; numbers stay numbers (``-5`` is a number, not a formula). Files Coop reads back (bid sheets, the needs
template) take the apostrophe off again with :func:`text_as_typed`, so that a product named "-Pro" uploaded
unchanged is still "-Pro".

Writing a workbook: :func:`new_workbook`, :func:`append_row` for every row (never ``sheet.append`` or
``cell.value = ...``), formatting as the caller likes, then :func:`workbook_bytes`. Writing a CSV file:
:func:`csv_bytes`. Sending either: :func:`download`.
"""

from __future__ import annotations

import csv
import io
import numbers
import re
from collections.abc import Iterable, Sequence
from datetime import date, time

import openpyxl
from flask import Response, send_file
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

# Werkzeug adds "; charset=utf-8" to a text type itself: naming it here too sent it twice.
MIMETYPES = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
# Text as written is text as typed with one more apostrophe exactly when the text as typed, past its own leading
# apostrophes, starts like a formula: so "'=x" typed is written "''=x" and both read back as typed.
_WRITTEN_QUOTED = re.compile("'+[" + re.escape("".join(FORMULA_STARTS)) + "]")
_TYPED_QUOTED = re.compile("'*[" + re.escape("".join(FORMULA_STARTS)) + "]")


def safe_text(text: str) -> str:
    """``text`` as written to a cell: with an apostrophe before it when a spreadsheet program would run it."""
    return QUOTE + text if _TYPED_QUOTED.match(text) else text


def text_as_typed(text: str) -> str:
    """A cell's text as read back from a file written here: :func:`safe_text` undone."""
    return text[1:] if _WRITTEN_QUOTED.match(text) else text


def _cell(value):
    """A value as a cell holds it: text made safe, real numbers (``bool`` excepted) kept as numbers."""
    if isinstance(value, str):
        return safe_text(value)
    if value is None or isinstance(value, numbers.Number):
        return value
    return safe_text(str(value))


def csv_bytes(rows: Iterable[Sequence], *, byte_order_mark: bool = True) -> bytes:
    """Rows (the header first) as a CSV file: UTF-8 with a byte-order mark, so that Excel reads names right, and
    CRLF line ends; ``None`` is an empty cell. Without the mark for a plain-ASCII file that people open in
    LibreOffice, whose default import would keep the mark as text in the first header."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(["" if cell is None else cell for cell in map(_cell, row)] for row in rows)
    return buffer.getvalue().encode("utf-8-sig" if byte_order_mark else "utf-8")


def new_workbook(first_sheet_title: str) -> tuple[Workbook, Worksheet]:
    """An empty workbook and its first sheet, titled ``first_sheet_title``."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = first_sheet_title
    return workbook, sheet


def append_row(sheet: Worksheet, values: Sequence) -> None:
    """Add ``values`` as the sheet's next row: text as safe text cells, numbers, dates and ``None`` as they are."""
    # openpyxl takes any text starting with "=" for a formula; safe text never starts with one. Dates and times
    # are cells of their own type in a workbook, not text.
    sheet.append([value if isinstance(value, date | time) else _cell(value) for value in values])


def workbook_bytes(workbook: Workbook) -> bytes:
    """The workbook as the content of an ``.xlsx`` file."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def download(content: bytes, kind: str, filename: str) -> Response:
    """A view's answer that downloads ``content``, a ``kind`` ("csv" or "xlsx") file, never from a cache."""
    return send_file(
        io.BytesIO(content), mimetype=MIMETYPES[kind], as_attachment=True, download_name=filename, max_age=0
    )
