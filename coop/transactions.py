"""Transactions: one around several use cases, writers that wait their turn, and races lost cleanly.

One database transaction around several use cases that each commit.

Services commit their own work, which is right for a web request. Loading the
demo cooperative runs many of them and must still be all or nothing; a test must
undo everything it did. Inside :func:`single_transaction` every session commit
releases a SAVEPOINT instead, and only the end of the block decides: commit
everything (``keep=True``, unless an exception escapes) or roll everything back.

Not for web requests: it binds the application's default engine to one
connection for as long as the block runs.

A use case's own transaction is :func:`unit_of_work`: commit on success, roll
back on any exception.

Simultaneous writes. On SQLite every transaction takes the database's write lock
when it begins (``BEGIN IMMEDIATE``, see :mod:`coop.extensions`) and a writer
waits up to ``SQLITE_BUSY_TIMEOUT_S`` for it, so concurrent requests queue instead
of failing. On both databases a request that still loses a race (a unique key
taken meanwhile, a lock not granted, a serialization failure or deadlock) is
rolled back whole and answered 409 with :data:`LOST_RACE`, never 500.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

import sqlalchemy as sa
from flask import Flask, current_app, render_template
from werkzeug.exceptions import Conflict

from coop.extensions import db

Row = TypeVar("Row")

# Long enough to outlast any one request's write; a writer still waiting after it gets the 409.
SQLITE_BUSY_TIMEOUT_S = 30

LOST_RACE = (
    "Another request changed the same data at the same moment, so nothing of this one was saved. "
    "Reload the page to see what is stored now, and try again if it is still needed."
)

# PostgreSQL's codes for losing to a concurrent transaction: unique_violation, serialization_failure,
# deadlock_detected, lock_not_available.
_LOST_RACE_SQLSTATES = frozenset({"23505", "40001", "40P01", "55P03"})
_LOST_RACE_SQLITE_ERRORS = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY")


def lost_race(error: sa.exc.DBAPIError) -> bool:
    """Whether the database refused a statement because a concurrent transaction got there first."""
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate in _LOST_RACE_SQLSTATES
    return getattr(error.orig, "sqlite_errorname", "").startswith(_LOST_RACE_SQLITE_ERRORS)


def configure_engine(app: Flask) -> None:
    """Before the engine is made: on SQLite, a writer waits for the write lock instead of failing at once."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
        options.setdefault("connect_args", {}).setdefault("timeout", SQLITE_BUSY_TIMEOUT_S)


def register_lost_race_page(app: Flask) -> None:
    app.register_error_handler(sa.exc.IntegrityError, _lost_race_page)
    app.register_error_handler(sa.exc.OperationalError, _lost_race_page)


def _lost_race_page(error: sa.exc.DBAPIError):
    if not lost_race(error):
        raise error  # a fault of ours, not a race: the 500 page and the log
    db.session.rollback()
    current_app.logger.warning("a request lost a race with a concurrent one, answered 409: %s", error.orig)
    conflict = Conflict(LOST_RACE)
    try:
        return render_template("error.html", error=conflict), 409
    except sa.exc.OperationalError as still_held:
        if not lost_race(still_held):
            raise
        # SQLite still held by the other writer: the page's navigation needs the database; the message does not.
        db.session.rollback()
        return conflict.get_response()


class UnitOfWork:
    """One use case's transaction; see :func:`unit_of_work`."""

    def __init__(self) -> None:
        self.kept = True

    def discard(self) -> None:
        """End the use case without keeping what it changed (nothing was asked for: a double click, a retry)."""
        self.kept = False


@contextmanager
def unit_of_work() -> Iterator[UnitOfWork]:
    """The transaction of one service use case: committed when the block ends, rolled back on any exception.

    Services raise their refusals and let this roll back, so that no refusal leaves a row lock (or, on SQLite,
    the write lock) held while its error page renders. Inside :func:`single_transaction` the commit releases a
    savepoint of the outer transaction instead.
    """
    work = UnitOfWork()
    try:
        yield work
    except BaseException:
        db.session.rollback()
        raise
    if work.kept:
        db.session.commit()
    else:
        db.session.rollback()


def locked(model: type[Row], row_id: int, *, read: bool = False) -> Row:
    """The row of ``model`` with primary key ``row_id``, locked until the transaction ends (``FOR UPDATE``; ``FOR
    SHARE`` with ``read``) and read afresh from the database, so that nothing loaded earlier in the session decides
    what is written under the lock.

    Raises
    ------
    LookupError
        If there is no such row.
    """
    row = db.session.get(model, row_id, with_for_update={"read": read}, populate_existing=True)
    if row is None:
        raise LookupError(row_id)
    return row


@contextmanager
def single_transaction(*, keep: bool) -> Iterator[None]:
    """One outer transaction around everything the block does, for the current application.

    SQLAlchemy's recipe for joining a session into an external transaction: the default engine of
    ``db.engines`` is one connection for as long as the block runs, and the session, made with
    ``join_transaction_mode="create_savepoint"`` (:mod:`coop.extensions`), turns each commit into a savepoint.
    """
    engines = db.engines
    bind = engines[None]
    if isinstance(bind, sa.Connection):
        # Already inside one (a test loading the demo): nest a savepoint in it.
        with _savepoint(bind, keep=keep):
            yield
        return
    # The caller's own transaction ends first, as in _savepoint: on SQLite it holds the write lock (BEGIN
    # IMMEDIATE), and the outer transaction on a second connection would wait for it forever.
    db.session.commit()
    connection = bind.connect()
    outer = connection.begin()
    engines[None] = connection
    db.session.remove()
    try:
        yield
    except BaseException:
        keep = False
        raise
    finally:
        db.session.remove()
        if keep:
            outer.commit()
        else:
            outer.rollback()
        connection.close()
        engines[None] = bind


@contextmanager
def _savepoint(connection: sa.Connection, *, keep: bool) -> Iterator[None]:
    db.session.commit()  # the caller's pending work stays outside the savepoint
    savepoint = connection.begin_nested()
    try:
        yield
        db.session.commit()
    except BaseException:
        keep = False
        raise
    finally:
        if not keep:
            db.session.rollback()
            db.session.expunge_all()
            if savepoint.is_active:
                savepoint.rollback()
        elif savepoint.is_active:
            savepoint.commit()
