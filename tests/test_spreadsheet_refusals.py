"""Reading an uploaded spreadsheet, up to each limit and one past it: which files are read and how, and the words
for those that are not. (The archive limits' messages are in ``test_spreadsheets.py``.)"""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, time

import openpyxl
import pytest
from bombs import zip_archive as archive
from pure import _transaction  # noqa: F401  (pure code: no app, no database)

from coop import spreadsheets
from coop.spreadsheets import ArchiveLimits, Unreadable

LIMITS = ArchiveLimits(max_parts=5, max_part_bytes=3 * 1024 * 1024, max_unpacked_bytes=4 * 1024 * 1024, max_ratio=100)
MEGABYTE = 1024 * 1024
WORKBOOK_LIMITS = ArchiveLimits(max_parts=20, max_part_bytes=MEGABYTE, max_unpacked_bytes=MEGABYTE, max_ratio=100)


def workbook(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def unreadable(call, *args) -> str:
    with pytest.raises(Unreadable) as refused:
        call(*args)
    return str(refused.value)


# --- which files, read how ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "content", "kind"),
    [
        ("needs.csv", b"a,b\n", "csv"),
        ("NEEDS.CSV", b"a,b\n", "csv"),
        ("my.needs.csv", b"a,b\n", "csv"),
        ("needs.xlsx", b"PK\x03\x04rest", "xlsx"),
        ("needs.csv", b"PK\x03\x04rest", "xlsx"),  # the content decides, not the name
        ("needs.csv", b" \r\n\t ", None),
        ("needs.xlsx", b"", None),
    ],
)
def test_a_spreadsheet_is_read_as_what_its_content_is(filename, content, kind):
    assert spreadsheets.file_kind(filename, content) == kind


@pytest.mark.parametrize("filename", ["needs.txt", "needs", "csv", "needs.csv.zip", "needs.xls"])
def test_a_file_not_named_as_a_spreadsheet_is_refused_by_its_name(filename):
    assert unreadable(spreadsheets.file_kind, filename, b"a,b\n") == (
        f'"{filename}" is not a CSV, XLSX or ODS file. Save your spreadsheet as CSV, Excel Workbook (.xlsx) or '
        "OpenDocument Spreadsheet (.ods) and upload it again."
    )


def test_an_xlsx_name_on_what_is_not_a_workbook_is_refused():
    assert unreadable(spreadsheets.file_kind, "needs.xlsx", b"a,b\n") == (
        '"needs.xlsx" could not be read as an Excel workbook. Save it again as .xlsx, or as CSV, and upload it again.'
    )


# --- CSV --------------------------------------------------------------------------------------------------------------


def read_csv(content: bytes) -> list[list[str]]:
    return list(spreadsheets.csv_rows("needs.csv", content))


@pytest.mark.parametrize(
    ("content", "rows"),
    [
        (b"a,b\n 1 , 2 \n", [["a", "b"], ["1", "2"]]),
        (b"a;b\n1,5;2\n", [["a", "b"], ["1,5", "2"]]),
        (b"a\tb\n1\t2\n", [["a", "b"], ["1", "2"]]),
        (b"a,b;c\n", [["a", "b;c"]]),
        (b"\n1;2\n", [[], ["1;2"]]),
        ("\ufeffitem,café\n".encode(), [["item", "café"]]),
        ("item,café\n".encode("cp1252"), [["item", "café"]]),
        (b"'=1+1,\"'+2\"\n", [["=1+1", "+2"]]),
        (b'note,"line one\r\nline two"\r\n', [["note", "line one\r\nline two"]]),  # a cell's line break as typed
    ],
)
def test_csv_text_is_read_in_its_encoding_and_separator_as_stripped_cells(content, rows):
    assert read_csv(content) == rows


@pytest.mark.parametrize("content", [b"a,b\n1,\x002\n", b"\x81\x8d\x8f\x90\x9d"])
def test_what_is_not_csv_text_is_refused(content):
    assert unreadable(read_csv, content) == (
        '"needs.csv" could not be read as CSV text. Save it again as CSV (UTF-8) and upload it again.'
    )


def test_a_csv_row_may_be_as_long_as_the_limit_and_no_longer():
    limit = spreadsheets.MAX_CSV_ROW_CHARS
    longest = "a," + "x" * (limit - 3) + "\n"  # the line break counts
    assert [len(row[1]) for row in read_csv(longest.encode() * 2)] == [limit - 3, limit - 3]
    too_long = "a," + "x" * (limit - 2) + "\n"
    assert unreadable(read_csv, ("h\n" + longest + too_long).encode()) == (
        'Row 3 of "needs.csv" is longer than 65,536 characters. Save it again as CSV and upload it again.'
    )


