"""Alembic environment: runs the migrations against the Flask app's database."""

import logging
from contextlib import contextmanager
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
# Keep the application's loggers: Alembic's logging set-up would silence them otherwise.
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db
config.set_main_option("sqlalchemy.url", target_db.engine.url.render_as_string(hide_password=False).replace("%", "%%"))


def run_migrations_offline():
    """Emit SQL for the migrations without connecting (``flask db upgrade --sql``)."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"), target_metadata=target_db.metadata, literal_binds=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def skip_empty_autogenerate(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", skip_empty_autogenerate)
    with target_db.engine.connect() as connection, _sqlite_foreign_keys_deferred(connection):
        context.configure(connection=connection, target_metadata=target_db.metadata, **conf_args)
        with context.begin_transaction():
            context.run_migrations()
            _check_sqlite_foreign_keys(connection)


@contextmanager
def _sqlite_foreign_keys_deferred(connection):
    """Switch SQLite's foreign keys off while the migrations run.

    SQLite cannot alter most of a table, so a batch migration copies it and drops
    the original; with foreign keys on, dropping ``user`` would delete every
    membership (ON DELETE CASCADE) and blank every audit event's actor (SET NULL).
    The pragma is a no-op inside a transaction, so it is set on the driver's
    connection before the migrations' transaction begins.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    driver_connection = connection.connection.driver_connection
    driver_connection.execute("PRAGMA foreign_keys = OFF")
    try:
        yield
    finally:
        driver_connection.execute("PRAGMA foreign_keys = ON")


def _check_sqlite_foreign_keys(connection):
    # With the keys off nothing stops a migration from leaving a dangling reference: refuse to commit one.
    if connection.dialect.name != "sqlite":
        return
    violations = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if violations:
        raise RuntimeError(f"the migration left rows referring to missing rows: {violations[:10]}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
