"""Flask extensions, created unbound and initialised in :func:`coop.create_app`."""

from __future__ import annotations

import sqlite3

import sqlalchemy as sa
from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so that Alembic can drop and alter them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# A session bound to a connection already in a transaction (coop.transactions.single_transaction) commits to
# savepoints of it; a session bound to the engine, as in every request, is not affected.
db = SQLAlchemy(model_class=Base, session_options={"join_transaction_mode": "create_savepoint"})
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
bootstrap = Bootstrap5()
# Counters live in RATELIMIT_STORAGE_URI: memory for one process, Redis when several share the load.
limiter = Limiter(key_func=get_remote_address)


@sa.event.listens_for(sa.Engine, "connect")
def _sqlite_connect(dbapi_connection, connection_record) -> None:
    # pysqlite's own transaction handling does not send BEGIN until the first write, which breaks
    # SAVEPOINTs and reads inside a transaction; SQLAlchemy sends BEGIN itself instead (see _sqlite_begin).
    # The busy timeout, how long a writer waits for the lock, is the connect argument ``timeout``
    # (coop.transactions.configure_engine).
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        # Readers do not block writers (the threaded development server, the browser tests).
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()


@sa.event.listens_for(sa.Engine, "begin")
def _sqlite_begin(connection) -> None:
    # IMMEDIATE: the write lock from the start. A deferred transaction that read first and writes later
    # cannot wait for the lock (its snapshot would be stale) and fails at once with "database is locked".
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
