"""Fixtures for the needs tests: a small catalogue, a signed-in buyer, spreadsheets to upload."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import openpyxl
import pytest

from coop.catalogue.models import Item
from coop.extensions import db

HEADER = ["item_code", "quantity", "needed_by", "budget_cap", "erate_eligible", "spec_notes"]


@pytest.fixture
def catalogue(make_item) -> dict[str, Item]:
    """Three items in two categories, by code."""
    items = {
        "LAPTOP-14": make_item("LAPTOP-14", category="student-devices", name="14-inch student laptop"),
        "CHROMEBOOK-11": make_item("CHROMEBOOK-11", category="student-devices", name="11-inch Chromebook"),
        "AP-WIFI6": make_item("AP-WIFI6", category="network", name="Wi-Fi 6 access point"),
    }
    # Committed (to the test's savepoint) as in a real request: a refused use case rolls back only its own work.
    db.session.commit()
    return items


@pytest.fixture
def buyer(make_buyer, make_district, make_region):
    """A buyer of the approved district Lakeview, in the north region."""
    buyer = make_buyer(make_district("Lakeview SD", region=make_region("north", "North")))
    db.session.commit()  # as the catalogue
    return buyer


@pytest.fixture
def as_buyer(buyer, log_in):
    """A client signed in as ``buyer``."""
    return log_in(buyer)


@pytest.fixture
def csv_file() -> Callable[..., bytes]:
    def make(rows: list[list], *, header: list[str] | None = HEADER, encoding: str = "utf-8") -> bytes:
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\r\n")
        if header is not None:
            writer.writerow(header)
        writer.writerows(rows)
        return buffer.getvalue().encode(encoding)

    return make


@pytest.fixture
def xlsx_file() -> Callable[..., bytes]:
    def make(rows: list[list], *, header: list[str] | None = HEADER) -> bytes:
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        if header is not None:
            sheet.append(header)
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    return make


@pytest.fixture
def upload(as_buyer):
    """POST a file to the import page as the signed-in buyer."""

    def do(filename: str, content: bytes, **options):
        return as_buyer.post(
            "/needs/import",
            data={"file": (io.BytesIO(content), filename)},
            content_type="multipart/form-data",
            **options,
        )

    return do
