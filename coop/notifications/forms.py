"""Outbox forms: field checks only."""

from __future__ import annotations

from wtforms import SubmitField

from coop.inputs import Form


class DeliverForm(Form):
    """A POST with nothing but its CSRF token: deliver queued messages now."""

    submit = SubmitField("Deliver queued e-mail now")
