"""Reading uploads: the archive limits, checked before any part of a workbook is parsed, and bounded CSV rows."""

from __future__ import annotations

import io
import zipfile

import pytest

from coop import spreadsheets

LIMITS = spreadsheets.ArchiveLimits(
    max_parts=5, max_part_bytes=3 * 1024 * 1024, max_unpacked_bytes=4 * 1024 * 1024, max_ratio=100
)


def archive(parts: dict[str, bytes], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as packed:
        for name, content in parts.items():
            packed.writestr(name, content)
    return buffer.getvalue()


def refusal(content: bytes) -> str:
    with pytest.raises(spreadsheets.Unreadable) as refused:
        spreadsheets.check_archive("book.xlsx", content, LIMITS)
    return str(refused.value)


@pytest.mark.no_db
def test_an_archive_within_the_limits_passes():
    spreadsheets.check_archive("book.xlsx", archive({f"part{n}.xml": b"x" * 1024 for n in range(5)}), LIMITS)


@pytest.mark.no_db
def test_an_archive_beyond_any_limit_is_refused_unread():
    assert refusal(archive({f"part{n}.xml": b"" for n in range(6)})) == (
        '"book.xlsx" holds more than 5 files inside, which no spreadsheet program does. Save it again as .xlsx, or as '
        "CSV, and upload it again."
    )
    assert refusal(archive({"big.xml": b"x" * (3 * 1024 * 1024 + 1)}, compression=zipfile.ZIP_STORED)) == (
        '"book.xlsx" unpacks to more than 3 MB. Save only the sheet to upload, without pictures or other sheets, or '
        "save it as CSV, and upload it again."
    )
    two_mb = b"x" * (2 * 1024 * 1024)
    assert refusal(archive({"a.xml": two_mb, "b.xml": two_mb + b"x"}, compression=zipfile.ZIP_STORED)) == (
        '"book.xlsx" unpacks to more than 4 MB. Save only the sheet to upload, without pictures or other sheets, or '
        "save it as CSV, and upload it again."
    )
    assert refusal(archive({"tight.xml": two_mb})) == (
        '"book.xlsx" unpacks to more than 100 times its size, which no spreadsheet program does. Save it again as '
        ".xlsx, or as CSV, and upload it again."
    )
    assert refusal(b"PK\x03\x04 not a zip") == (
        '"book.xlsx" could not be read as an Excel workbook. Save it again as .xlsx, or as CSV, and upload it again.'
    )


@pytest.mark.no_db
def test_a_csv_row_is_read_only_so_long_even_across_quoted_line_breaks():
    long_cell = '"' + "line\n" * 20_000 + '"'
    content = f"name,notes\r\nok,fine\r\nbad,{long_cell}\r\n".encode()
    rows = spreadsheets.csv_rows("notes.csv", content)
    assert [next(rows), next(rows)] == [["name", "notes"], ["ok", "fine"]]
    with pytest.raises(spreadsheets.Unreadable) as refused:
        next(rows)
    assert str(refused.value) == (
        'Row 3 of "notes.csv" is longer than 65,536 characters. Save it again as CSV and upload it again.'
    )
