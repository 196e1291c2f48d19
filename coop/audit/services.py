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
from sqlalchemy.dialects import postgresql, sqlite

from coop.audit.models import AuditChain, AuditEvent, chain_key, rfp_id_of
from coop.clock import utcnow
from coop.extensions import db

GENESIS_HASH = "0" * 64


def _digest(
    prev_hash: str,
    occurred_at: datetime,
    actor_user_id: int | None,
    rfp_id: int | None,
    action: str,
    entity_type: str,
    entity_id: int | None,
    before: dict | None,
    after: dict | None,
) -> str:
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


def _chain(key: str) -> sa.Select:
    return sa.select(AuditEvent).where(AuditEvent.chain == key).order_by(AuditEvent.id)


# INSERT ... ON CONFLICT DO NOTHING, which each dialect spells with its own construct.
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def _locked_head(key: str) -> AuditChain:
    """The chain's head row, locked FOR UPDATE until the caller's commit (created, at genesis, by a chain's first event).

    The lock is what serialises appends to one chain: without it two transactions would read the same last
    hash and fork the chain. On SQLite the transaction's write lock (BEGIN IMMEDIATE) serialises them already.
    """
    locked = (
        sa.select(AuditChain).where(AuditChain.key == key).with_for_update().execution_options(populate_existing=True)
    )
    head = db.session.scalar(locked)
    if head is None:
        # A concurrent first event of the same chain makes this insert wait for its commit, then do nothing.
        insert = _INSERTS[db.session.get_bind().dialect.name]
        db.session.execute(
            insert(AuditChain)
            .values(key=key, last_hash=GENESIS_HASH)
            .on_conflict_do_nothing(index_elements=[AuditChain.key])
        )
        head = db.session.scalars(locked).one()
    return head


def record(
    action: str,
    *,
    entity_type: str,
    entity_id: int | None,
    actor_user_id: int | None,
    rfp_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    """Add an audit event, linked to the previous event of the same chain, to the session.

    The chain's head stays locked until the caller commits or rolls back.
    ``before`` and ``after`` must be JSON-serialisable snapshots of what changed.
    """
    db.session.flush()
    key = chain_key(rfp_id)
    head = _locked_head(key)
    prev_hash = head.last_hash
    occurred_at = utcnow()
    event = AuditEvent(
        occurred_at=occurred_at,
        actor_user_id=actor_user_id,
        rfp_id=rfp_id,
        chain=key,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        before=before,
        after=after,
        prev_hash=prev_hash,
        hash=_digest(prev_hash, occurred_at, actor_user_id, rfp_id, action, entity_type, entity_id, before, after),
    )
    head.last_hash = event.hash
    db.session.add(event)
    db.session.flush()
    return event


@dataclass(frozen=True)
class ChainReport:
    """One chain checked: how many events, and the first broken one (with its action) and why."""

    rfp_id: int | None
    events_checked: int
    first_broken_event_id: int | None = None
    first_broken_action: str | None = None
    reason: str = ""

    @property
    def intact(self) -> bool:
        return not self.reason


TAIL_REMOVED = "the chain's head links to a later event: events after this one were removed"
ALL_REMOVED = "the chain's head links to an event, but the chain has none: its events were removed"


def verify_chain(rfp_id: int | None) -> ChainReport:
    """Recompute one chain (an RFP's, or with ``None`` the one of events about no RFP) and report its first broken link."""
    key = chain_key(rfp_id)
    prev_hash = GENESIS_HASH
    checked = 0
    event = None
    for event in db.session.scalars(_chain(key)):
        checked += 1
        if event.prev_hash != prev_hash:
            return ChainReport(
                rfp_id, checked, event.id, event.action, "its link does not match the previous event's hash"
            )
        expected = _digest(
            prev_hash,
            event.occurred_at,
            event.actor_user_id,
            event.rfp_id,
            event.action,
            event.entity_type,
            event.entity_id,
            event.before,
            event.after,
        )
        if event.hash != expected:
            return ChainReport(rfp_id, checked, event.id, event.action, "its content does not match its hash")
        prev_hash = event.hash
    head_hash = db.session.scalar(sa.select(AuditChain.last_hash).where(AuditChain.key == key))
    if head_hash is not None and head_hash != prev_hash:
        if event is None:
            return ChainReport(rfp_id, checked, reason=ALL_REMOVED)
        return ChainReport(rfp_id, checked, event.id, event.action, TAIL_REMOVED)
    return ChainReport(rfp_id, checked)


def verify_all_chains() -> list[ChainReport]:
    """Every chain checked (every event's chain has a head): the global one first, then the RFPs' by id."""
    rfp_ids = sorted(
        (rfp_id_of(key) for key in db.session.scalars(sa.select(AuditChain.key))),
        key=lambda rfp_id: (rfp_id is not None, rfp_id or 0),
    )
    return [verify_chain(rfp_id) for rfp_id in rfp_ids]
