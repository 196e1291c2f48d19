"""The Content-Security-Policy allows no inline script or style: Chromium reports no violation on the pages, and
the scripts and styles moved to static files still do their work."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from coop.extensions import db
from coop.rfps import documents

pytestmark = pytest.mark.e2e


@pytest.fixture
def csp_violations(page) -> list[str]:
    """The console errors Chromium reports for the Content-Security-Policy on ``page``."""
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    return violations


def test_public_pages_run_their_static_scripts_and_styles_without_a_violation(
    page, csp_violations, make_rfp, make_region
):
    make_region("north")
    rfp = make_rfp()
    rfp.document_version += 1  # the real document as version 2, as an addendum stores it
    documents.store_version(rfp)
    db.session.commit()

    page.goto("/sign-up")
    page.get_by_label("Vendor").check()
    expect(page.locator("#district-fields")).to_be_hidden()  # coop.js shows the chosen kind's fields only
    expect(page.locator("#vendor-fields")).to_be_visible()

    page.goto("/rfps")
    deadline = page.locator("time[data-local-time]").first
    expect(deadline).to_have_attribute("title", f"{rfp.bid_deadline:%Y-%m-%d %H:%M} UTC")  # local-time.js ran

    page.goto(f"/rfps/{rfp.reference}/document.html")
    expect(page.locator("th").first).to_have_css("background-color", "rgb(240, 240, 240)")  # rfp-document.css

    page.goto("/sign-in")
    assert csp_violations == []


def test_signed_in_pages_have_no_violation(page, csp_violations, browser_sign_in, make_vendor_rep, make_rfp):
    vendor = make_vendor_rep()
    rfp = make_rfp()
    db.session.commit()

    browser_sign_in(vendor)
    page.goto(f"/rfps/{rfp.reference}/bid")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.goto("/organisation")
    expect(page.locator("#postal-address")).to_have_css("white-space", "pre-line")
    assert csp_violations == []
