"""The demo cooperative as its loader leaves it, for every test here that reads or acts on it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from coop.demo.services import DemoSummary


@pytest.fixture
def demo(demo_rows: Callable[[], DemoSummary]) -> DemoSummary:
    return demo_rows()
