"""Award round forms: field checks only (whether the RFP may have a round is the services' to say)."""

from __future__ import annotations

from wtforms import BooleanField, SelectChoice, SelectField, SubmitField
from wtforms.validators import InputRequired, NumberRange, Optional

from coop.awards import adapters
from coop.inputs import Form, WholeNumberField

MAX_VENDOR_CAP = 100
MIN_TIME_LIMIT_S = 5
MAX_TIME_LIMIT_S = 600
DEFAULT_TIME_LIMIT_S = 60

VENDOR_CAP_RANGE = f"The vendor cap must be a whole number from 1 to {MAX_VENDOR_CAP}, or blank for no cap."
TIME_LIMIT_RANGE = f"The time limit must be a whole number of seconds from {MIN_TIME_LIMIT_S} to {MAX_TIME_LIMIT_S}."
SHARE_RULE_UNKNOWN = "Choose one of the share rules listed."

# The engine's rules in words (pricing/FORMAT.md, "Sharing rules"); a rule the engine adds shows by its name.
SHARE_RULE_LABELS = {
    "capped_equal_price": "Capped equal price: every district pays the achieved price, capped at its standalone cost",
    "least_core": "Least core: no group of districts gains by leaving, as far as possible",
    "equal_price": "Equal price: every district pays the achieved price, as invoiced",
    "proportional": "Proportional: every district saves the same fraction of its standalone cost",
    "shapley": "Shapley value: each district's extra cost averaged over joining orders",
}


def share_rule_label(rule: str) -> str:
    return SHARE_RULE_LABELS.get(rule, rule)


class RoundOptionsForm(Form):
    """The rules of a new award round."""

    max_vendors_per_item = WholeNumberField(
        "Vendor cap per line",
        invalid_value_message=VENDOR_CAP_RANGE,
        validators=[Optional(), NumberRange(min=1, max=MAX_VENDOR_CAP, message=VENDOR_CAP_RANGE)],
        description="The most vendors awarded on one line; blank for no cap.",
    )
    split_district_demand = BooleanField(
        "A district's quantity of a line may be split among vendors",
        description="Unticked, each district's quantity of a line goes whole to one vendor.",
    )
    share_rule = SelectField(
        "Share rule",
        default=adapters.DEFAULT_SHARE_RULE,
        invalid_choice_message=SHARE_RULE_UNKNOWN,
        choices=[
            SelectChoice(rule, share_rule_label(rule) + (" (default)" if rule == adapters.DEFAULT_SHARE_RULE else ""))
            for rule in adapters.SHARE_RULE_NAMES
        ],
        validators=[InputRequired(message=SHARE_RULE_UNKNOWN)],
    )
    time_limit_s = WholeNumberField(
        "Time limit (seconds)",
        default=DEFAULT_TIME_LIMIT_S,
        invalid_value_message=TIME_LIMIT_RANGE,
        validators=[
            InputRequired(message=TIME_LIMIT_RANGE),
            NumberRange(min=MIN_TIME_LIMIT_S, max=MAX_TIME_LIMIT_S, message=TIME_LIMIT_RANGE),
        ],
        description="For the pooled solve, and for each standalone and coalition solve.",
    )
    submit = SubmitField("Run the round")

    def options(self) -> adapters.RoundOptions:
        return adapters.RoundOptions(
            max_vendors_per_item=self.max_vendors_per_item.data,
            split_district_demand=self.split_district_demand.data,
            share_rule=self.share_rule.data,
            time_limit_s=self.time_limit_s.data,
        )


class RoundActionForm(Form):
    """A button on a round (cancel, re-run): the CSRF token only."""

    submit = SubmitField()
