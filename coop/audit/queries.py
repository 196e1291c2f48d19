"""Reading the audit log: an RFP's events as its administrator's page shows them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from coop.audit.models import AuditEvent
from coop.extensions import db

SEALED_AUDIT_ACTIONS = "bid.%"  # events about bids: sealed until the RFP's bids are opened

#: Events whose actor the page does not name: who asked a question is known to the asking vendor
#: only, and following is offered on the bid page, so who follows (and when) would hint at who bid or asked.
ANONYMOUS_AUDIT_ACTIONS = frozenset({"question.asked", "vendor_interest.registered"})


def rfp_audit_events(rfp_id: int, *, opened_at: datetime | None) -> list[AuditEvent]:
    """The RFP's audit events for the administrator's page: events about bids only once the bids are opened."""
    statement = sa.select(AuditEvent).where(AuditEvent.rfp_id == rfp_id).order_by(AuditEvent.id)
    if opened_at is None:
        statement = statement.where(AuditEvent.action.not_like(SEALED_AUDIT_ACTIONS))
    return list(db.session.scalars(statement))


def actor_labels(events: list[AuditEvent], emails: dict[int, str]) -> dict[int, str]:
    """Who did each event, as the administrator's RFP page shows it: an e-mail address (``emails`` by user id),
    or "a vendor"."""
    return {
        event.id: "a vendor" if event.action in ANONYMOUS_AUDIT_ACTIONS else emails.get(event.actor_user_id, "—")
        for event in events
    }
