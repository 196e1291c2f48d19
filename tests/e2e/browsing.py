"""What every browser journey does the same way: sign in, follow the navigation, read alerts and table rows."""

from __future__ import annotations

from conftest import PASSWORD
from playwright.sync_api import Locator, Page, expect

from coop.demo import DEMO_PASSWORD

MAX_TAB_STOPS = 200  # more than any page has before the control a journey looks for
_FOCUSED = "() => document.activeElement.outerHTML.slice(0, 160)"
# Whether the focused element draws an outline. A date field's calendar button is a stop of its own inside the
# field (the field is then not :focus); its outline is drawn by coop.css on a pseudo-element that scripts cannot read.
_FOCUS_SHOWN = """() => {
  const element = document.activeElement;
  if (element === document.body) return true;
  if (element.matches('input[type=date], input[type=datetime-local], input[type=time]') && !element.matches(':focus'))
    return true;
  return getComputedStyle(element).outlineStyle !== 'none';
}"""


def alert(page: Page, text: str) -> Locator:
    return page.get_by_role("alert").filter(has_text=text)


def sign_in(page: Page, user, password: str = PASSWORD) -> None:
    """Sign ``user`` in through the sign-in page, as a person would, and wait for the welcome message."""
    page.goto("/sign-in")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(alert(page, f"Welcome, {user.name}.")).to_be_visible()


def sign_in_as(page: Page, email: str) -> None:
    """Sign a demo user in (every demo user has the demo password)."""
    page.goto("/sign-in")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(alert(page, "Welcome, ")).to_be_visible()


def tab_to(page: Page, target: Locator, *, backwards: bool = False) -> None:
    """Press Tab (Shift+Tab with ``backwards``) until ``target`` has the focus, as a keyboard user reaches it.

    Fails when the target is not reached within :data:`MAX_TAB_STOPS` presses (it cannot be reached, or the focus
    is trapped), and at any stop on the way whose focus cannot be seen (no outline).
    """
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(MAX_TAB_STOPS):
        page.keyboard.press(key)
        if target.evaluate("element => element === document.activeElement"):
            break
        assert page.evaluate(_FOCUS_SHOWN), f"the focus cannot be seen on {page.evaluate(_FOCUSED)}"
    else:
        raise AssertionError(f"{target} is not reached by {MAX_TAB_STOPS} presses of {key}")
    assert page.evaluate(_FOCUS_SHOWN), f"the focus cannot be seen on {page.evaluate(_FOCUSED)}"


def nav(page: Page, link: str) -> None:
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name=link, exact=True).click()


def expect_cells(row: Locator, *texts: str) -> None:
    """The row's cells read ``texts``, in order."""
    expect(row.get_by_role("cell")).to_have_text(list(texts))
