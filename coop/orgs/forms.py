"""Organisation profile forms: field checks only (a name another organisation uses is refused by the services)."""

from __future__ import annotations

from urllib.parse import urlsplit

from wtforms import EmailField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from coop.inputs import Form
from coop.orgs.services import CATEGORIES_INVALID, NAME_MISSING, REGIONS_INVALID, REGIONS_MISSING

CONTACT_NAME_MISSING = "Enter the name of the person to contact."
CONTACT_EMAIL_MISSING = "Enter the e-mail address of the person to contact."
CONTACT_EMAIL_INVALID = "Enter an e-mail address like name@example.com."
WEBSITE_INVALID = "Enter the full address of your website, starting with https://."

MAX_DESCRIPTION = 4000
MAX_POSTAL_ADDRESS = 500


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _web_address(form, field) -> None:
    # Only http(s): the address becomes a link on the profile and review pages, and a javascript: link would run.
    parts = urlsplit((field.data or "").strip())
    if parts.scheme not in ("http", "https") or "." not in parts.netloc:
        raise ValidationError(WEBSITE_INVALID)


def _too_long(limit: int) -> Length:
    return Length(max=limit, message=f"Use at most {limit:,} characters.")


class ProfileForm(Form):
    """What every organisation's users may change: its name and who to contact."""

    name = StringField("Name", validators=[DataRequired(message=NAME_MISSING), _too_long(200)])
    contact_name = StringField("Contact name", validators=[DataRequired(message=CONTACT_NAME_MISSING), _too_long(200)])
    contact_email = EmailField(
        "Contact e-mail",
        validators=[DataRequired(message=CONTACT_EMAIL_MISSING), Email(message=CONTACT_EMAIL_INVALID), _too_long(254)],
    )
    contact_phone = StringField("Contact phone (optional)", validators=[Optional(), _too_long(40)])
    submit = SubmitField("Save profile")


class VendorProfileForm(ProfileForm):
    name = StringField("Company name", validators=[DataRequired(message=NAME_MISSING), _too_long(200)])
    website = StringField(
        "Website", validators=[Optional(), _web_address, _too_long(300)], render_kw={"placeholder": "https://"}
    )
    description = TextAreaField(
        "What you sell",
        validators=[_too_long(MAX_DESCRIPTION)],
        render_kw={"rows": 4},
        description="A few lines for districts and the cooperative: products, services, certifications.",
    )
    postal_address = TextAreaField("Postal address", validators=[_too_long(MAX_POSTAL_ADDRESS)], render_kw={"rows": 3})
    region_ids = MultiCheckboxField(
        "Regions served",
        coerce=int,
        validators=[DataRequired(message=REGIONS_MISSING)],
        invalid_choice_message=REGIONS_INVALID,
        invalid_value_message=REGIONS_INVALID,
    )
    category_ids = MultiCheckboxField(
        "Categories you sell",
        coerce=int,
        validators=[Optional()],
        invalid_choice_message=CATEGORIES_INVALID,
        invalid_value_message=CATEGORIES_INVALID,
        description="You are e-mailed when an RFP of one of these categories is published in a region you serve.",
    )
