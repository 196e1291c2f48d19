"""The scoring form of one bid: points and a comment per non-price criterion (field checks only)."""

from __future__ import annotations

from wtforms import SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from coop.evaluation import services
from coop.inputs import Form, WholeNumberField


class ScoreFormBase(Form):
    submit = SubmitField("Save the scores")

    #: Filled by :func:`score_form`: ``[(criterion, points field name, comment field name), ...]``.
    criteria_fields: list = []


def score_form(bid_id: int, criteria: list[dict], **kwargs) -> ScoreFormBase:
    """The bid's form, one points field and one comment field per criterion, prefixed so that many fit one page."""
    attributes: dict = {}
    names = []
    for criterion in criteria:
        key, label = criterion["key"], criterion["label"]
        points, comment = services.points_field(key), services.comment_field(key)
        attributes[points] = WholeNumberField(
            f"{label}: points (0 to 100)",
            invalid_value_message=services.points_range(label),
            validators=[Optional()],  # the range is the service's, so that it is reported beside a missing comment
            render_kw={"min": 0, "max": 100, "step": 1, "inputmode": "numeric"},
        )
        attributes[comment] = TextAreaField(
            f"{label}: comment",
            render_kw={"rows": 2},
            validators=[Length(max=services.MAX_COMMENT, message=services.comment_too_long(label))],
        )
        names.append((criterion, points, comment))
    form_class = type("BidScoreForm", (ScoreFormBase,), attributes)
    form = form_class(prefix=f"bid{bid_id}", **kwargs)
    form.criteria_fields = names
    return form


def typed_scores(form: ScoreFormBase) -> dict[str, services.CriterionScore]:
    return {
        criterion["key"]: services.CriterionScore(form[points].data, form[comment].data or "")
        for criterion, points, comment in form.criteria_fields
    }
