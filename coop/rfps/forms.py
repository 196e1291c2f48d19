"""RFP forms: field checks only (the rules that need the clock, the template or the database live in services)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from coop.inputs import Form, WholeNumberField
from coop.needs.forms import DemandFilterForm  # the pooling page filters demand as the demand view does
from coop.rfps import queries
from coop.rfps.template_library import RfpTemplate, SpecField

DATE_NOT_A_DATE = "Enter the date as YYYY-MM-DD."
DEADLINE_NOT_A_TIME = "Enter the date and time, like 2026-05-01 17:00."
WINDOW_DAYS_RANGE = f"The needed-by window must be a whole number of days from 1 to {queries.MAX_WINDOW_DAYS}."
TCO_YEARS_RANGE = "Total-cost-of-ownership years must be a whole number from 1 to 10."
WEIGHT_RANGE = "Each criterion weight must be a whole number from 1 to 100."
MINIMUM_SCORE_RANGE = "The minimum non-price score must be a whole number from 0 to 100."

# The deadline is typed in one of these zones and stored in UTC.
TIME_ZONES = (
    "UTC",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
)


class PoolFilterForm(DemandFilterForm):
    """The pooling page's filters: those of the demand view, plus the needed-by window."""

    window_days = WholeNumberField(
        "Needed-by window (days)",
        default=queries.DEFAULT_WINDOW_DAYS,
        invalid_value_message=WINDOW_DAYS_RANGE,
        validators=[Optional(), NumberRange(min=1, max=queries.MAX_WINDOW_DAYS, message=WINDOW_DAYS_RANGE)],
        description="Needs of one category needed by within this many days of the pool's earliest need are pooled together.",
    )


class PoolForm(Form):
    """Create a draft RFP from one proposed pool."""

    pool_key = HiddenField()
    category_id = HiddenField()
    need_ids = SelectMultipleField(
        "Needs to pool",
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        invalid_choice_message="Choose needs from this pool only.",
    )
    template_key = SelectField("RFP template", invalid_choice_message="Choose the RFP template for this category.")
    title = StringField("Title", validators=[InputRequired(message="Give the RFP a title."), Length(max=300)])
    tco_years = WholeNumberField(
        "Total cost of ownership over (years)",
        default=4,
        invalid_value_message=TCO_YEARS_RANGE,
        validators=[InputRequired(message=TCO_YEARS_RANGE), NumberRange(min=1, max=10, message=TCO_YEARS_RANGE)],
    )
    submit = SubmitField("Create draft RFP")


def template_choices(library: dict[str, RfpTemplate]) -> list[SelectChoice]:
    return [SelectChoice("", "Choose a template…")] + [
        SelectChoice(template.key, template.title) for template in sorted(library.values(), key=lambda t: t.title)
    ]


class DeadlineForm(Form):
    """A deadline typed in a chosen time zone; :attr:`utc` is the moment in UTC."""

    deadline = DateTimeLocalField(
        "Deadline",
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        validators=[InputRequired(message=DEADLINE_NOT_A_TIME)],
        invalid_value_message=DEADLINE_NOT_A_TIME,
    )
    time_zone = SelectField(
        "Time zone of the deadline",
        default="UTC",
        choices=[SelectChoice(zone, zone) for zone in TIME_ZONES],
        invalid_choice_message="Choose a time zone from the list.",
    )
    submit = SubmitField("Save")

    @property
    def utc(self) -> datetime:
        typed = self.deadline.data.replace(tzinfo=ZoneInfo(self.time_zone.data))
        try:
            return typed.astimezone(UTC)
        except OverflowError:
            # Beyond the first or last moment a datetime holds (9999-12-31 23:59 in Los Angeles is in the year 10000):
            # that end, which the services refuse as in the past or too far ahead.
            return (datetime.min if typed.year == datetime.min.year else datetime.max).replace(tzinfo=UTC)


class CancelForm(Form):
    reason = TextAreaField("Reason for cancelling", validators=[Length(max=2000)], render_kw={"rows": 3})
    submit = SubmitField("Cancel this RFP")


class ActionForm(Form):
    """A POST with nothing but its CSRF token."""

    submit = SubmitField("Go")


class CommitmentForm(Form):
    named_publicly = BooleanField("Name our district publicly on this RFP")
    confirm = SubmitField("Confirm")
    withdraw = SubmitField("Withdraw")


class DetailsFormBase(Form):
    title = StringField("Title", validators=[InputRequired(message="Give the RFP a title."), Length(max=300)])
    tco_years = WholeNumberField(
        "Total cost of ownership over (years)",
        invalid_value_message=TCO_YEARS_RANGE,
        validators=[InputRequired(message=TCO_YEARS_RANGE), NumberRange(min=1, max=10, message=TCO_YEARS_RANGE)],
    )
    erate_eligible = BooleanField("E-Rate eligible (FCC Form 470 rules apply)")
    form470_number = StringField("FCC Form 470 number", validators=[Optional(), Length(max=30)])
    form470_date = DateField("FCC Form 470 date", validators=[Optional()], invalid_value_message=DATE_NOT_A_DATE)
    minimum_score = WholeNumberField(
        "Minimum non-price score (0 to 100)",
        invalid_value_message=MINIMUM_SCORE_RANGE,
        validators=[Optional(), NumberRange(min=0, max=100, message=MINIMUM_SCORE_RANGE)],
        description="A bid whose weighted score on the non-price criteria is below it is set aside. "
        "Left empty, the RFP keeps its minimum.",
    )
    submit = SubmitField("Save details")


def details_form_class(criteria: list[dict]) -> type[DetailsFormBase]:
    """The details form with one weight field per criterion of the RFP (``weight_<key>``)."""
    fields = {
        f"weight_{criterion['key']}": WholeNumberField(
            criterion["label"],
            invalid_value_message=WEIGHT_RANGE,
            validators=[InputRequired(message=WEIGHT_RANGE), NumberRange(min=1, max=100, message=WEIGHT_RANGE)],
        )
        for criterion in criteria
    }
    return type("DetailsForm", (DetailsFormBase,), fields)


def _spec_form_field(spec_field: SpecField):
    label = f"{spec_field.label}{' (' + spec_field.unit + ')' if spec_field.unit else ''}"
    comparison = {"at_least": "at least", "at_most": "at most", "exactly": ""}[spec_field.comparison]
    description = f"Vendors must offer {comparison} this value." if comparison else ""
    if spec_field.kind == "choice":
        return SelectField(
            label,
            choices=[SelectChoice("", "—")] + [SelectChoice(str(option), str(option)) for option in spec_field.allowed],
            validate_choice=False,
            description=description,
        )
    if spec_field.kind == "boolean":
        return SelectField(
            label,
            choices=[SelectChoice("", "—"), SelectChoice("yes", "Required"), SelectChoice("no", "Not required")],
            validate_choice=False,
        )
    return StringField(label, description=description)  # checked by the template's field in the service


def line_form_class(template: RfpTemplate):
    """A form for one line: its description and one field per spec field of the template (``spec_<key>``)."""
    fields = {f"spec_{spec_field.key}": _spec_form_field(spec_field) for spec_field in template.spec_fields}
    fields["description"] = TextAreaField(
        "Description", render_kw={"rows": 2}, description="Performance terms only: a brand needs “or equal”."
    )
    fields["submit"] = SubmitField("Save line")
    return type("LineForm", (Form,), fields)


def spec_for_form(spec_field: SpecField, value) -> str:
    """A stored spec value as its form field shows it."""
    if value is None:
        return ""
    if spec_field.kind == "boolean" and isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
