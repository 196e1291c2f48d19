"""One database transaction around several use cases that each commit.

Services commit their own work, which is right for a web request. Loading the
demo cooperative runs many of them and must still be all or nothing; a test must
undo everything it did. Inside :func:`single_transaction` every session commit
releases a SAVEPOINT instead, and only the end of the block decides: commit
everything (``keep=True``, unless an exception escapes) or roll everything back.

Not for web requests: it rebinds the application's default engine to one
connection for as long as the block runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from flask import Flask

from coop.extensions import db


@contextmanager
def single_transaction(app: Flask, *, keep: bool) -> Iterator[None]:
    engines = db._app_engines[app]
    bind = engines[None]
    if isinstance(bind, sa.Connection):
        # Already inside one (a test loading the demo): nest a savepoint in it.
        with _savepoint(bind, keep=keep):
            yield
        return
    connection = bind.connect()
    outer = connection.begin()
    engines[None] = connection
    db.session.remove()
    previous_mode = db.session.session_factory.kw.get("join_transaction_mode")
    db.session.configure(join_transaction_mode="create_savepoint")
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
        if previous_mode is None:
            db.session.session_factory.kw.pop("join_transaction_mode", None)
        else:
            db.session.configure(join_transaction_mode=previous_mode)


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
