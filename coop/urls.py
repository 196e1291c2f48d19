"""URLs: whole numbers in them (ids, addendum numbers, document versions, page numbers), as the database can hold
them, the random keys that name per-bid records, and links to pages for e-mails.

A number beyond what an INTEGER column holds names nothing that exists: it is a 404, like any other id that is
not there, and never reaches the database, whose driver would fail on it (PostgreSQL: "integer out of range";
SQLite: "Python int too large to convert to SQLite INTEGER").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from math import ceil
from typing import Any

from flask import abort, current_app, has_request_context, request, url_for
from werkzeug.routing import BaseConverter, IntegerConverter

#: The largest value of an INTEGER column on PostgreSQL (SQLite's are wider): every id and number in a URL.
MAX_URL_INTEGER = 2**31 - 1

_WHOLE = re.compile(rf"[0-9]{{1,{len(str(MAX_URL_INTEGER))}}}")


class BoundedIntegerConverter(IntegerConverter):
    """``<int:...>`` in every route: a whole number from 0 to :data:`MAX_URL_INTEGER`, or no match (a 404)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_URL_INTEGER)
        super().__init__(map, *args, **kwargs)


class RandomKeyConverter(BaseConverter):
    """``<key:...>``: a record's random key (``secrets.token_urlsafe(16)``, 22 URL-safe characters), or no match (a 404).

    A key of any other shape names nothing, so it never reaches a query.
    """

    regex = r"[A-Za-z0-9_-]{22}"


def whole_argument(name: str) -> int | None:
    """The query argument ``name`` as a whole number from 1 to :data:`MAX_URL_INTEGER`; ``None`` when absent or blank.

    Anything else (text, a negative, a fraction, a number too large to exist) is a 404: the link names nothing.
    """
    text = request.args.get(name, "")
    if not text:
        return None
    if _WHOLE.fullmatch(text) is None or not 1 <= int(text) <= MAX_URL_INTEGER:
        abort(404)
    return int(text)


def page_number() -> int:
    """The ``?page=`` of a paginated list: 1 when absent; a 404 for anything but a page number that can exist."""
    return whole_argument("page") or 1


def arguments_but_page() -> dict[str, str]:
    """The request's query arguments (a list's filter) without ``page``: for links to the list's other pages."""
    return {name: value for name, value in request.args.items() if name != "page"}


@dataclass(frozen=True)
class ListPage:
    """One page of a list computed in Python (pools, demand per item), with what the pagination macro
    (``_pagination.html``) reads of a Flask-SQLAlchemy page; a page past the end shows the last one."""

    items: Sequence[Any]
    page: int
    pages: int
    total: int
    first: int  # the 1-based position of the page's first item (0 when the list is empty)
    last: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None


def list_page(items: Sequence[Any], page: int, per_page: int) -> ListPage:
    """Page ``page`` (from 1) of ``items``, ``per_page`` at a time."""
    pages = max(1, ceil(len(items) / per_page))
    page = min(page, pages)
    start = (page - 1) * per_page
    shown = items[start : start + per_page]
    return ListPage(shown, page, pages, len(items), start + 1 if shown else 0, start + len(shown))


def page_link(endpoint: str, **values) -> str:
    """A page's URL for an e-mail: absolute when a request tells the host, else its path (a job or the CLI)."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    return current_app.url_map.bind("").build(endpoint, values)
