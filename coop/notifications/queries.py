"""Read-only selects on the e-mail outbox.

Mail to an RFP's vendors is sealed until the RFP's bids are opened: nothing
here returns it, counts it or lets it shift another row, before then.
"""

from __future__ import annotations

import sqlalchemy as sa

from coop.extensions import db
from coop.notifications.models import OutboundEmail

MESSAGES_PER_PAGE = 100
STATES = ("queued", "sent", "failed")

_VISIBLE = OutboundEmail.sealed_rfp_id.is_(None)
_CONDITIONS = {
    "queued": sa.and_(OutboundEmail.sent_at.is_(None), OutboundEmail.failed_at.is_(None)),
    "sent": OutboundEmail.sent_at.is_not(None),
    "failed": OutboundEmail.failed_at.is_not(None),
}


def messages(state: str | None = None, *, page: int = 1, per_page: int = MESSAGES_PER_PAGE):
    """One page of the messages administrators may read (a Flask-SQLAlchemy ``Pagination``), newest first.

    ``state``: ``queued`` (not sent yet, retries included), ``sent``, ``failed`` (given up after the last attempt),
    or None for every message.
    """
    query = sa.select(OutboundEmail).where(_VISIBLE).order_by(OutboundEmail.created_at.desc(), OutboundEmail.id.desc())
    if state in _CONDITIONS:
        query = query.where(_CONDITIONS[state])
    return db.paginate(query, page=page, per_page=per_page, error_out=False, count=True)


def counts() -> dict[str, int]:
    """How many of the messages administrators may read are queued, sent and failed."""
    row = db.session.execute(
        sa.select(
            *(sa.func.count(sa.case((condition, 1))).label(state) for state, condition in _CONDITIONS.items())
        ).where(_VISIBLE)
    ).one()
    return dict(row._mapping)
