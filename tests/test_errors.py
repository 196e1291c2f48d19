"""One error vocabulary: a refusal or a rejection shown on its form field or flashed, and LookupError as 404."""

from __future__ import annotations

from flask import get_flashed_messages
from flask_wtf import FlaskForm
from wtforms import StringField

from coop.access import public
from coop.errors import Problem, Refusal, Rejection, show_on_form


class QuestionForm(FlaskForm):
    text = StringField("Question")


def test_a_refusal_naming_a_field_is_shown_on_it(app):
    with app.test_request_context(method="POST"):
        form = QuestionForm()
        assert show_on_form(form, Refusal("Enter your question.", "text"))
        assert form.text.errors == ["Enter your question."]
        assert get_flashed_messages() == []


def test_a_refusal_of_the_whole_request_is_flashed(app):
    with app.test_request_context(method="POST"):
        form = QuestionForm()
        assert not show_on_form(form, Refusal("Questions can be asked only while the RFP is open for bids."))
        assert form.text.errors == ()
        assert get_flashed_messages(with_categories=True) == [
            ("warning", "Questions can be asked only while the RFP is open for bids.")
        ]


def test_a_rejection_puts_each_problem_on_its_field_and_flashes_the_rest(app):
    with app.test_request_context(method="POST"):
        form = QuestionForm()
        rejection = Rejection(
            [Problem("Enter your question.", field="text"), Problem('Unknown column "price".', line=1, column="price")]
        )
        assert not show_on_form(form, rejection)
        assert form.text.errors == ["Enter your question."]
        assert get_flashed_messages() == ['Unknown column "price".']
        assert str(rejection) == 'Enter your question.; Unknown column "price".'


def test_what_a_use_case_cannot_find_is_the_not_found_page(another_app):
    other = another_app()

    @public
    def missing():
        raise LookupError("RFP-2026-9999")

    other.add_url_rule("/missing", "missing", missing)
    response = other.test_client().get("/missing")
    assert response.status_code == 404
    assert "There is no such page, or it is not yours to see." in response.get_data(as_text=True)
