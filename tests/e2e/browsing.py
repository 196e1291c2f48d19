"""What every browser journey does the same way: sign in, follow the navigation, read alerts and table rows."""

from __future__ import annotations

from conftest import PASSWORD
from playwright.sync_api import Locator, Page, expect


def alert(page: Page, text: str) -> Locator:
    return page.get_by_role("alert").filter(has_text=text)


def sign_in(page: Page, user, password: str = PASSWORD) -> None:
    """Sign ``user`` in through the sign-in page, as a person would, and wait for the welcome message."""
    page.goto("/sign-in")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(alert(page, f"Welcome, {user.name}.")).to_be_visible()


def nav(page: Page, link: str) -> None:
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name=link, exact=True).click()


def expect_cells(row: Locator, *texts: str) -> None:
    """The row's cells read ``texts``, in order."""
    expect(row.get_by_role("cell")).to_have_text(list(texts))
