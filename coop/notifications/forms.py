"""Outbox forms: field checks only."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SubmitField


class DeliverForm(FlaskForm):
    """A POST with nothing but its CSRF token: deliver queued messages now."""

    submit = SubmitField("Deliver queued e-mail now")
