"""Helpers for assertions shared by test modules."""

from __future__ import annotations

import html as html_lib
import io
import re

from pypdf import PdfWriter


def text_of(response) -> str:
    """A response's visible text, tags stripped and white space folded, for assertions on what a user reads."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def table_rows(response, table_id: str) -> list[str]:
    """The visible text of each body row of the table with this id, as a user reads it."""
    html = response.get_data(as_text=True)
    assert f'id="{table_id}"' in html, f"no table {table_id!r} on the page"
    body = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0].split("<tbody>", 1)[1]
    return [" ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", row)).split()) for row in body.split("</tr>")[:-1]]


def encrypted_pdf() -> bytes:
    """A real PDF that opens only with a password (RC4: pypdf writes it without an extra crypto library)."""
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    writer.encrypt("secret", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


#: What a 404 page says.
NOT_FOUND = "There is no such page, or it is not yours to see."
#: Whole numbers no row can have: beyond PostgreSQL's INTEGER, beyond SQLite's 64 bits, and far beyond both.
HUGE_NUMBERS = (str(2**31), str(2**63), "99999999999999999999999")
