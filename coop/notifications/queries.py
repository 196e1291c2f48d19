"""Read-only selects on the e-mail outbox."""

from __future__ import annotations

import sqlalchemy as sa

from coop.extensions import db
from coop.notifications.models import OutboundEmail

MESSAGES_PER_PAGE = 100
STATES = ("queued", "sent", "failed")


def messages(state: str | None = None, *, page: int = 1, per_page: int = MESSAGES_PER_PAGE):
    """One page of outbox messages (a Flask-SQLAlchemy ``Pagination``), newest first.

    ``state``: ``queued`` (not sent yet, failed attempts included), ``sent``,
    ``failed`` (not sent, with an error), or None for every message.
    """
    query = sa.select(OutboundEmail).order_by(OutboundEmail.created_at.desc(), OutboundEmail.id.desc())
    if state == "queued":
        query = query.where(OutboundEmail.sent_at.is_(None))
    elif state == "sent":
        query = query.where(OutboundEmail.sent_at.is_not(None))
    elif state == "failed":
        query = query.where(OutboundEmail.sent_at.is_(None), OutboundEmail.last_error.is_not(None))
    return db.paginate(query, page=page, per_page=per_page, error_out=False, count=True)


def counts() -> dict[str, int]:
    """How many messages are queued, sent and failed."""
    total, sent, failed = db.session.execute(sa.select(
        sa.func.count(OutboundEmail.id),
        sa.func.count(OutboundEmail.sent_at),
        sa.func.count(sa.case((sa.and_(OutboundEmail.sent_at.is_(None), OutboundEmail.last_error.is_not(None)), 1))),
    )).one()
    return {"queued": total - sent, "sent": sent, "failed": failed}
