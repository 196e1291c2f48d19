"""Recording audit events and verifying their hash chains.

Only the calling service commits: :func:`record` adds the event to the session
in the same transaction as the change it describes, so both land or neither.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from coop.audit.models import AuditEvent
from coop.clock import utcnow
from coop.extensions import db

GENESIS_HASH = "0" * 64


def _digest(prev_hash: str, occurred_at: datetime, actor_user_id: int | None, rfp_id: int | None,
            action: str, entity_type: str, entity_id: int | None, before: dict | None, after: dict | None) -> str:
    payload = json.dumps(
        {
            "prev": prev_hash,
            "at": occurred_at.isoformat(timespec="microseconds"),
            "actor": actor_user_id,
            "rfp": rfp_id,
            "action": action,
            "entity": [entity_type, entity_id],
            "before": before,
            "after": after,
        },
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _chain(rfp_id: int | None) -> sa.Select:
    condition = AuditEvent.rfp_id.is_(None) if rfp_id is None else AuditEvent.rfp_id == rfp_id
    return sa.select(AuditEvent).where(condition).order_by(AuditEvent.id)


def record(action: str, *, entity_type: str, entity_id: int | None, actor_user_id: int | None,
           rfp_id: int | None = None, before: dict | None = None, after: dict | None = None) -> AuditEvent:
    """Add an audit event, linked to the previous event of the same chain, to the session.

    ``before`` and ``after`` must be JSON-serialisable snapshots of what changed.
    """
    db.session.flush()
    last = db.session.scalars(_chain(rfp_id).order_by(None).order_by(AuditEvent.id.desc()).limit(1)).first()
    prev_hash = last.hash if last else GENESIS_HASH
    occurred_at = utcnow()
    event = AuditEvent(
        occurred_at=occurred_at, actor_user_id=actor_user_id, rfp_id=rfp_id, action=action,
        entity_type=entity_type, entity_id=entity_id, before=before, after=after, prev_hash=prev_hash,
        hash=_digest(prev_hash, occurred_at, actor_user_id, rfp_id, action, entity_type, entity_id, before, after),
    )
    db.session.add(event)
    db.session.flush()
    return event


@dataclass(frozen=True)
class ChainReport:
    events_checked: int
    first_broken_event_id: int | None
    reason: str = ""

    @property
    def intact(self) -> bool:
        return self.first_broken_event_id is None


def verify_chain(rfp_id: int | None) -> ChainReport:
    """Recompute one chain and report the first event whose link or content does not match."""
    prev_hash = GENESIS_HASH
    checked = 0
    for event in db.session.scalars(_chain(rfp_id)):
        checked += 1
        if event.prev_hash != prev_hash:
            return ChainReport(checked, event.id, "its link does not match the previous event's hash")
        expected = _digest(prev_hash, event.occurred_at, event.actor_user_id, event.rfp_id, event.action,
                           event.entity_type, event.entity_id, event.before, event.after)
        if event.hash != expected:
            return ChainReport(checked, event.id, "its content does not match its hash")
        prev_hash = event.hash
    return ChainReport(checked, None)
