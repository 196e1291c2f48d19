"""Spreadsheet bombs, built small, and what refusing one costs the server.

Issue 11 sets the limits: a bomb is refused in under 2 s and under 50 MB of extra memory. Memory is measured two
ways, because a parser can allocate outside Python's allocator (lxml, zlib), which tracemalloc does not see: the
peak of Python allocations, and the growth of the process's resident set at its high-water mark (``VmHWM``,
reset through ``/proc/self/clear_refs`` first).
"""

from __future__ import annotations

import io
import re
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from openpyxl.utils import get_column_letter
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

MB = 1024 * 1024
MAX_SECONDS = 2
MAX_EXTRA_BYTES = 50 * MB
BLANK_ROWS = 2_000_000
SHARED_STRING_BYTES = 100_000_000


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_TYPES = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def _package(sheet_title: str, write_sheet: Callable, write_shared_strings: Callable) -> bytes:
    """A workbook of one sheet and a shared strings part, each streamed in by its writer, packed as tight as zip
    packs. (openpyxl writes inline strings only, so the package is put together here.)"""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr(
            "[Content_Types].xml",
            (
                '<?xml version="1.0" encoding="UTF-8"?>'
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPES}.sheet.main+xml"/>'
                f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_TYPES}.worksheet+xml"/>'
                f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_TYPES}.sharedStrings+xml"/>'
                "</Types>"
            ),
        )
        archive.writestr(
            "_rels/.rels",
            (
                f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_RELS}">'
                f'<Relationship Id="rId1" Type="{_OFFICE_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
            ),
        )
        archive.writestr(
            "xl/workbook.xml",
            (
                f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" xmlns:r="{_OFFICE_RELS}">'
                f'<sheets><sheet name="{sheet_title}" sheetId="1" r:id="rId1"/></sheets></workbook>'
            ),
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            (
                f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_RELS}">'
                f'<Relationship Id="rId1" Type="{_OFFICE_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
                f'<Relationship Id="rId2" Type="{_OFFICE_RELS}/sharedStrings" Target="sharedStrings.xml"/>'
                "</Relationships>"
            ),
        )
        for part, write in (("xl/worksheets/sheet1.xml", write_sheet), ("xl/sharedStrings.xml", write_shared_strings)):
            with archive.open(part, "w", force_zip64=True) as stream:
                write(stream)
    return out.getvalue()


