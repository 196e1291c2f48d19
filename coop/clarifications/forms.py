"""Question, answer and addendum forms: field checks only (the clock, the RFP's state and its template are the services')."""

from __future__ import annotations

from datetime import UTC

from wtforms import (
    DateTimeLocalField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import AnyOf, InputRequired, Length, Optional

from coop.clarifications import services
from coop.inputs import Form, WholeNumberField
from coop.rfps.models import Rfp
from coop.rfps.template_library import RfpTemplate

DEADLINE_NOT_A_TIME = "Enter the deadline as a date and a time (UTC)."
QUANTITY_NOT_WHOLE = "The quantity must be a whole number of at least 1."


class AskForm(Form):
    text = TextAreaField(
        "Your question",
        validators=[
            InputRequired(message=services.QUESTION_REQUIRED),
            Length(max=services.MAX_QUESTION, message=services.QUESTION_TOO_LONG),
        ],
        description="The cooperative publishes its answer on this page for every vendor, without your name.",
        render_kw={"rows": 4, "maxlength": services.MAX_QUESTION},
    )
    submit = SubmitField("Ask the cooperative")


class FollowForm(Form):
    """Follow an RFP; ``back``: the page to return to, the RFP's (``board``) or the vendor's bid page (``bid``)."""

    back = HiddenField(default="board", validators=[Optional(), AnyOf(("board", "bid"))])
    submit = SubmitField("Follow this RFP")


class AnswerForm(Form):
    question = TextAreaField(
        "Question as published",
        validators=[
            InputRequired(message=services.QUESTION_REQUIRED),
            Length(max=services.MAX_QUESTION, message=services.QUESTION_TOO_LONG),
        ],
        description="Edit the wording if it names the asker or its products: the public reads it without the asker's name.",
        render_kw={"rows": 4},
    )
    answer = TextAreaField(
        "Answer",
        validators=[
            InputRequired(message=services.ANSWER_REQUIRED),
            Length(max=services.MAX_ANSWER, message=services.ANSWER_TOO_LONG),
        ],
        render_kw={"rows": 6},
    )
    submit = SubmitField("Publish the answer")


class DismissForm(Form):
    reason = TextAreaField(
        "Reason",
        validators=[
            InputRequired(message=services.REASON_REQUIRED),
            Length(max=services.MAX_ANSWER, message=services.ANSWER_TOO_LONG),
        ],
        description="Only the vendor who asked reads this, in its list of questions.",
        render_kw={"rows": 3},
    )
    submit = SubmitField("Dismiss the question")


def line_field(line_id: int, part: str) -> str:
    return f"line_{line_id}_{part}"


def spec_field_name(line_id: int, key: str) -> str:
    return line_field(line_id, f"spec_{key}")


def terms_field(key: str) -> str:
    return f"terms_{key}"


def field_name(target: tuple) -> str:
    """The form field a service ``Problem`` is about."""
    if target[0] == "line" and target[2] == "spec":
        return spec_field_name(target[1], target[3])
    if target[0] == "line":
        return line_field(target[1], target[2])
    if target[0] == "terms":
        return terms_field(target[1])
    return target[0]


class AddendumForm(Form):
    summary = TextAreaField(
        "Summary",
        validators=[
            InputRequired(message=services.SUMMARY_REQUIRED),
            Length(max=services.MAX_SUMMARY, message=services.SUMMARY_TOO_LONG),
        ],
        description="What changes and why, as vendors will read it.",
        render_kw={"rows": 3},
    )
    bid_deadline = DateTimeLocalField(
        "New bid deadline (UTC, optional)",
        validators=[Optional()],
        invalid_value_message=DEADLINE_NOT_A_TIME,
        tz=UTC,
        description="Leave empty to keep the deadline. Inside the last 7 days it moves to at least 7 days from now anyway.",
    )
    submit = SubmitField("Issue the addendum")

    # Filled by addendum_form(): the dynamic fields, grouped for the template.
    line_groups: list = []
    terms_names: list = []


def _spec_input(spec_field, value) -> object:
    label = spec_field.label + (f" ({spec_field.unit})" if spec_field.unit else "")
    if spec_field.kind == "choice":
        choices = [SelectChoice("", "—")] + [SelectChoice(str(option), str(option)) for option in spec_field.allowed]
        return SelectField(label, choices=choices, validate_choice=False, default=value)
    if spec_field.kind == "boolean":
        return SelectField(
            label,
            choices=[SelectChoice("", "—"), SelectChoice("yes", "Yes"), SelectChoice("no", "No")],
            validate_choice=False,
            default=value,
        )
    return StringField(label, default=value)


def addendum_form(rfp: Rfp, template: RfpTemplate | None, **kwargs) -> AddendumForm:
    """An addendum form for this RFP: one group of fields per line, then the terms, prefilled with the current values."""
    attributes: dict = {}
    groups = []
    for line in rfp.lines:
        names = {
            "line": line,
            "quantity": line_field(line.id, "quantity"),
            "description": line_field(line.id, "description"),
            "spec": [],
        }
        attributes[names["quantity"]] = WholeNumberField(
            "Quantity",
            validators=[InputRequired(message=services.QUANTITY_REQUIRED)],
            default=line.quantity,
            invalid_value_message=QUANTITY_NOT_WHOLE,
            render_kw={"min": 1, "step": 1},
        )
        attributes[names["description"]] = TextAreaField(
            "Description", default=line.description or "", render_kw={"rows": 2}
        )
        spec = line.spec or {}
        if template is not None:
            for spec_field in template.spec_fields:
                name = spec_field_name(line.id, spec_field.key)
                attributes[name] = _spec_input(spec_field, services.display_value(spec.get(spec_field.key)))
                names["spec"].append((spec_field.key, name))
        else:
            for key in sorted(spec):
                name = spec_field_name(line.id, key)
                attributes[name] = StringField(
                    key.replace("_", " ").capitalize(), default=services.display_value(spec[key])
                )
                names["spec"].append((key, name))
        groups.append(names)
    terms_names = []
    for key, value in services.current_terms(rfp, template).items():
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            continue  # structured terms are not edited here
        label = key.replace("_", " ").capitalize()
        if isinstance(value, int):
            attributes[terms_field(key)] = WholeNumberField(
                label, validators=[Optional()], default=value, invalid_value_message=f"{label} must be a whole number."
            )
        else:
            attributes[terms_field(key)] = TextAreaField(label, default=value, render_kw={"rows": 3})
        terms_names.append((key, terms_field(key)))
    form_class = type("RfpAddendumForm", (AddendumForm,), attributes)
    form = form_class(**kwargs)
    form.line_groups = groups
    form.terms_names = terms_names
    return form


def addendum_input(form: AddendumForm) -> services.AddendumInput:
    lines = tuple(
        services.LineChange(
            line_id=group["line"].id,
            quantity=form[group["quantity"]].data,
            description=form[group["description"]].data or "",
            spec={key: form[name].data for key, name in group["spec"]},
        )
        for group in form.line_groups
    )
    terms = {key: form[name].data for key, name in form.terms_names}
    return services.AddendumInput(
        summary=form.summary.data or "", lines=lines, terms=terms, bid_deadline=form.bid_deadline.data
    )
