"""What every request's text must be before any view reads it, and how forms read whole numbers from it.

PostgreSQL's text cannot hold a NUL character: one in a form field, a query argument or a part of the path would
fail the first statement that uses it (an error page on PostgreSQL, a stored NUL on SQLite). No field of Coop
takes one, so a request carrying one is refused as a whole, naming the field, before anything is read or written.
"""

from __future__ import annotations

import wtforms
from flask import abort, request
from wtforms.validators import StopValidation

NUL_IN_FIELD = 'The field "{name}" contains a NUL character (\\0), which no text may hold. Remove it and try again.'


def refuse_nul_characters() -> None:
    """A ``before_request`` hook: a 400 naming the first field, argument or path part that holds a NUL character."""
    texts = [
        *request.form.items(multi=True),
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

    def pre_validate(self, form) -> None:
        if self.process_errors and self.raw_data and self.raw_data[0].strip():
            raise StopValidation()
