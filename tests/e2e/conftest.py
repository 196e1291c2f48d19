"""Browser tests: Playwright (sync API) driving Debian's Chromium against a live server.

The live server serves the session ``app`` -- same configuration, same database --
from a threaded ``wsgiref`` server on 127.0.0.1 and an ephemeral port, in a daemon
thread. Not werkzeug's development server: when a browser drops a connection while
a static file is being sent (it does, navigating away), werkzeug's server can give up
before closing the response, and the open file then warns (``ResourceWarning``, an
error here) in whichever test runs next; ``wsgiref`` closes the response on every path.
The server's requests run on their own connections, so every test here uses
``committed_db`` (real commits, tables emptied afterwards). Two rules follow:

- Data a test creates is committed (``db.session.commit()``) before the browser
  can see it. The test's own session keeps what it loaded across commits
  (``expire_on_commit`` is off for it), so reading ``buyer.email`` afterwards
  does not start a new transaction.
- The test never holds a transaction open while the browser acts. On SQLite a
  transaction takes the write lock when it begins (the app sends BEGIN IMMEDIATE,
  see ``coop/extensions.py``), so the server's next request would wait for it and
  answer 409. Read what the browser did inside
  ``with read_db():``, which starts a fresh transaction (seeing every commit) and
  ends it on leaving the block.

CSRF protection is switched ON for the duration of each browser test (the session
``app`` has it off for the test client), so the browser submits real forms with
real tokens.

Chromium is never downloaded (``playwright install`` is not used): the tests
launch the executable named by ``COOP_TEST_CHROMIUM`` (default
``/usr/bin/chromium``, Debian's ``chromium`` package). When it is missing the
tests are skipped with the reason -- unless ``CI=true``, where a missing browser
fails the run instead, so CI cannot go green without running them. Pointing
``COOP_TEST_CHROMIUM`` at a missing file is how to check both paths.

On failure a screenshot (and the page's HTML) is saved under the test's
``tmp_path``; the path is printed in the test's captured output.
"""

from __future__ import annotations

import functools
import os
import socketserver
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
import sqlalchemy as sa
from e2e import accessibility
from e2e.browsing import sign_in
from flask import Flask
from playwright.sync_api import expect, sync_playwright

from coop.accounts.models import User
from coop.demo.services import load_demo
from coop.extensions import db
from coop.rfps.models import Rfp, RfpStatus

DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",  # the tests may run as root in a container, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-background-networking",  # no calls home: the tests touch 127.0.0.1 only
    "--disable-dev-shm-usage",  # /dev/shm is tiny in containers
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000  # generous for a slow CI machine; a healthy page answers in well under a second

_reports = pytest.StashKey[dict]()


def chromium_path() -> str:
    """The Chromium executable the browser tests launch (``COOP_TEST_CHROMIUM``, default ``/usr/bin/chromium``)."""
    return os.environ.get("COOP_TEST_CHROMIUM", DEFAULT_CHROMIUM)


def _unavailable(reason: str) -> None:
    # On CI a missing browser is a broken build, not a reason to skip the browser tests quietly.
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: browser tests must run on CI)", pytrace=False)
    pytest.skip(reason)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    report = yield
    item.stash.setdefault(_reports, {})[report.when] = report
    return report


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """One headless Chromium for the whole session (each test gets its own context, so no state is shared)."""
    executable = chromium_path()
    if not (os.path.isfile(executable) and os.access(executable, os.X_OK)):
        _unavailable(
            f"Chromium not found at {executable}: install it with `apt-get install chromium` "
            "(or point COOP_TEST_CHROMIUM at a Chromium executable) to run the browser tests"
        )
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class _ThreadedServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True  # a connection the browser opened ahead and left idle must not hold up the test's end


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the signature is the base class's
        pass  # the app's own request log (coop.requests) already says what the browser asked for


