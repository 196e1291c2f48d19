"""Sign-up and sign-in forms: field checks only."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import URL, DataRequired, Email, EqualTo, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from coop.inputs import Form, WholeNumberField
from coop.orgs.models import OrganisationKind

MAX_ENROLLMENT = 2_000_000  # beyond the largest US district's
ENROLLMENT_RANGE = f"Enrollment must be a whole number of students from 1 to {MAX_ENROLLMENT:,}."

US_STATES = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK "
    "OR PA RI SC SD TN TX UT VT VA WA WV WI WY"
).split()

MIN_PASSWORD_LENGTH = 10
NEW_PASSWORD_VALIDATORS = [
    DataRequired(),
    Length(min=MIN_PASSWORD_LENGTH, message=f"Use at least {MIN_PASSWORD_LENGTH} characters."),
]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SignInForm(Form):
    email = EmailField("E-mail", validators=[DataRequired(), Email()])
    password = PasswordField("Password", validators=[DataRequired()])
    remember = BooleanField("Keep me signed in on this device")
    submit = SubmitField("Sign in")


class SignUpForm(Form):
    """One form for both kinds of organisation; the kind decides which fields are required."""

    kind = RadioField(
        "Organisation type",
        choices=[
            SelectChoice(OrganisationKind.DISTRICT.value, "School district"),
            SelectChoice(OrganisationKind.VENDOR.value, "Vendor"),
        ],
        validators=[DataRequired()],
    )
    organisation_name = StringField("Organisation name", validators=[DataRequired(), Length(max=200)])
    # District fields
    state = SelectField(
        "State", choices=[SelectChoice("", "—")] + [SelectChoice(s, s) for s in US_STATES], validators=[Optional()]
    )
    region_id = SelectField("Region", coerce=int, validators=[Optional()])
    enrollment = WholeNumberField(
        "Enrollment (students)",
        invalid_value_message=ENROLLMENT_RANGE,
        validators=[Optional(), NumberRange(min=1, max=MAX_ENROLLMENT, message=ENROLLMENT_RANGE)],
    )
    nces_id = StringField(
        "NCES district ID (optional)",
        validators=[Optional(), Regexp(r"^\d{7}$", message="An NCES district ID is 7 digits.")],
    )
    # Vendor fields
    region_ids = MultiCheckboxField("Regions served", coerce=int, validators=[Optional()])
    website = StringField("Website", validators=[Optional(), URL(), Length(max=300)])
    contact_phone = StringField("Phone", validators=[Optional(), Length(max=40)])
    # The first user
    name = StringField("Your name", validators=[DataRequired(), Length(max=200)])
    email = EmailField("E-mail", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField("Password", validators=NEW_PASSWORD_VALIDATORS)
    confirm = PasswordField(
        "Repeat the password", validators=[DataRequired(), EqualTo("password", message="The passwords differ.")]
    )
    submit = SubmitField("Create account")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Which fields are required depends on the kind; Optional() would stop an inline check on an empty field.
        required = {
            OrganisationKind.DISTRICT.value: [
                (self.state, "A district needs its state."),
                (self.region_id, "A district needs its region."),
                (self.enrollment, "A district needs its enrollment."),
            ],
            OrganisationKind.VENDOR.value: [(self.region_ids, "Choose at least one region you serve.")],
        }
        for field, message in required.get(self.kind.data, []):
            if not field.data and not field.errors:
                field.errors.append(message)
                valid = False
        return valid


class ChangePasswordForm(Form):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    password = PasswordField("New password", validators=NEW_PASSWORD_VALIDATORS)
    confirm = PasswordField(
        "Repeat the new password", validators=[DataRequired(), EqualTo("password", message="The passwords differ.")]
    )
    submit = SubmitField("Change password")


class CooperativeForm(Form):
    """The cooperative and its first administrator, as ``flask --app coop coop init`` takes them."""

    cooperative_name = StringField("Cooperative name", validators=[DataRequired(), Length(max=200)])
    name = StringField("Administrator's name", validators=[DataRequired(), Length(max=200)])
    email = EmailField("Administrator's e-mail", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField("Administrator's password", validators=NEW_PASSWORD_VALIDATORS)
