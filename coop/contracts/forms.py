"""Forms of the fairness gate, protests, decisions and the final award: field checks only."""

from __future__ import annotations

from wtforms import BooleanField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from coop.contracts import services
from coop.inputs import Form, WholeNumberField


class PublishForm(Form):
    protest_days = WholeNumberField(
        "Protest period (days)",
        invalid_value_message=services.PROTEST_DAYS_RANGE,
        validators=[
            Optional(),
            NumberRange(
                min=services.MIN_PROTEST_DAYS, max=services.MAX_PROTEST_DAYS, message=services.PROTEST_DAYS_RANGE
            ),
        ],
        description=f"From {services.MIN_PROTEST_DAYS} to {services.MAX_PROTEST_DAYS} days; bidders may protest "
        "until it ends.",
    )
    confirm = BooleanField("I have read the fairness check and publish this round all the same")
    reason = TextAreaField(
        "Reason",
        validators=[Length(max=services.MAX_TEXT, message=services.TEXT_TOO_LONG)],
        description="Kept in the RFP's audit log.",
        render_kw={"rows": 3},
    )
    submit = SubmitField("Publish the notice of intent to award")


class ProtestForm(Form):
    grounds = TextAreaField(
        "Grounds of the protest",
        validators=[
            InputRequired(message=services.GROUNDS_REQUIRED),
            Length(max=services.MAX_TEXT, message=services.TEXT_TOO_LONG),
        ],
        description="What in the notice of intent is wrong, and why. The cooperative decides in writing.",
        render_kw={"rows": 6, "maxlength": services.MAX_TEXT},
    )
    submit = SubmitField("File the protest")


class DecisionForm(Form):
    decision = TextAreaField(
        "Written decision",
        validators=[
            InputRequired(message=services.DECISION_REQUIRED),
            Length(max=services.MAX_TEXT, message=services.TEXT_TOO_LONG),
        ],
        description="Sent to the protesting vendor. Upholding the protest cancels the notice of intent.",
        render_kw={"rows": 4},
    )
    deny = SubmitField("Deny the protest")
    uphold = SubmitField("Uphold the protest")


class FinaliseForm(Form):
    submit = SubmitField("Make the award final and issue the purchase orders")


class CancelLineForm(Form):
    reason = TextAreaField(
        "Why is the line cancelled?",
        validators=[
            InputRequired(message=services.CANCEL_REASON_REQUIRED),
            Length(max=services.MAX_TEXT, message=services.TEXT_TOO_LONG),
        ],
        description="Sent to the district and the vendor; the cooperative's fee on the line is credited.",
        render_kw={"rows": 2},
    )
    submit = SubmitField("Cancel the line")
