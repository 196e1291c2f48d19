"""The one UTC clock every deadline and timestamp is read from."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime

_replayed_now: ContextVar[datetime | None] = ContextVar("replayed_now", default=None)


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return _replayed_now.get() or datetime.now(UTC)


def today() -> date:
    """Today's date in UTC."""
    return utcnow().date()


@contextmanager
def replaying(moment: datetime) -> Iterator[None]:
    """Read ``moment`` from the clock inside the block (this thread or task only).

    The demo cooperative replays its history through the real services at the
    moments it happened, so that deadlines, audit events and e-mails carry those times.
    """
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to the clock")
    token = _replayed_now.set(moment.astimezone(UTC))
    try:
        yield
    finally:
        _replayed_now.reset(token)


def format_utc(moment: datetime | None) -> str:
    """A moment as messages and e-mail write it, in UTC (pages show the reader's local time as well); "none" when
    there is none."""
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "none"
