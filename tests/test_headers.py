"""Security headers on every page; a Content-Security-Policy that no inline script or style needs to bypass;
HSTS and secure cookies in production; the client's address behind trusted proxies."""

from __future__ import annotations

import io
import re

import pytest
from access_matrix import ALLOWED, MATRIX
from conftest import PASSWORD
from pypdf import PdfReader

from coop.extensions import limiter

EXPECTED_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=", re.I)


def assert_hardened(response) -> None:
    assert response.headers["Content-Security-Policy"] == EXPECTED_CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers  # development: plain HTTP


# Every page of the URL map, read by a principal who may see it (anonymous where anyone may).
PAGES = [
    (route.path, next(principal for principal, outcome in route.expected.items() if outcome == ALLOWED))
    for routes in MATRIX.values()
    for route in routes
    if route.method == "GET" and ALLOWED in route.expected.values()
]


@pytest.mark.parametrize(("path", "principal"), PAGES, ids=[f"{path} as {principal}" for path, principal in PAGES])
def test_every_page_has_the_security_headers_and_nothing_inline(client, log_in, scenario, path, principal):
    users, values = scenario
    if principal != "anonymous":
        log_in(users[principal])
    response = client.get(path.format(**values))
    response.close()
    assert response.status_code < 400, response.status_code
    assert_hardened(response)
    if response.mimetype == "text/html":
        assert INLINE.findall(response.get_data(as_text=True)) == []


@pytest.mark.parametrize("path", ["/no/such/page", "/static/coop.css", "/static/rfp-document.css"])
def test_error_pages_and_static_files_have_the_headers_too(client, path):
    response = client.get(path)
    response.close()  # a static file streams until then
    assert_hardened(response)


def test_production_sends_hsts_and_marks_every_cookie_secure(app, another_app, monkeypatch):
    monkeypatch.setenv("COOP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s3cret-from-the-vault")
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    production = another_app()
    assert production.config["REMEMBER_COOKIE_SECURE"] is True
    assert production.config["SESSION_COOKIE_SECURE"] is True
    response = production.test_client().get("/sign-in", base_url="https://coop.example")
    assert response.headers["Strict-Transport-Security"] == "max-age=31556926; includeSubDomains"
    assert response.headers["Content-Security-Policy"] == EXPECTED_CSP


def failed_sign_ins(client, forwarded_for: list[str]) -> list[int]:
    return [
        client.post(
            "/sign-in", data={"email": "nobody@example.org", "password": PASSWORD}, headers={"X-Forwarded-For": address}
        ).status_code
        for address in forwarded_for
    ]


def test_behind_a_trusted_proxy_the_limits_count_per_client_address(another_app, committed_db):
    # Another app is another process: it must not wait for this test's transaction (SQLite's write lock).
    proxied = another_app(
        COOP_TRUSTED_PROXIES=1, COOP_SIGN_IN_RATE_LIMIT="2 per minute", COOP_SIGN_IN_ACCOUNT_RATE_LIMIT="100 per minute"
    )
    statuses = failed_sign_ins(proxied.test_client(), ["203.0.113.1", "203.0.113.1", "203.0.113.2", "203.0.113.1"])
    assert statuses == [422, 422, 422, 429]


def test_without_trusted_proxies_a_client_cannot_choose_its_address(app, monkeypatch):
    monkeypatch.setitem(app.config, "COOP_SIGN_IN_RATE_LIMIT", "2 per minute")
    limiter.reset()
    try:
        statuses = failed_sign_ins(app.test_client(), ["203.0.113.1", "203.0.113.2", "203.0.113.3"])
        assert statuses == [422, 422, 429]
    finally:
        limiter.reset()


def test_the_rfp_document_keeps_its_print_style_from_the_static_stylesheet(client, scenario):
    # The style left the page for a static file; the PDF still reads it (its running footer comes from there).
    _users, values = scenario
    reference = values["open_reference"]
    assert '<link rel="stylesheet" href="/static/rfp-document.css">' in client.get(
        f"/rfps/{reference}/document.html"
    ).get_data(as_text=True)
    pdf = PdfReader(io.BytesIO(client.get(f"/rfps/{reference}/document.pdf").data))
    assert f"{reference} · Version 1 · page 1 of {len(pdf.pages)}" in pdf.pages[0].extract_text()
