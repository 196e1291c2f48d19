"""Needs forms: field checks only (the rules that need the clock or the catalogue live in services)."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from coop.inputs import Form, WholeNumberField
from coop.needs import rules
from coop.spreadsheets import ACCEPT, FORMATS_TEXT

NEEDED_BY_NOT_A_DATE = "Enter the date as YYYY-MM-DD."
FILE_MISSING = "Choose a CSV, XLSX or ODS file to import."
WINDOW_BACKWARDS = "The end of the window must be on or after its start."


def _quantity_in_range(form, field) -> None:
    if field.data < 1:
        raise ValidationError(rules.QUANTITY_NOT_WHOLE)
    if field.data > rules.MAX_QUANTITY:
        raise ValidationError(rules.QUANTITY_TOO_LARGE)


def _money(form, field) -> None:
    try:
        rules.parse_budget_cents(field.data)
    except ValueError as error:
        raise ValidationError(str(error)) from error


def item_choices(items, *, placeholder: str, keep_item=None) -> list[SelectChoice]:
    """Items grouped by category (``<optgroup>``), after a placeholder with value 0.

    ``keep_item`` is offered even when retired from the catalogue (a need may already name it).
    """
    choices = [SelectChoice(0, placeholder)]
    listed = list(items)
    if keep_item is not None and all(item.id != keep_item.id for item in listed):
        listed.append(keep_item)
        listed.sort(key=lambda item: (item.category.name, item.code))
    choices += [SelectChoice(item.id, f"{item.code} — {item.name}", optgroup=item.category.name) for item in listed]
    return choices


class NeedForm(Form):
    item_id = SelectField(
        "Item",
        coerce=int,
        validators=[InputRequired(message=rules.ITEM_UNKNOWN)],
        invalid_choice_message=rules.ITEM_UNKNOWN,
        invalid_value_message=rules.ITEM_UNKNOWN,
    )
    quantity = WholeNumberField(
        "Quantity",
        validators=[InputRequired(message="Enter a quantity."), _quantity_in_range],
        invalid_value_message=rules.QUANTITY_NOT_WHOLE,
        render_kw={"min": 1, "max": rules.MAX_QUANTITY, "step": 1},
    )
    needed_by = DateField(
        "Needed by",
        validators=[InputRequired(message="Enter the date the items are needed by.")],
        invalid_value_message=NEEDED_BY_NOT_A_DATE,
    )
    budget_cap = StringField(
        "Budget cap in dollars (optional)",
        validators=[Optional(), _money],
        description="The most your district would spend on this need, e.g. 12500.00.",
        render_kw={"inputmode": "decimal"},
    )
    erate_eligible = BooleanField("E-Rate eligible")
    spec_notes = TextAreaField(
        "Spec notes (optional)",
        validators=[Length(max=rules.MAX_SPEC_NOTES, message=rules.SPEC_NOTES_TOO_LONG)],
        description="Anything vendors must know beyond the catalogue spec.",
        render_kw={"rows": 3},
    )
    submit = SubmitField("Post need")

    def validate_item_id(self, field) -> None:
        if field.data == 0:
            raise ValidationError(rules.ITEM_UNKNOWN)

    @property
    def budget_cap_cents(self) -> int | None:
        return rules.parse_budget_cents(self.budget_cap.data)


class ConfirmForm(Form):
    """A POST with nothing but its CSRF token: withdraw."""

    submit = SubmitField("Withdraw this need")


class ImportForm(Form):
    file = FileField(
        # The label is the one the browser journeys find the input by; the description names ODS too.
        "Spreadsheet (CSV, XLSX or ODS)",
        validators=[FileRequired(message=FILE_MISSING)],
        description=FORMATS_TEXT,
        render_kw={"accept": ACCEPT},
    )
    submit = SubmitField("Import needs")


class DemandFilterForm(Form):
    """The demand view's filters, read from the query string."""

    class Meta:
        csrf = False  # a GET form that changes nothing

    category_id = SelectField(
        "Category",
        coerce=int,
        default=0,
        validators=[Optional()],
        invalid_choice_message="Choose a category from the list.",
        invalid_value_message="Choose a category from the list.",
    )
    item_id = SelectField(
        "Item",
        coerce=int,
        default=0,
        validators=[Optional()],
        invalid_choice_message="Choose an item from the list.",
        invalid_value_message="Choose an item from the list.",
    )
    region_id = SelectField(
        "Region",
        coerce=int,
        default=0,
        validators=[Optional()],
        invalid_choice_message="Choose a region from the list.",
        invalid_value_message="Choose a region from the list.",
    )
    needed_from = DateField("Needed by, from", validators=[Optional()], invalid_value_message=NEEDED_BY_NOT_A_DATE)
    needed_to = DateField("Needed by, to", validators=[Optional()], invalid_value_message=NEEDED_BY_NOT_A_DATE)

    def validate_needed_to(self, field) -> None:
        if field.data and self.needed_from.data and field.data < self.needed_from.data:
            raise ValidationError(WINDOW_BACKWARDS)
