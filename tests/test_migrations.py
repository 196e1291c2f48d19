"""The migrations build exactly the models' schema, and every revision downgrades."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from coop import MIGRATIONS_DIR
from coop.extensions import db

pytestmark = pytest.mark.no_db


def schema_differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def table_names() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def test_migrated_schema_matches_the_models(app):
    assert schema_differences() == []


def test_every_revision_downgrades_and_upgrades_again(app):
    revisions = list(ScriptDirectory(MIGRATIONS_DIR).walk_revisions())
    assert revisions, "no migration found"
    for _ in revisions:  # one step at a time, newest first
        downgrade(revision="-1")
    assert table_names() - {"alembic_version"} == set()
    upgrade()
    assert table_names() >= {table.name for table in db.metadata.sorted_tables}
    assert schema_differences() == []
