"""Reading uploads: the archive limits, checked before any part of a workbook is parsed, and bounded CSV rows."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import bombs
import openpyxl
import pytest
from bombs import zip_archive as archive
from pure import _transaction  # noqa: F401  (pure code: no app, no database)

from coop import spreadsheets

LIMITS = spreadsheets.ArchiveLimits(
    max_parts=5, max_part_bytes=3 * 1024 * 1024, max_unpacked_bytes=4 * 1024 * 1024, max_ratio=100
)


def refusal(content: bytes) -> str:
    with pytest.raises(spreadsheets.Unreadable) as refused:
        spreadsheets.check_archive("book.xlsx", content, LIMITS)
    return str(refused.value)


def test_an_archive_within_the_limits_passes():
    spreadsheets.check_archive("book.xlsx", archive({f"part{n}.xml": b"x" * 1024 for n in range(5)}), LIMITS)


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


# -- ODS --------------------------------------------------------------------------------------------------------------

ODS_LIMITS = spreadsheets.ArchiveLimits(
    max_parts=20, max_part_bytes=1024 * 1024, max_unpacked_bytes=4 * 1024 * 1024, max_ratio=100
)
UNREADABLE_ODS = (
    '"book.ods" could not be read as an OpenDocument spreadsheet. Save it again as .ods, .xlsx or CSV, and upload it '
    "again."
)
REPEATS_TOO_MUCH = (
    '"book.ods" repeats its cells beyond what any sheet of needs or bid sheet holds. Delete the rows and columns '
    "after your data, or save it as CSV, and upload it again."
)


def sheet(name: str, rows: str) -> str:
    return f'<table:table table:name="{name}">{rows}</table:table>'


def values(content: bytes, max_rows: int = 100) -> dict[str, list[list]]:
    book = spreadsheets.read_ods("book.ods", content, ODS_LIMITS, max_rows)
    return {name: [[(cell.value, cell.number_format) for cell in row] for row in rows] for name, rows in book.items()}


def ods_refusal(content: bytes, max_rows: int = 100) -> str:
    with pytest.raises(spreadsheets.Unreadable) as refused:
        spreadsheets.read_ods("book.ods", content, ODS_LIMITS, max_rows)
    return str(refused.value)


@pytest.mark.parametrize("filename", ["book.ods", "book.xlsx", "book.csv"])
def test_an_ods_file_is_known_by_its_media_type_whatever_its_name(filename):
    assert spreadsheets.file_kind(filename, bombs.ods(sheet("Needs", bombs.ods_row("x")))) == "ods"
    assert spreadsheets.file_kind(filename, archive({"[Content_Types].xml": b"<Types/>"})) == "xlsx"


def test_a_file_named_ods_that_is_no_archive_is_refused_as_an_ods():
    with pytest.raises(spreadsheets.Unreadable) as refused:
        spreadsheets.file_kind("book.ods", b"item_code,quantity\r\n")
    assert str(refused.value) == UNREADABLE_ODS


def test_ods_cells_read_as_their_types_say_and_repeats_are_written_out():
    rows = (
        bombs.ods_row("code", "quantity")
        + '<table:table-row table:number-rows-repeated="2"/>'  # blank rows between filled ones count
        + "<table:table-row>"
        '<table:table-cell office:value-type="float" office:value="40"/>'
        '<table:table-cell office:value-type="float" office:value="12.5" table:number-columns-repeated="2"/>'
        '<table:table-cell table:number-columns-repeated="3"/>'
        '<table:table-cell office:value-type="percentage" office:value="0.025"/>'
        '<table:table-cell office:value-type="currency" office:currency="USD" office:value="-1250.5"/>'
        '<table:table-cell office:value-type="date" office:date-value="2039-08-15"/>'
        '<table:table-cell office:value-type="date" office:date-value="2039-08-15T09:30:00"/>'
        '<table:table-cell office:value-type="boolean" office:boolean-value="true"/>'
        '<table:covered-table-cell table:number-columns-repeated="1020"/>'
        "</table:table-row>"
        '<table:table-row table:number-rows-repeated="2"><table:table-cell office:value-type="string">'
        '<text:p>a<text:s text:c="3"/>b<text:span>c<text:tab/>d</text:span><text:line-break/>e</text:p>'
        "<text:p>f</text:p><office:annotation><text:p>a comment</text:p></office:annotation>"
        "</table:table-cell></table:table-row>"
        # LibreOffice repeats a blank row to the end of the sheet, and blank cells to its right edge.
        '<table:table-row table:number-rows-repeated="1048570">'
        '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
    )
    assert values(bombs.ods(sheet("Needs", rows) + sheet("Empty", ""))) == {
        "Needs": [
            [("code", ""), ("quantity", "")],
            [],
            [],
            [
                (40, ""),
                (12.5, ""),
                (12.5, ""),
                (None, ""),
                (None, ""),
                (None, ""),
                (0.025, "0%"),
                (-1250.5, ""),
                (date(2039, 8, 15), ""),
                (datetime(2039, 8, 15, 9, 30), ""),
                (True, ""),
            ],
            [("a   bc\td\ne\nf", "")],
            [("a   bc\td\ne\nf", "")],
        ],
        "Empty": [],
    }


def test_an_ods_sheet_longer_than_the_rows_read_is_refused_naming_the_sheet():
    content = bombs.ods(sheet("Items", bombs.ods_row("x", repeat=3)) + sheet("Needs", bombs.ods_row("x", repeat=4)))
    assert [len(rows) for rows in values(content, max_rows=4).values()] == [3, 4]
    with pytest.raises(spreadsheets.TooManyRows) as refused:
        values(content, max_rows=3)
    assert (refused.value.sheet, refused.value.filled_rows) == ("Needs", 4)
    # A full sheet, then blank rows after it (LibreOffice writes some for rows formatted), is not too long.
    full = bombs.ods(sheet("Needs", bombs.ods_row("x", repeat=4) + "<table:table-row/>" * 3))
    assert len(values(full, max_rows=4)["Needs"]) == 4
    # Blank row elements are counted as they stream by, followed by a filled row or not.
    with pytest.raises(spreadsheets.TooManyRows) as refused:
        values(bombs.ods(sheet("Needs", bombs.ods_row("x") + "<table:table-row/>" * 5)), max_rows=4)
    assert refused.value.filled_rows == 1


def test_an_ods_file_whose_cells_would_write_out_beyond_the_limits_is_refused_before():
    repeats_too_much = REPEATS_TOO_MUCH
    # A part of at most 1 MB: 5,461 copies of cells written out, at 192 bytes each.
    cells = '<table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="{}"/>'
    assert (
        len(values(bombs.ods(sheet("S", f"<table:table-row>{cells.format(5_462)}</table:table-row>")))["S"][0]) == 5_462
    )
    assert ods_refusal(bombs.ods(sheet("S", f"<table:table-row>{cells.format(5_463)}</table:table-row>"))) == (
        repeats_too_much
    )
    copies = '<table:table-row table:number-rows-repeated="{}">' + cells.format(1_000) + "</table:table-row>"
    assert len(values(bombs.ods(sheet("S", copies.format(5))))["S"]) == 5
    assert ods_refusal(bombs.ods(sheet("S", copies.format(6)))) == repeats_too_much
    spaces = '<table:table-cell office:value-type="string"><text:p><text:s text:c="2000000000"/>x</text:p></table:table-cell>'
    assert ods_refusal(bombs.ods(sheet("S", f"<table:table-row>{spaces}</table:table-row>"))) == repeats_too_much


@pytest.mark.parametrize(
    "content",
    [
        bombs.ods_entities("Needs", ["item_code"]),
        bombs.ods(sheet("S", bombs.ods_row("x")), doctype='<!DOCTYPE x SYSTEM "file:///etc/passwd">'),
        bombs.ods(sheet("S", '<table:table-row table:number-rows-repeated="0"/>')),
        bombs.ods(
            sheet(
                "S",
                '<table:table-row><table:table-cell office:value-type="float" office:value="lots"/></table:table-row>',
            )
        ),
        bombs.ods(sheet("S", "<table:table-row>")),
        bombs.ods(""),
        archive({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}, compression=zipfile.ZIP_STORED),
    ],
    ids=[
        "entities",
        "external DTD",
        "zero repeats",
        "a number that is none",
        "not well-formed",
        "no sheet",
        "no content",
    ],
)
def test_an_ods_file_that_cannot_be_read_says_so(content):
    assert ods_refusal(content) == UNREADABLE_ODS


def test_an_ods_file_has_no_more_sheets_than_an_xlsx_file_may_have_parts():
    assert len(values(bombs.ods("".join(sheet(f"S{n}", "") for n in range(20))))) == 20
    assert ods_refusal(bombs.ods("".join(sheet(f"S{n}", "") for n in range(21)))) == (
        '"book.ods" has more than 20 sheets. Save only the sheet to upload, or save it as CSV, and upload it again.'
    )


def test_an_ods_cell_of_more_parts_than_a_cell_holds_characters_is_refused():
    def cell_of(paragraphs: int) -> bytes:
        cell = f'<table:table-cell office:value-type="string">{"<text:p>x</text:p>" * paragraphs}</table:table-cell>'
        return bombs.ods(sheet("S", f"<table:table-row>{cell}</table:table-row>"))

    assert values(cell_of(32_767)) == {"S": [[("\n".join(["x"] * 32_767), "")]]}
    assert ods_refusal(cell_of(32_768)) == UNREADABLE_ODS


def test_an_ods_archive_is_held_to_the_archive_limits():
    assert ods_refusal(bombs.ods(sheet("S", bombs.ods_row("x" * 2 * 1024 * 1024)))) == (
        '"book.ods" unpacks to more than 1 MB. Save only the sheet to upload, without pictures or other sheets, or '
        "save it as CSV, and upload it again."
    )


def test_an_xlsx_sheet_declaring_entities_is_refused_unread():
    workbook = openpyxl.Workbook()
    workbook.active.append(["item_code", "quantity"])
    saved = io.BytesIO()
    workbook.save(saved)
    with zipfile.ZipFile(saved) as original:
        parts = {name: original.read(name) for name in original.namelist()}
    entities = '<!ENTITY a0 "laugh">' + "".join(f'<!ENTITY a{n} "{f"&a{n - 1};" * 10}">' for n in range(1, 10))
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    # Entities, or only a DTD (which openpyxl alone would read): no spreadsheet program writes either.
    for doctype, text in ((f"<!DOCTYPE worksheet [{entities}]>", "&a9;"), ('<!DOCTYPE worksheet SYSTEM "x.dtd">', "x")):
        parts["xl/worksheets/sheet1.xml"] = (doctype + sheet.replace("item_code", text)).encode()
        with (
            pytest.raises(spreadsheets.Unreadable) as refused,
            spreadsheets.open_workbook("book.xlsx", archive(parts), ODS_LIMITS, 10),
        ):
            pass
        assert str(refused.value) == (
            '"book.xlsx" could not be read as an Excel workbook. Save it again as .xlsx, or as CSV, and upload it '
            "again."
        )


def test_an_ods_file_without_a_zip_archive_or_sheet_names_is_read_as_an_ods():
    assert ods_refusal(b"PK\x03\x04 not a zip") == UNREADABLE_ODS
    # A sheet without a name (no spreadsheet program writes one) is read under an empty name.
    assert values(bombs.ods("<table:table>" + bombs.ods_row("x") + "</table:table>")) == {"": [[("x", "")]]}


def test_ods_numbers_read_exactly_and_text_as_written():
    big = '<table:table-cell office:value-type="float" office:value="-9007199254740993"/>'
    spaced = (
        '<table:table-cell office:value-type="string"><text:p><text:s/>a<office:annotation><text:p>note</text:p>'
        "</office:annotation>b<text:span>c<text:s/>d</text:span></text:p></table:table-cell>"
    )
    content = bombs.ods(sheet("S", f"<table:table-row>{big}{spaced}</table:table-row>"))
    assert values(content) == {"S": [[(-9_007_199_254_740_993, ""), (" abc d", "")]]}


def test_ods_blank_rows_are_counted_across_their_elements_up_to_the_rows_read():
    rows = (
        bombs.ods_row("a")
        + '<table:table-row table:number-rows-repeated="2"/><table:table-row/>'
        + bombs.ods_row("b")
        + "<table:table-row/>" * 5  # as many blank row elements after the last filled row as rows are read: not read
    )
    assert values(bombs.ods(sheet("S", rows)), max_rows=5) == {"S": [[("a", "")], [], [], [], [("b", "")]]}
    with pytest.raises(spreadsheets.TooManyRows) as refused:
        values(bombs.ods(sheet("S", bombs.ods_row("a") + bombs.ods_row("b") + "<table:table-row/>" * 5)), max_rows=4)
    assert refused.value.filled_rows == 2


def test_ods_cells_of_a_row_each_have_as_many_parts_as_a_cell_holds_characters():
    # A paragraph and its 32,766 tabs: 32,767 parts, each of two cells.
    cell = f'<table:table-cell office:value-type="string"><text:p>x{"<text:tab/>" * 32_766}</text:p></table:table-cell>'
    row = values(bombs.ods(sheet("S", f"<table:table-row>{cell}{cell}</table:table-row>")))["S"][0]
    assert row == [("x" + "\t" * 32_766, "")] * 2


def test_the_copies_of_repeated_cells_rows_and_spaces_are_counted_to_the_byte():
    # Each copy written out costs 192 bytes and its characters, up to the part limit (1 MB): exactly that is read.
    def file_of(rows: int, *, one_space_more: bool = False) -> bytes:
        text = '<table:table-cell office:value-type="string"{}><text:p>{}</text:p></table:table-cell>'
        # The same 1,257 characters, one of them a space element: spaces are counted as they are read.
        a_text = "a" * 1256 + ("<text:s/>" if one_space_more else "a")
        row = (
            '<table:table-cell table:number-columns-repeated="3"/><table:table-cell/>'
            + text.format("", a_text)
            + text.format(' table:number-columns-repeated="2"', "b" * 64)
        )
        return bombs.ods(
            sheet(
                "S",
                bombs.ods_row("h") + f'<table:table-row table:number-rows-repeated="{rows}">{row}</table:table-row>',
            )
        )

    # The cells: 2 copies of blank cells (4 blank cells, 2 of them written) and 1 of the "b" cell with its 64
    # characters; then 384 copies of the row of 7 cells and 1,321 characters: 640 + 384 × 2,729 = 1,048,576 bytes.
    read = values(file_of(385), max_rows=400)["S"]
    assert len(read) == 386
    assert read[1] == [(None, "")] * 4 + [("a" * 1257, "")] + [("b" * 64, "")] * 2
    assert ods_refusal(file_of(386), max_rows=400) == REPEATS_TOO_MUCH
    assert ods_refusal(file_of(385, one_space_more=True), max_rows=400) == REPEATS_TOO_MUCH
    spaces = '<table:table-cell office:value-type="string"><text:p>x<text:s text:c="{}"/></text:p></table:table-cell>'
    assert values(bombs.ods(sheet("S", f"<table:table-row>{spaces.format(1024 * 1024)}</table:table-row>"))) == {
        "S": [[("x" + " " * 1024 * 1024, "")]]
    }
    assert ods_refusal(
        bombs.ods(sheet("S", f"<table:table-row>{spaces.format(1024 * 1024 + 1)}</table:table-row>"))
    ) == (REPEATS_TOO_MUCH)


def test_an_unreadable_ods_file_is_logged_with_its_name_and_the_reason(caplog):
    caplog.set_level("INFO", logger="coop.spreadsheets")
    ods_refusal(bombs.ods(sheet("S", '<table:table-row table:number-rows-repeated="0"/>')))
    cell = f'<table:table-cell office:value-type="string">{"<text:p>x</text:p>" * 32_768}</table:table-cell>'
    ods_refusal(bombs.ods(sheet("S", f"<table:table-row>{cell}</table:table-row>")))
    assert [record.getMessage() for record in caplog.records] == [
        "unreadable ODS 'book.ods': number-rows-repeated=0",
        "unreadable ODS 'book.ods': a cell of more than 32,767 parts",
    ]
