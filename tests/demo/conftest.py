"""The demo cooperative as its loader leaves it, for every test here that reads or acts on it."""

from __future__ import annotations

import pytest

from coop.demo.services import DemoSummary, load_demo


@pytest.fixture
def demo(from_snapshot) -> DemoSummary:
    return from_snapshot(load_demo)