def test_a_csv_row_is_as_long_as_all_its_lines_when_a_quoted_cell_breaks_across_them():
    cell = '"' + "line\n" * 14_000 + '"'  # 70,000 characters, none of its lines long
    rows = spreadsheets.csv_rows("needs.csv", f"name,notes\r\nok,fine\r\nbad,{cell}\r\n".encode())
    assert [next(rows), next(rows)] == [["name", "notes"], ["ok", "fine"]]
    with pytest.raises(Unreadable) as refused:
        next(rows)
    assert str(refused.value) == (
        'Row 3 of "needs.csv" is longer than 65,536 characters. Save it again as CSV and upload it again.'
    )


def test_rows_are_read_up_to_the_cap_and_one_more_is_counted_with_the_filled_rows():
    rows = [["h"], [], ["1"], [""], ["2"]]
    assert spreadsheets.read_rows(iter(rows), 5) == rows
    with pytest.raises(spreadsheets.TooManyRows) as too_many:
        spreadsheets.read_rows(iter([*rows, ["3"]]), 5)
    assert too_many.value.filled_rows == 4
    assert str(too_many.value) == "4 filled rows read before the row cap"
    with pytest.raises(spreadsheets.TooManyRows) as too_many:
        spreadsheets.read_rows(iter([*rows, [""]]), 5)
    assert too_many.value.filled_rows == 3
    with pytest.raises(spreadsheets.TooManyRows) as too_many:
        spreadsheets.read_rows(iter([["x"]] * 1001 + [["y"]] * 10), 1000)
    assert str(too_many.value) == "1,001 filled rows read before the row cap"


# --- XLSX -------------------------------------------------------------------------------------------------------------


def test_archive_limits_are_read_from_the_apps_settings():
    config = {
        "COOP_XLSX_MAX_PARTS": 1,
        "COOP_XLSX_MAX_PART_BYTES": 2,
        "COOP_XLSX_MAX_UNPACKED_BYTES": 3,
        "COOP_XLSX_MAX_RATIO": 4,
    }
    assert ArchiveLimits.from_config(config) == ArchiveLimits(
        max_parts=1, max_part_bytes=2, max_unpacked_bytes=3, max_ratio=4
    )


def test_an_archive_at_every_limit_is_read():
    spreadsheets.check_archive("book.xlsx", archive({f"p{n}.xml": b"" for n in range(5)}), LIMITS)
    at_part_limit = {"a.xml": b"x" * (3 * MEGABYTE)}
    spreadsheets.check_archive("book.xlsx", archive(at_part_limit, compression=zipfile.ZIP_STORED), LIMITS)
    at_total = {"a.xml": b"x" * (2 * MEGABYTE), "b.xml": b"x" * (2 * MEGABYTE)}
    spreadsheets.check_archive("book.xlsx", archive(at_total, compression=zipfile.ZIP_STORED), LIMITS)
    # A part of at most a megabyte may pack as tight as it likes.
    spreadsheets.check_archive("book.xlsx", archive({"tight.xml": b"x" * MEGABYTE}), LIMITS)


def test_an_archive_one_past_any_limit_is_refused_unread():
    assert unreadable(spreadsheets.check_archive, "book.xlsx", b"PK\x03\x04 not a zip", LIMITS) == (
        '"book.xlsx" could not be read as an Excel workbook. Save it again as .xlsx, or as CSV, and upload it again.'
    )
    too_many_parts = archive({f"p{n}.xml": b"" for n in range(6)})
    assert unreadable(spreadsheets.check_archive, "book.xlsx", too_many_parts, LIMITS) == (
        '"book.xlsx" holds more than 5 files inside, which no spreadsheet program does. Save it again as .xlsx, or as '
        "CSV, and upload it again."
    )
    part_too_large = archive({"a.xml": b"x" * (3 * MEGABYTE + 1)}, compression=zipfile.ZIP_STORED)
    assert unreadable(spreadsheets.check_archive, "book.xlsx", part_too_large, LIMITS) == (
        '"book.xlsx" unpacks to more than 3 MB. Save only the sheet to upload, without pictures or other sheets, or '
        "save it as CSV, and upload it again."
    )
    too_large_in_all = archive(
        {"a.xml": b"x" * (2 * MEGABYTE), "b.xml": b"x" * (2 * MEGABYTE + 1)}, compression=zipfile.ZIP_STORED
    )
    assert unreadable(spreadsheets.check_archive, "book.xlsx", too_large_in_all, LIMITS) == (
        '"book.xlsx" unpacks to more than 4 MB. Save only the sheet to upload, without pictures or other sheets, or '
        "save it as CSV, and upload it again."
    )
    just_over_a_megabyte_packed_tight = archive({"tight.xml": b"x" * (MEGABYTE + 1)})
    assert unreadable(spreadsheets.check_archive, "book.xlsx", just_over_a_megabyte_packed_tight, LIMITS) == (
        '"book.xlsx" unpacks to more than 100 times its size, which no spreadsheet program does. Save it again as '
        ".xlsx, or as CSV, and upload it again."
    )


