"""Hostile input to every route and every form, as every principal: never an error, and a refusal changes nothing.

Every rule of the URL map is called as each principal of ``access_matrix`` (with its scenario's rows), its
arguments, its query arguments and the fields of the forms that post to it (found on the app's own pages, as a
browser finds them) replaced in part by malformed and hostile values: huge and negative numbers, blanks, very
long text, NUL bytes and other unicode, spreadsheet formulas, text where a number goes, impossible dates, and
several values where one is expected. Assertions: no error (500, or an exception out of a view), and a request
that is refused (4xx) or answered by its form shown again (a POST not redirected) leaves every table as it was.

Each request runs in a savepoint rolled back afterwards, so that every example starts from the same scenario.
Examples are derived from a fixed seed (``derandomize``): a run is reproducible, in CI too.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

import pytest
import sqlalchemy as sa
from access_matrix import ALLOWED, MATRIX, PRINCIPALS
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.exceptions import HTTPException

from coop.extensions import db

HOSTILE = (
    str(2**31),
    str(2**63),
    "99999999999999999999999",
    "-1",
    "-99999999999999999999",
    "0",
    "1.5",
    "1e309",
    "NaN",
    "inf",
    "99999999999999999.99",
    "1,000,000,000,000,000",
    "",
    " ",
    "x" * 5000,
    "9" * 5000,
    "\x00",
    "a\x00b",
    "\u202etxt.exe",
    "日本語",
    "²",
    "١٢٣",
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "2026-02-30",
    "31/12/2030",
    "0000-00-00",
    "9999-12-31T99:99",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "yes",
    "none",
)
hostile_text = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=30), st.integers().map(str))
# Several values where one is expected: a field or argument repeated.
hostile_value = st.one_of(hostile_text, st.lists(hostile_text, min_size=2, max_size=3))
HOSTILE_FILES = (
    (b"", "empty.csv"),
    (b"\x00\xff\xfe garbage", "bid.pdf"),
    (b"%PDF-1.4\n%%EOF\n", "../../x.pdf"),
    (b"item_code,quantity\n=cmd|' /C calc'!A0,99999999999999999999\n", "needs.csv"),
)
# The query arguments views read (besides those of the filter forms, found on the pages).
QUERY_ARGUMENTS = ("page", "version", "status", "state", "next")
# Pages without forms, not looked at for them.
DOWNLOADS = (".pdf", ".csv", ".xlsx")
# Routes whose success signs the principal out or in again: each example after them starts signed in as before.
SESSION_CHANGING = ("accounts.sign_up", "accounts.sign_in", "accounts.sign_out")
EXAMPLES_ALLOWED = 6  # per route a principal may call
EXAMPLES_REFUSED = 1  # per route it may not: the refusal comes before any view reads a field


@dataclass
class FoundForm:
    """A form as a browser would send it: every field with the value the page gave it."""

    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def forms_on(page_path: str, html: str) -> dict[tuple[str, str], FoundForm]:
    """The forms on a page, by (method, path they are sent to)."""
    found = {}
    for form in BeautifulSoup(html, "html.parser").find_all("form"):
        method = (form.get("method") or "get").upper()
        action = urlsplit(form.get("action") or page_path).path
        entry = FoundForm(method)
        for control in form.find_all(["input", "select", "textarea", "button"]):
            name = control.get("name")
            kind = (control.get("type") or "").lower()
            if not name or (kind in ("checkbox", "radio") and not control.has_attr("checked")):
                continue
            if kind == "file":
                entry.files.append(name)
            elif control.name == "select":
                chosen = control.find("option", selected=True) or control.find("option")
                entry.fields.append((name, chosen.get("value", chosen.text) if chosen else ""))
            elif control.name == "textarea":
                entry.fields.append((name, control.text))
            else:
                entry.fields.append((name, control.get("value", "")))
        found.setdefault((method, action), entry)
    return found


def table_digests() -> dict[str, str]:
    """Every table's content, as one hash per table."""
    digests = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
        digests[table.name] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return digests


_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def path_with(rule, arguments: dict[str, str]) -> str:
    """The rule's path with each argument's text put in place, quoted as a browser quotes it."""
    return _ARGUMENT.sub(lambda match: quote(arguments[match.group(1)], safe=""), rule.rule)


