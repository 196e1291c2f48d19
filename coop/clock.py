"""The one UTC clock every deadline and timestamp is read from."""

from __future__ import annotations

from datetime import date, datetime, timezone


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(timezone.utc)


def today() -> date:
    """Today's date in UTC."""
    return utcnow().date()