def test_a_part_packed_just_within_the_ratio_is_read():
    size = 2 * MEGABYTE
    limits = ArchiveLimits(max_parts=5, max_part_bytes=3 * MEGABYTE, max_unpacked_bytes=4 * MEGABYTE, max_ratio=1)
    packed = archive({"a.xml": b"x" * size}, compression=zipfile.ZIP_STORED)
    spreadsheets.check_archive("book.xlsx", packed, limits)  # stored: as large packed as unpacked


def test_a_sheet_longer_than_the_cap_is_refused_with_its_filled_rows_counted():
    content = workbook([["h"], [None], ["1"], ["2"], ["3"]])
    with spreadsheets.open_workbook("book.xlsx", content, WORKBOOK_LIMITS, 5) as book:
        assert len(list(book.active.iter_rows(values_only=True))) == 5
    with pytest.raises(spreadsheets.TooManyRows) as too_many:
        with spreadsheets.open_workbook("book.xlsx", content, WORKBOOK_LIMITS, 4):
            pass
    assert too_many.value.filled_rows == 4


def test_a_workbook_that_cannot_be_opened_or_read_is_refused_in_the_same_words():
    message = (
        '"book.xlsx" could not be read as an Excel workbook. Save it again as .xlsx, or as CSV, and upload it again.'
    )
    broken_xml = archive({"xl/worksheets/sheet1.xml": b"<worksheet><sheetData><row>"})
    not_a_workbook = archive({"hello.txt": b"hi", "doc.xml": b"<root/>"})

    def read(content):
        with spreadsheets.open_workbook("book.xlsx", content, WORKBOOK_LIMITS, 10):
            pass

    assert unreadable(read, broken_xml) == message
    assert unreadable(read, not_a_workbook) == message

    def fail_while_reading():
        with spreadsheets.open_workbook("book.xlsx", workbook([["a"]]), WORKBOOK_LIMITS, 10):
            raise KeyError("no such sheet")

    assert unreadable(fail_while_reading) == message


def test_a_too_long_sheet_found_while_reading_is_not_called_unreadable():
    with pytest.raises(spreadsheets.TooManyRows):
        with spreadsheets.open_workbook("book.xlsx", workbook([["a"]]), WORKBOOK_LIMITS, 10):
            raise spreadsheets.TooManyRows(11)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (True, "yes"),
        (False, "no"),
        (datetime(2030, 8, 15, 13, 5), "2030-08-15"),
        (date(2030, 8, 15), "2030-08-15"),
        (time(9, 30), "09:30:00"),
        (40.0, "40"),
        (2.5, "2.5"),
        (12, "12"),
        ("  LAPTOP-14 ", "LAPTOP-14"),
        ("'=SUM(A1)", "=SUM(A1)"),
    ],
)
def test_a_cell_reads_as_the_text_a_user_would_have_typed(value, text):
    assert spreadsheets.cell_text(value) == text


def test_a_long_value_quoted_in_a_message_is_cut_short():
    assert spreadsheets.shown("x" * 40) == "x" * 40
    assert spreadsheets.shown("x" * 41) == "x" * 39 + "…"


@pytest.mark.parametrize(
    ("size", "words"),
    [
        (10, "10 bytes"),
        (1023, "1,023 bytes"),
        (1024, "1 KB"),
        (1536, "1.5 KB"),
        (MEGABYTE - 1, "1,024 KB"),
        (MEGABYTE, "1 MB"),
        (2_500_000, "2.4 MB"),
        (3 * MEGABYTE, "3 MB"),
    ],
)
def test_a_size_is_said_in_words(size, words):
    assert spreadsheets.size_text(size) == words


@pytest.mark.parametrize(
    ("index", "letters"), [(0, "A"), (1, "B"), (25, "Z"), (26, "AA"), (51, "AZ"), (52, "BA"), (701, "ZZ"), (702, "AAA")]
)
def test_columns_are_named_by_their_letters(index, letters):
    assert spreadsheets.column_letter(index) == letters