@dataclass(frozen=True)
class Case:
    rule: object
    method: str
    arguments: dict  # each argument's valid value, as text
    form: FoundForm | None
    allowed: bool


def cases(app, principal: str, values: dict, forms: dict) -> list[Case]:
    """Every method of every rule, at the paths of the access matrix's routes of its endpoint (a method the matrix
    does not list: at its other routes' paths, with their expected access)."""
    adapter = app.url_map.bind("localhost")
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: (rule.rule, rule.endpoint)):
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes = [route for route in MATRIX[rule.endpoint] if route.method == method] or MATRIX[rule.endpoint]
            for route in routes:
                path = route.path.format(**values)
                try:
                    endpoint, arguments = adapter.match(path, method=method)
                except HTTPException:  # the same endpoint under another rule (/sheet.csv and /sheet.xlsx share one)
                    continue
                text = {name: str(value) for name, value in arguments.items()}
                if endpoint != rule.endpoint or any(
                    case.rule is rule and case.method == method and case.arguments == text for case in found
                ):
                    continue
                found.append(Case(rule, method, text, forms.get((method, path)), route.expected[principal] == ALLOWED))
    return found


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_hostile_input_never_fails_and_a_refusal_changes_nothing(app, client, log_in, scenario, principal):
    users, values = scenario

    def sign_in():
        if principal == "anonymous":
            with client.session_transaction() as session:
                session.clear()
        else:
            log_in(users[principal])

    sign_in()
    forms: dict[tuple[str, str], FoundForm] = {}
    for routes in MATRIX.values():
        for route in routes:
            if route.method == "GET" and route.expected[principal] == ALLOWED and not route.path.endswith(DOWNLOADS):
                path = route.path.format(**values)
                response = client.get(path)
                if response.mimetype == "text/html":
                    for key, form in forms_on(path, response.get_data(as_text=True)).items():
                        forms.setdefault(key, form)
                response.close()  # a download streams its file until then
    db.session.commit()  # the scenario is what every savepoint below starts from, and returns to
    connection = db.session.connection()
    scenario_tables = table_digests()

    for case in cases(app, principal, values, forms):

        @settings(
            max_examples=EXAMPLES_ALLOWED if case.allowed else EXAMPLES_REFUSED,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(data=st.data())
        def fuzz(data):
            arguments = dict(case.arguments)
            for name in data.draw(st.sets(st.sampled_from(sorted(arguments))) if arguments else st.just(set())):
                arguments[name] = data.draw(hostile_text, label=f"argument {name}")
            query_names = [
                name
                for name, _ in forms.get(
                    ("GET", urlsplit(path_with(case.rule, case.arguments)).path), FoundForm("GET")
                ).fields
            ] + list(QUERY_ARGUMENTS)
            query = {
                name: data.draw(hostile_value, label=f"?{name}")
                for name in data.draw(st.sets(st.sampled_from(query_names), max_size=3))
            }
            form = case.form or FoundForm(case.method)
            posted = {}
            for name, value in form.fields:
                posted.setdefault(name, value)
            names = sorted(set(posted)) + ["unexpected"]
            for name in data.draw(st.sets(st.sampled_from(names), min_size=1)):
                posted[name] = data.draw(hostile_value, label=f"field {name}")
            for name in form.files:
                content, filename = data.draw(st.sampled_from(HOSTILE_FILES), label=f"file {name}")
                posted[name] = (io.BytesIO(content), filename)

            savepoint = connection.begin_nested()
            try:
                response = client.open(
                    path_with(case.rule, arguments),
                    method=case.method,
                    query_string=query,
                    data=posted if case.method == "POST" else None,
                )
                response.close()
                assert response.status_code < 500, response.status_code
                refused = 400 <= response.status_code < 500 or (case.method == "POST" and response.status_code < 300)
                if refused:
                    after = table_digests()
                    changed = [name for name in scenario_tables if scenario_tables[name] != after[name]]
                    assert changed == [], f"{response.status_code} changed {changed}"
            finally:
                savepoint.rollback()
                if case.rule.endpoint in SESSION_CHANGING:
                    sign_in()

        try:
            fuzz()
        except BaseException as error:
            error.add_note(f"{case.method} {case.rule.rule} as {principal}")
            raise
