"""Read-only questions about the app as a whole."""

from __future__ import annotations

import logging

import sqlalchemy as sa

from coop.extensions import db

# A child of the application's logger ("coop"): its records go where the app's go, without importing Flask here.
log = logging.getLogger(__name__)


def database_answers() -> bool:
    """Whether the database answers a query now."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.DBAPIError as error:
        db.session.rollback()
        log.error("health check: the database does not answer: %s", error.orig)
        return False
    return True
