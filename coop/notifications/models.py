"""E-mail the app sends: written to an outbox in the same transaction as the change it announces."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from coop.clock import utcnow
from coop.extensions import db
from coop.sqltypes import UTCDateTime


class OutboundEmail(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(sa.String(254), index=True)
    subject: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    last_error: Mapped[str | None] = mapped_column(sa.Text)

    def __repr__(self) -> str:
        return f"<OutboundEmail {self.id} to={self.to_address} {'sent' if self.sent_at else 'queued'}>"