def _sheet_writer(header: list[str], blank_rows: int) -> Callable:
    cells = "".join(
        f'<c r="{get_column_letter(index)}1" t="inlineStr"><is><t>{name}</t></is></c>'
        for index, name in enumerate(header, start=1)
    )
    rows = b"<row/>" * 100_000

    def write(stream) -> None:
        stream.write(
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN}"><sheetData>'
            f'<row r="1">{cells}</row>'.encode()
        )
        for _ in range(blank_rows // 100_000):
            stream.write(rows)
        stream.write(b"</sheetData></worksheet>")

    return write


def _shared_strings_writer(size_bytes: int) -> Callable:
    chunk = b"A" * 1_000_000

    def write(stream) -> None:
        stream.write(
            f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{_MAIN}" count="1" uniqueCount="1"><si><t>'.encode()
        )
        for _ in range(size_bytes // len(chunk)):
            stream.write(chunk)
        stream.write(b"</t></si></sst>")

    return write


def huge_shared_string(sheet_title: str, header: list[str]) -> bytes:
    """A workbook whose shared strings part holds one 100 MB string."""
    return _package(sheet_title, _sheet_writer(header, 0), _shared_strings_writer(SHARED_STRING_BYTES))


def blank_rows(sheet_title: str, header: list[str]) -> bytes:
    """A workbook whose sheet has its header row, then 2,000,000 empty ``<row>`` elements."""
    return _package(sheet_title, _sheet_writer(header, BLANK_ROWS), _shared_strings_writer(0))


_ODS_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def zip_archive(parts: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip file holding ``parts`` (name -> content), as a spreadsheet's package is one."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as packed:
        for name, content in parts.items():
            packed.writestr(name, content)
    return buffer.getvalue()


def ods(tables: str, *, doctype: str = "") -> bytes:
    """An ODS file whose content part holds ``tables`` (``<table:table>`` elements, one per sheet), packed as
    LibreOffice packs one: its media type first, stored."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr(
            "content.xml",
            f'<?xml version="1.0" encoding="UTF-8"?>{doctype}<office:document-content {_ODS_NAMESPACES}>'
            f"<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>",
        )
    return out.getvalue()


def ods_row(*texts: str, repeat: int = 1) -> str:
    """A row of text cells, repeated ``repeat`` times by its attribute."""
    cells = "".join(
        f'<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>' for text in texts
    )
    return f'<table:table-row table:number-rows-repeated="{repeat}">{cells}</table:table-row>'


def _ods_sheet(sheet_title: str, header: list[str], rows: str) -> bytes:
    return ods(f'<table:table table:name="{sheet_title}">{ods_row(*header)}{rows}</table:table>')


def ods_repeated_row(sheet_title: str, header: list[str]) -> bytes:
    """An ODS file whose sheet has its header row, then one filled row repeated 2,000,000 times."""
    return _ods_sheet(sheet_title, header, ods_row("x", repeat=BLANK_ROWS))


def ods_blank_rows(sheet_title: str, header: list[str]) -> bytes:
    """An ODS file whose sheet has its header row, a blank row repeated 2,000,000 times, then a filled row."""
    return _ods_sheet(sheet_title, header, '<table:table-row table:number-rows-repeated="2000000"/>' + ods_row("x"))


def ods_wide_rows(sheet_title: str, header: list[str]) -> bytes:
    """An ODS file whose sheet has its header row, then a row of one cell repeated across 16,384 columns (the widest
    sheet a spreadsheet program makes), repeated 1,000 times."""
    cell = '<table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="16384"/>'
    return _ods_sheet(
        sheet_title, header, f'<table:table-row table:number-rows-repeated="1000">{cell}</table:table-row>'
    )


def ods_entities(sheet_title: str, header: list[str]) -> bytes:
    """An ODS file whose content part declares entities that expand to a gigabyte ("billion laughs")."""
    entities = '<!ENTITY a0 "laugh">' + "".join(f'<!ENTITY a{n} "{f"&a{n - 1};" * 10}">' for n in range(1, 10))
    table = f'<table:table table:name="{sheet_title}">{ods_row(*header)}{ods_row("&a9;")}</table:table>'
    return ods(table, doctype=f"<!DOCTYPE office:document-content [{entities}]>")


def csv_one_huge_line(size_bytes: int = 8 * MB) -> bytes:
    """A CSV file of one line of nearly three million two-letter cells (one-letter ones Python would share)."""
    return b"ab," * (size_bytes // 3)


def csv_empty_lines(size_bytes: int = 8 * MB) -> bytes:
    """A CSV file of a header row, then four million empty lines."""
    return b"item_code,quantity,needed_by\r\n" + b"\r\n" * (size_bytes // 2)


@dataclass(frozen=True)
class Bomb:
    """One spreadsheet bomb that every upload (needs import, bid sheet) must refuse at once and cheaply.

    ``build(sheet_title, header)`` makes the file. ``refusal`` is the message that refuses the file itself, whatever
    it was uploaded for (``{filename}`` in it); ``None`` where the upload's own row cap refuses it, in its words.
    """

    name: str
    extension: str
    build: Callable[[str, list[str]], bytes]
    refusal: str | None = None

    def message(self, filename: str) -> str | None:
        return None if self.refusal is None else self.refusal.format(filename=filename)


BOMBS = (
    Bomb(
        "huge shared string",
        "xlsx",
        huge_shared_string,
        '— — "{filename}" unpacks to more than 32 MB. Save only the sheet to upload, without pictures or other '
        "sheets, or save it as CSV, and upload it again.",
    ),
    Bomb(
        "two million blank rows",
        "xlsx",
        blank_rows,
        '— — "{filename}" unpacks to more than 100 times its size, which no spreadsheet program does. Save it again '
        "as .xlsx, or as CSV, and upload it again.",
    ),
    Bomb(
        "one huge csv line",
        "csv",
        lambda _title, _header: csv_one_huge_line(),
        '— — Row 1 of "{filename}" is longer than 65,536 characters. Save it again as CSV and upload it again.',
    ),
    Bomb("millions of empty csv lines", "csv", lambda _title, _header: csv_empty_lines()),
    Bomb("ods row repeated two million times", "ods", ods_repeated_row),
    Bomb("ods blank row repeated two million times", "ods", ods_blank_rows),
    Bomb(
        "ods cell repeated across every column",
        "ods",
        ods_wide_rows,
        '— — "{filename}" repeats its cells beyond what any sheet of needs or bid sheet holds. Delete the rows and '
        "columns after your data, or save it as CSV, and upload it again.",
    ),
    Bomb(
        "ods entities",
        "ods",
        ods_entities,
        '— — "{filename}" could not be read as an OpenDocument spreadsheet. Save it again as .ods, .xlsx or CSV, '
        "and upload it again.",
    ),
)


def multipart(fields: dict[str, str], filename: str, content: bytes) -> dict:
    """``client.post`` options sending ``content`` as the form's ``file``, encoded once, in memory (the test
    client's own encoding spools a large file to a temporary file it never closes)."""
    boundary, body = encode_multipart({**fields, "file": FileStorage(io.BytesIO(content), filename)})
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def _kib(field: str) -> int:
    return int(re.search(rf"{field}:\s+(\d+) kB", Path("/proc/self/status").read_text()).group(1))


@dataclass(frozen=True)
class Cost:
    response: object
    seconds: float
    python_peak_bytes: int
    resident_growth_bytes: int


def cost_of(send: Callable[[], object]) -> Cost:
    """Send the request twice: once timed (CPU seconds) alone, once under tracemalloc and the resident high-water mark."""
    # The CPU time of this thread, which serves the request: what the refusal costs, not how busy the machine is
    # (a loaded CI machine must not fail the check, and a bomb that does the work is still caught).
    started = time.thread_time()
    response = send()
    seconds = time.thread_time() - started
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current resident set
    resident_before = _kib("VmRSS")
    tracemalloc.start()
    try:
        send()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return Cost(response, seconds, peak, (_kib("VmHWM") - resident_before) * 1024)
