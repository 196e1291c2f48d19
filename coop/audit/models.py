"""Audit events: every state change, who made it, when, before and after, hash-chained per RFP."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from coop.clock import utcnow
from coop.extensions import db
from coop.sqltypes import UTCDateTime

GLOBAL_CHAIN = "global"
RFP_CHAIN_PREFIX = "rfp:"


def chain_key(rfp_id: int | None) -> str:
    """The chain an event belongs to: one per RFP, and one for events about no RFP."""
    return GLOBAL_CHAIN if rfp_id is None else f"{RFP_CHAIN_PREFIX}{rfp_id}"


def rfp_id_of(key: str) -> int | None:
    return None if key == GLOBAL_CHAIN else int(key.removeprefix(RFP_CHAIN_PREFIX))


class AuditChain(db.Model):
    """The head of one hash chain: appending locks this row, so that concurrent writers link one after another."""

    key: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    last_hash: Mapped[str] = mapped_column(sa.String(64))

    def __repr__(self) -> str:
        return f"<AuditChain {self.key} {self.last_hash[:12]}>"


class AuditEvent(db.Model):
    # Two events linked to the same predecessor would fork the chain: the database refuses the second.
    __table_args__ = (sa.UniqueConstraint("chain", "prev_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    rfp_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rfp.id", ondelete="RESTRICT"), index=True)
    # Not null, unlike rfp_id: a unique constraint does not hold NULLs equal, and the global chain needs it to.
    chain: Mapped[str] = mapped_column(sa.String(40), sa.ForeignKey("audit_chain.key", ondelete="RESTRICT"))
    action: Mapped[str] = mapped_column(sa.String(80))
    entity_type: Mapped[str] = mapped_column(sa.String(60))
    entity_id: Mapped[int | None] = mapped_column()
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action} {self.entity_type}:{self.entity_id}>"
