"""Signing in and out in a real browser, with CSRF protection on."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from coop.accounts.models import User
from coop.extensions import db

pytestmark = pytest.mark.e2e


def test_a_buyer_signs_in_through_the_form_and_signs_out(page, make_buyer, browser_sign_in, read_db):
    buyer = make_buyer(name="Lakeview School District")
    db.session.commit()

    browser_sign_in(buyer)

    nav = page.get_by_role("navigation", name="Main navigation")
    expect(nav).to_contain_text("Lakeview School District")
    expect(nav.get_by_role("link", name="Our needs")).to_be_visible()
    with read_db():
        assert db.session.get(User, buyer.id).last_sign_in_at is not None

    # Signing out is in the account menu (the organisation's name), which opens and works from the keyboard.
    account = nav.get_by_role("button", name="Lakeview School District")
    expect(account).to_have_attribute("aria-expanded", "false")
    account.focus()
    page.keyboard.press("Enter")
    expect(account).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="Organisation profile")).to_be_visible()
    page.keyboard.press("Escape")
    expect(account).to_have_attribute("aria-expanded", "false")
    expect(nav.get_by_role("button", name="Sign out")).to_be_hidden()
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowDown")
    expect(nav.get_by_role("link", name="Organisation profile")).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(nav.get_by_role("button", name="Sign out")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_role("alert").filter(has_text="You are signed out.")).to_be_visible()
    expect(nav.get_by_role("link", name="Sign in")).to_be_visible()
    expect(nav.get_by_role("button", name="Sign out")).to_have_count(0)
    page.goto("/needs")
    expect(page).to_have_url("/sign-in?next=/needs")


def test_a_wrong_password_keeps_the_user_on_the_sign_in_page(page, make_buyer, read_db):
    buyer = make_buyer()
    db.session.commit()

    page.goto("/sign-in")
    page.get_by_label("E-mail").fill(buyer.email)
    page.get_by_label("Password", exact=True).fill("not the password")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_text("Wrong e-mail or password.")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    with read_db():
        assert db.session.scalar(sa.select(User.last_sign_in_at).where(User.id == buyer.id)) is None


def test_the_live_server_refuses_a_form_without_its_csrf_token(page, make_buyer, browser_sign_in):
    """CSRF protection is on for the browser tests, so the forms the other tests submit really carry their tokens."""
    buyer = make_buyer()
    db.session.commit()
    browser_sign_in(buyer)

    # What a forged form would send: a same-looking POST without the token the page's own form carries.
    page.evaluate("""() => {
        const form = Object.assign(document.createElement("form"), {method: "post", action: "/sign-out"});
        document.body.append(form);
        form.submit();
    }""")

    expect(page.get_by_role("heading", name="Bad Request")).to_be_visible()
    expect(page.get_by_text("The CSRF token is missing.")).to_be_visible()
    page.goto("/needs")
    nav = page.get_by_role("navigation", name="Main navigation")
    nav.get_by_role("button", name=buyer.organisation.name).click()
    expect(nav.get_by_role("button", name="Sign out")).to_be_visible()
