"""Billing forms: field checks only (the dues bands, the percentage and the amounts are read by the services)."""

from __future__ import annotations

from wtforms import SelectChoice, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from coop.billing.services import CURRENCIES, MAX_TERMS_DAYS
from coop.inputs import Form, WholeNumberField

YEAR_MISSING = "Enter the membership year as the year it starts in, like 2026."


class FeeScheduleForm(Form):
    dues_bands = TextAreaField(
        "Membership dues by enrollment band",
        validators=[
            DataRequired(message="Enter at least one dues band, the last one * for every larger district."),
            Length(max=2000, message="Use at most 2,000 characters."),
        ],
        render_kw={"rows": 5},
        description="One band a line: the largest enrollment of the band and its annual dues in dollars, like "
        "2500 750.00; the last line * and the dues of every larger district.",
    )
    admin_fee_percent = StringField(
        "Administrative fee (% of awarded value)",
        validators=[
            DataRequired(message="Enter the administrative fee as a percentage between 0 and 100, like 2 or 1.5."),
            Length(max=20),
        ],
    )
    admin_fee_minimum = StringField(
        "Minimum fee per award ($)",
        validators=[DataRequired(message="Enter the minimum fee per award in dollars, like 25.00."), Length(max=30)],
    )
    currency = SelectField("Currency", choices=[SelectChoice(code, code) for code in CURRENCIES])
    payment_terms_days = WholeNumberField(
        "Payment terms (days: net 30 is 30)",
        validators=[
            InputRequired(message=f"Enter the payment terms in days, from 1 to {MAX_TERMS_DAYS}."),
            NumberRange(
                min=1, max=MAX_TERMS_DAYS, message=f"Enter the payment terms in days, from 1 to {MAX_TERMS_DAYS}."
            ),
        ],
    )
    submit = SubmitField("Save the fee schedule")


class DuesRunForm(Form):
    year = WholeNumberField(
        "Membership year starting in",
        validators=[InputRequired(message=YEAR_MISSING), NumberRange(min=2000, max=2200, message=YEAR_MISSING)],
    )
    submit = SubmitField("Invoice this year's dues")
