"""Every kind of page of the demo, as the public and as each role, passes axe-core (WCAG 2.1 A and AA), and the
pages can be used with the keyboard: a skip link first, a focus that can be seen.

The tour follows the links a person can follow from the home page, one page of each kind (``/needs/12`` and
``/needs/31`` are one kind), so that a page added later is toured without being listed here. The ``page``
fixture's axe watch checks each page as it loads (tests/e2e/accessibility.py).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from e2e.browsing import alert, sign_in_as
from playwright.sync_api import Page, expect

from coop.demo import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

# Downloads and sign-out are not pages to look at; the PDF document is the HTML one printed.
SKIPPED = re.compile(r"\.(csv|xlsx|pdf)$|^/sign-out|^/bids/attachments/")
MAX_PAGES = 60


def kind_of(path: str) -> str:
    """``/rfps/RFP-2026-0003/bid`` and ``/rfps/RFP-2026-0001/bid`` are the same kind of page."""
    return re.sub(r"/(\d+|RFP-[\w-]+|[A-Za-z0-9_-]{20,})(?=/|$)", "/_", path)


def tour(page: Page, *starts: str) -> list[str]:
    """Visit one page of every kind reachable by links from the home page (and ``starts``); the paths visited."""
    seen_kinds: set[str] = set()
    queue, visited = ["/", *starts], []
    while queue and len(visited) < MAX_PAGES:
        path = queue.pop(0)
        if kind_of(path) in seen_kinds:
            continue
        seen_kinds.add(kind_of(path))
        response = page.goto(path)
        assert response is not None and response.ok, f"{path}: {response.status if response else 'no response'}"
        visited.append(path)
        for href in page.locator("a[href]").evaluate_all("links => links.map(link => link.href)"):
            parts = urlsplit(href)
            if parts.netloc != urlsplit(page.url).netloc or SKIPPED.search(parts.path):
                continue
            if kind_of(parts.path) not in seen_kinds:
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return visited


def test_the_public_pages_pass_axe(page, demo):
    visited = tour(page, f"/rfps/{demo}/tabulation")
    assert {"/", "/rfps", "/sign-in", "/sign-up"} <= set(visited)
    assert any(path.endswith("/tabulation") for path in visited)


@pytest.mark.parametrize(
    "email",
    ["buyer@lakeview.k12.example", "sales@evergreen-learning.example", "admin@coop.example"],
    ids=["buyer", "vendor", "admin"],
)
def test_every_role_s_pages_pass_axe(page, demo, email):
    sign_in_as(page, email)
    visited = tour(page, f"/rfps/{demo}/tabulation")
    assert len(visited) > 8, visited


def test_the_keyboard_reaches_a_skip_link_first_and_every_focus_is_visible(page, demo):
    page.goto("/rfps")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to the main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    # The next stop is inside the main content, and it shows where the focus is.
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    assert focused.evaluate("element => element.closest('main') !== null")
    assert focused.evaluate("element => getComputedStyle(element).outlineStyle") != "none"

    # Signing in with the keyboard alone.
    page.goto("/sign-in")
    page.get_by_label("E-mail").focus()
    page.keyboard.type("buyer@lakeview.k12.example")
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(alert(page, "Welcome, ")).to_be_visible()


@pytest.mark.parametrize(
    "email",
    [
        "buyer@lakeview.k12.example",
        "buyer@columbia-ridge.k12.example",  # the demo's longest district name
        "sales@evergreen-learning.example",
        "admin@coop.example",
    ],
    ids=["buyer", "buyer-long-name", "vendor", "admin"],
)
def test_the_navigation_fits_on_one_line_at_1280_pixels(page, demo, email):
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in_as(page, email)
    tops = page.locator("#mainnav .nav-link").evaluate_all(
        "links => links.map(link => [link.textContent.trim(), Math.round(link.getBoundingClientRect().top), Math.round(link.getBoundingClientRect().bottom)])"
    )
    assert len({(top, bottom) for _text, top, bottom in tops}) == 1, tops  # one line, none wrapped inside
    # ... and nothing of it is pushed past the window's right edge (no sideways scrolling).
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
