"""Factory fixtures for the pricing tests: small problem documents."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest


def _document(**changes: Any) -> dict[str, Any]:
    """A valid two-district, one-item problem; keyword arguments replace top-level keys."""
    doc: dict[str, Any] = {
        "format": "coop.allocation/1",
        "currency": "USD",
        "tco_years": 4,
        "items": [{"id": "laptop"}],
        "districts": [{"id": "D1", "region": "north"}, {"id": "D2", "region": "north"}],
        "demands": [
            {"district": "D1", "item": "laptop", "quantity": 60},
            {"district": "D2", "item": "laptop", "quantity": 50},
        ],
        "offers": [
            {
                "id": "O1",
                "vendor": "V1",
                "item": "laptop",
                "pricing": "all_units",
                "tiers": [
                    {"min_quantity": 1, "unit_price": "100.00"},
                    {"min_quantity": 100, "unit_price": "90.00"},
                ],
            }
        ],
        "vendors": [{"id": "V1"}],
        "rules": {},
    }
    doc.update(copy.deepcopy(changes))
    return doc


def _offer(ident: str, vendor: str, tiers: list[tuple[int, str]], **fields: Any) -> dict[str, Any]:
    row = {
        "id": ident,
        "vendor": vendor,
        "item": "laptop",
        "tiers": [{"min_quantity": m, "unit_price": p} for m, p in tiers],
    }
    row.update(fields)
    return row


@pytest.fixture
def document():
    """Callable: a valid two-district, one-item problem dict with top-level keys replaced."""
    return _document


@pytest.fixture
def offer():
    """Callable: an offer dict on item 'laptop' from (min_quantity, unit_price) tiers."""
    return _offer


@pytest.fixture
def one_vendor_per_item():
    """Two districts in two regions, a cheap vendor in each and a dearer one serving both, at most one vendor per
    item: pooled, the dearer vendor must serve everyone (110 x 10.60 = 1166.00 against 1100.00 apart)."""
    return _document(
        districts=[{"id": "D1", "region": "north"}, {"id": "D2", "region": "south"}],
        offers=[
            _offer("N", "V1", [(1, "10.00")], regions=["north"]),
            _offer("S", "V2", [(1, "10.00")], regions=["south"]),
            _offer("X", "V3", [(1, "10.60")]),
        ],
        vendors=[{"id": "V1"}, {"id": "V2"}, {"id": "V3"}],
        rules={"max_vendors_per_item": 1},
    )


@pytest.fixture
def worked_example() -> dict[str, Any]:
    """The worked example of pricing/FORMAT.md, as its JSON block gives it."""
    text = (Path(__file__).resolve().parents[2] / "pricing" / "FORMAT.md").read_text()
    example = text[text.index("## A worked example") :]
    return json.loads(re.search(r"```json\n(.*?)```", example, re.S).group(1))