@pytest.mark.parametrize(
    "name", ["item_code", "Item Code", " ITEM-CODE ", "item  code", "\ufeffitem_code", "ï»¿Item Code", "item - code"]
)
def test_a_header_name_is_matched_however_it_is_written(name):
    assert spreadsheets.normalise_header(name) == "item_code"


SHEET = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>%s</sheetData></worksheet>'


def test_rows_are_counted_as_filled_by_any_value_or_inline_text_in_them():
    rows = (
        b'<row r="1"><c t="inlineStr"><is><t>x</t></is></c></row>'
        b'<row r="2"><c t="inlineStr"><is><t> </t></is></c></row>'
        b'<row r="3"><c><v>1</v></c></row>'
        b'<row r="4"><c><v/></c></row>'
        b'<row r="5"><c><v>2</v></c></row>'
    )
    content = archive({"xl/worksheets/sheet1.xml": SHEET % rows})
    with pytest.raises(spreadsheets.TooManyRows) as too_many:
        with spreadsheets.open_workbook("book.xlsx", content, WORKBOOK_LIMITS, 3):
            pass
    assert too_many.value.filled_rows == 2


def test_every_filled_row_of_a_long_sheet_is_counted_as_filled():
    # Long enough that the parser reads the sheet in several blocks, rows straddling them.
    rows = b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>need %d</t></is></c></row>' % (n, n, n) for n in range(1, 2001)
    )
    content = archive({"xl/worksheets/sheet1.xml": SHEET % rows})
    with pytest.raises(spreadsheets.TooManyRows) as too_many:
        with spreadsheets.open_workbook("book.xlsx", content, WORKBOOK_LIMITS, 1999):
            pass
    assert too_many.value.filled_rows == 2000


def test_rows_outside_the_sheet_data_are_counted_too():
    content = archive(
        {
            "xl/worksheets/sheet1.xml": SHEET.replace(b"<sheetData>", b"").replace(b"</sheetData>", b"")
            % (b'<row r="1"><c><v>1</v></c></row>' * 3)
        }
    )
    with pytest.raises(spreadsheets.TooManyRows) as too_many:
        with spreadsheets.open_workbook("book.xlsx", content, WORKBOOK_LIMITS, 2):
            pass
    assert too_many.value.filled_rows == 3


def test_only_worksheets_are_counted_wherever_they_lie_in_the_archive():
    book = workbook([["a"], ["b"]])
    source, extended = io.BytesIO(book), io.BytesIO()
    with zipfile.ZipFile(source) as packed, zipfile.ZipFile(extended, "w") as repacked:
        for part in packed.infolist():
            repacked.writestr(part, packed.read(part.filename))
        repacked.writestr("xl/custom/notes.xml", b"<notes>" + b"<row><v>1</v></row>" * 10 + b"</notes>")
        repacked.writestr("elsewhere/sheet9.xml", SHEET % (b'<row r="1"><c><v>1</v></c></row>' * 3))
    with spreadsheets.open_workbook("book.xlsx", extended.getvalue(), WORKBOOK_LIMITS, 3) as opened:
        assert [row for row in opened.active.iter_rows(values_only=True)] == [("a",), ("b",)]
    with pytest.raises(spreadsheets.TooManyRows):
        with spreadsheets.open_workbook("book.xlsx", extended.getvalue(), WORKBOOK_LIMITS, 2):
            pass


def test_an_unreadable_upload_is_logged_with_its_name_and_the_reason(caplog):
    caplog.set_level("INFO", logger="coop.spreadsheets")
    with pytest.raises(Unreadable):
        spreadsheets.check_archive("book.xlsx", b"PK\x03\x04 not a zip", LIMITS)
    with pytest.raises(Unreadable):  # a part that is not even XML, found while counting the rows
        with spreadsheets.open_workbook("book.xlsx", archive({"x.xml": b"<a"}), WORKBOOK_LIMITS, 10):
            pass
    with pytest.raises(Unreadable):
        with spreadsheets.open_workbook("book.xlsx", archive({"hello.txt": b"hi"}), WORKBOOK_LIMITS, 10):
            pass
    with pytest.raises(Unreadable):
        with spreadsheets.open_workbook("book.xlsx", workbook([["a"]]), WORKBOOK_LIMITS, 10):
            raise KeyError("no such sheet")
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 4
    # The archive is checked before its kind is known (an XLSX and an ODS are both zip files).
    assert messages[0] == "unreadable archive 'book.xlsx': File is not a zip file"
    assert all(message.startswith("unreadable XLSX 'book.xlsx': ") for message in messages[1:])
    assert messages[1] == "unreadable XLSX 'book.xlsx': unclosed token: line 1, column 0"
    assert messages[3] == "unreadable XLSX 'book.xlsx': 'no such sheet'"
