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


#: How far ahead a date a user sets may lie: a need's needed-by date, a commitment or bid deadline, an FCC Form 470
#: date. Districts plan purchases a few school years ahead at most; a date beyond is a slip of the keyboard
#: (9999-12-31), and would be e-mailed to every district, and overflow the date arithmetic that pools and checks it.
MAX_YEARS_AHEAD = 5


def latest_date_ahead(today: date) -> date:
    """The last date a user may set on ``today``: the same day :data:`MAX_YEARS_AHEAD` years later (from 29 February,
    the 28th of a year that has none)."""
    try:
        return today.replace(year=today.year + MAX_YEARS_AHEAD)
    except ValueError:
        return today.replace(year=today.year + MAX_YEARS_AHEAD, day=28)


def too_far_ahead(what: str, latest: date) -> str:
    """The message for a date beyond :func:`latest_date_ahead`, naming ``what`` the date is, e.g. "The commitment
    deadline"."""
    return f"{what} must be on or before {latest.isoformat()} (at most {MAX_YEARS_AHEAD} years ahead)."


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
