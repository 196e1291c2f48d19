"""Every page a browser journey visits is checked with axe-core against WCAG 2.1 A and AA.

:func:`watch` arms a page: axe-core (as ``axe-playwright-python`` ships it) is added to every document the page
loads, runs there once the document has loaded, and reports its violations back; when the journey ends,
:meth:`AxeWatch.check` runs axe once more on the page where the journey stopped and fails the test on any
serious or critical violation, naming the page, the rule and the elements. Checking inside the page, at its
``load`` event, means no journey has to remember to call a check, and every page it passes through (a redirect's
target, a form shown again with its errors) is checked -- a page the journey leaves before axe has finished is
the only one missed, and the count of pages checked is in the failure message.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = {"serious", "critical"}
OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
_AXE = Axe()

# Runs in every top-level document after axe-core itself: frames are checked from their parent by axe.
_RUN_ON_LOAD = (
    ";if (window.top === window) {\n"
    "  window.addEventListener('load', () => {\n"
    f"    axe.run(document, {json.dumps(OPTIONS)}).then(results => "
    "window.__coopAxeReport(location.href, JSON.stringify(results.violations)));\n"
    "  });\n"
    "}\n"
)


@dataclass
class AxeWatch:
    """The violations axe found on the pages of one browser page (one person in a journey)."""

    who: str
    pages_loaded: int = 0
    pages_checked: int = 0
    problems: list[str] = field(default_factory=list)

    def record(self, url: str, violations: list[dict]) -> None:
        self.pages_checked += 1
        for violation in violations:
            if violation.get("impact") in FAILING_IMPACTS:
                targets = "; ".join(
                    " ".join(node["target"]) if isinstance(node["target"], list) else str(node["target"])
                    for node in violation["nodes"][:5]
                )
                self.problems.append(
                    f"{url}: {violation['id']} ({violation['impact']}): {violation['help']} -- {targets}"
                )

    def check(self, page: Page) -> None:
        """Check the page where the journey stopped, then fail on every serious or critical violation seen."""
        if not page.is_closed() and page.url.startswith("http"):
            try:
                results = _AXE.run(page, options=OPTIONS)
            except PlaywrightError:
                pass  # the page is going away: what it showed was checked when it loaded
            else:
                self.record(page.url, results.response["violations"])
        if self.problems:
            unique = list(dict.fromkeys(self.problems))
            raise AssertionError(
                f"axe-core: {len(unique)} serious or critical WCAG 2.1 A/AA violation(s) on the "
                f"{self.who}'s pages ({self.pages_checked} checked of {self.pages_loaded} loaded):\n"
                + "\n".join(unique)
            )


def watch(page: Page, who: str = "browser") -> AxeWatch:
    """Check every page ``page`` loads from now on; call ``.check(page)`` at the end of the journey."""
    axe_watch = AxeWatch(who)
    page.expose_binding("__coopAxeReport", lambda _source, url, payload: axe_watch.record(url, json.loads(payload)))
    page.add_init_script(_AXE.axe_script + _RUN_ON_LOAD)
    page.on("load", lambda _page: setattr(axe_watch, "pages_loaded", axe_watch.pages_loaded + 1))
    return axe_watch
