"""What every request's text must be before any view reads it, and how forms read it.

PostgreSQL's text cannot hold a NUL character: one in a form field, a query argument or a part of the path would
fail the first statement that uses it (an error page on PostgreSQL, a stored NUL on SQLite). No field of Coop
takes one. A query argument or a path part that holds one is refused with the whole request, naming it, before
anything is read: there is no form to show it on. A form field that holds one is refused by its form (every form
is a :class:`Form`), on that field and by its label, with the form kept as typed; every view validates its form
before it reads it, and nothing else reads a posted field's text.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Iterator

import wtforms
from flask import abort, request
from flask_wtf import FlaskForm
from wtforms.validators import StopValidation

NUL_IN_FIELD = 'The field "{name}" contains a NUL character (\\0), which no text may hold. Remove it and try again.'
NUL_IN_FORM_FIELD = "{label} contains a NUL character (\\0), which no text may hold. Remove it and try again."


def refuse_nul_characters() -> None:
    """A ``before_request`` hook: a 400 naming the first query argument or path part that holds a NUL character."""
    texts = [
        *request.args.items(multi=True),
        *((name, value) for name, value in (request.view_args or {}).items() if isinstance(value, str)),
    ]
    for name, value in texts:
        if "\x00" in name or "\x00" in value:
            abort(400, description=NUL_IN_FIELD.format(name=name.replace("\x00", "\\0")))


class WholeNumberField(wtforms.IntegerField):
    """WTForms' ``IntegerField``, checked no further once the text typed is not a whole number (``abc``, ``NaN``,
    ``1e309``): its message says it all, and the range check after it would add its own about a number that is not
    there, often the same words again. Blank text is left to ``Optional`` or ``InputRequired``, which say what a
    blank field means."""

    def process_formdata(self, valuelist) -> None:
        super().process_formdata(valuelist)
        # A whole number of 309 digits or more is beyond what a float holds, and the range checks (NumberRange
        # asks math.isnan) would fail on it: as an infinity it is simply out of every range.
        if isinstance(self.data, int) and abs(self.data) > sys.float_info.max:
            self.data = math.inf if self.data > 0 else -math.inf

    def pre_validate(self, form) -> None:
        if self.process_errors and self.raw_data and self.raw_data[0].strip():
            raise StopValidation()


class Form(FlaskForm):
    """Every form of Coop: a field whose text holds a NUL character is refused with that one message, by its label."""

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in _leaf_fields(self):
            if any(isinstance(text, str) and "\x00" in text for text in field.raw_data or ()):
                field.errors = [NUL_IN_FORM_FIELD.format(label=field.label.text)]
                valid = False
        return valid


def _leaf_fields(fields: Iterable[wtforms.Field]) -> Iterator[wtforms.Field]:
    """The fields that hold text, inside lists and nested forms too."""
    for field in fields:
        if isinstance(field, wtforms.FormField):
            yield from _leaf_fields(field.form)
        elif isinstance(field, wtforms.FieldList):
            yield from _leaf_fields(field.entries)
        else:
            yield field
