"""One vocabulary for what a use case refuses, and one way to show it on a form.

A :class:`Refusal` is one reason, about the request as a whole or about one form
field. A :class:`Rejection` is every problem of an input at once (a form, a
spreadsheet), each :class:`Problem` naming where it is: its line and column in a
file, or its form field. Services raise them; their unit of work has already rolled
back (:func:`coop.transactions.unit_of_work`), so nothing was written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import flash
from flask_wtf import FlaskForm


class Refusal(ValueError):
    """A request refused; ``field`` names the form field at fault, or is ``None`` for the request as a whole."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __repr__(self) -> str:
        return f"Refusal({self.message!r}, field={self.field!r})"


def required_text(raw: str | None, field: str, *, maximum: int, required: str, too_long: str) -> str:
    """``raw`` without its surrounding spaces, or a :class:`Refusal` naming ``field``: ``required`` when nothing is
    left, ``too_long`` past ``maximum`` characters."""
    text = (raw or "").strip()
    if not text:
        raise Refusal(required, field)
    if len(text) > maximum:
        raise Refusal(too_long, field)
    return text


@dataclass(frozen=True)
class Problem:
    """One reason an input is rejected, and where, each ``None`` when it has none: the ``line`` a spreadsheet
    program shows (the header is 1) and the ``column`` of a file, and its ``sheet`` in a workbook; or the form
    ``field``, a name or a path of names and indexes into a nested input (see :mod:`coop.bids.rules`)."""

    message: str
    line: int | None = None
    column: str | None = None
    field: str | tuple | None = None
    sheet: str | None = None

    @property
    def place(self) -> str:
        """Where the problem is in a workbook, in words: ``Bid sheet line 3, column "tier2_price"``; empty for the
        whole file."""
        if self.sheet is None:
            return ""
        place = f"{self.sheet} sheet" + (f" line {self.line}" if self.line is not None else "")
        return place + (f', column "{self.column}"' if self.column is not None else "")


class Rejection(ValueError):
    """An input rejected for every one of its ``problems``."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__("; ".join(problem.message for problem in self.problems))


def show_on_form(form: FlaskForm, error: Refusal | Rejection, *, category: str = "warning") -> bool:
    """Put the refusal (or each problem) on its form field; what names no field of ``form`` is flashed instead.

    Returns whether everything went on the form (the caller shows the form again), rather than into a flash
    (the caller may send the user back where the flash belongs).
    """
    problems = error.problems if isinstance(error, Rejection) else [Problem(error.message, field=error.field)]
    on_form = True
    for problem in problems:
        field = form[problem.field] if isinstance(problem.field, str) and problem.field in form else None
        if field is None:
            flash(problem.message, category)
            on_form = False
        else:
            field.errors = [*field.errors, problem.message]
    return on_form