@pytest.fixture
def live_url(app: Flask, committed_db, monkeypatch) -> Iterator[str]:
    """The base URL of the session ``app`` served on 127.0.0.1 for this one test, with CSRF protection on."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    # Only the test thread's session (committed_db's teardown discards it): objects stay readable after a commit
    # without a refresh, which would open a transaction and, on SQLite, lock the live server out.
    db.session().expire_on_commit = False
    server = make_server("127.0.0.1", 0, app, server_class=_ThreadedServer, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="coop-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def read_db(live_url: str) -> Callable[[], AbstractContextManager[None]]:
    """``with read_db():`` -- look at the database as the browser left it, in a transaction that ends with the block."""

    @contextmanager
    def read() -> Iterator[None]:
        db.session.commit()  # end anything the test left open, so that the next query sees every commit
        db.session.expire_all()
        try:
            yield
            # Load again what the block left expired, so that reading it after the block (a user's e-mail to sign
            # in with) starts no transaction: on SQLite a transaction holds the write lock (BEGIN IMMEDIATE).
            for instance in list(db.session):
                if sa.inspect(instance).expired_attributes:
                    try:
                        db.session.refresh(instance)
                    except sa.exc.InvalidRequestError:  # the browser deleted its row
                        db.session.expunge(instance)
        except BaseException:
            db.session.rollback()
            raise
        db.session.commit()

    return read


@pytest.fixture
def page(browser, live_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator:
    """A fresh page in a fresh browser context (own cookies) pointing at the live server; every page it loads is
    checked with axe-core, and a serious or critical WCAG 2.1 A/AA violation fails the test at its end."""
    page = _new_page(browser, live_url)
    axe_watch = accessibility.watch(page)
    try:
        yield page
        report = request.node.stash.get(_reports, {}).get("call")
        if report is not None and report.passed:
            axe_watch.check(page)
    finally:
        report = request.node.stash.get(_reports, {}).get("call")
        if report is not None and report.failed and not page.is_closed():
            _save_evidence(page, tmp_path)
        page.context.close()


@pytest.fixture
def someone_else(browser, live_url: str, tmp_path: Path) -> Callable[[str], AbstractContextManager]:
    """``with someone_else("vendor") as other:`` a page in a browser context of its own (own cookies), for a second
    person in the same journey; on failure its screenshot and HTML are kept as ``<who>-failure.*``."""

    @contextmanager
    def open_page(who: str) -> Iterator:
        other = _new_page(browser, live_url)
        axe_watch = accessibility.watch(other, who)
        try:
            yield other
            axe_watch.check(other)
        except BaseException:
            _save_evidence(other, tmp_path, f"{who}-")
            raise
        finally:
            other.context.close()

    return open_page


def _new_page(browser, live_url: str):
    """A page in a browser context of its own (own cookies) on the live server, file choosers intercepted from its start.

    Playwright intercepts a file chooser only while someone listens for it, and it turns interception on without
    waiting when a test starts to (``expect_file_chooser``): a key press sent right after can open the chooser first,
    and the event never comes (4 in 150 tries under load). A listener for the page's whole life closes that race.
    """
    context = browser.new_context(base_url=live_url, locale="en-US", timezone_id="UTC", accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.on("filechooser", lambda chooser: None)
    return page


def _save_evidence(page, directory: Path, prefix: str = "") -> None:
    screenshot, html = directory / f"{prefix}failure.png", directory / f"{prefix}failure.html"
    try:
        page.screenshot(path=screenshot, full_page=True)
        html.write_text(page.content(), encoding="utf-8")
    except Exception as error:  # noqa: BLE001 - the test's own failure is what matters; do not bury it under this one
        print(f"\nNo screenshot of {page.url}: {error}")
    else:
        print(f"\nBrowser at {page.url}; screenshot: {screenshot}; HTML: {html}")


@pytest.fixture
def demo(committed_db, from_snapshot) -> str:
    """The demo cooperative, committed; the reference of its RFP whose bids are opened."""
    from_snapshot(load_demo)
    reference = db.session.scalars(
        sa.select(Rfp.reference).where(Rfp.status == RfpStatus.OPENED).order_by(Rfp.reference)
    ).first()
    db.session.commit()
    return reference


@pytest.fixture
def browser_sign_in(page) -> Callable[[User], None]:
    """Sign ``user`` in on the test's page through the sign-in page, as a person would."""
    return functools.partial(sign_in, page)
