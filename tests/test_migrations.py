"""The migrations build exactly the models' schema, and every revision downgrades."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from coop import MIGRATIONS_DIR
from coop.audit.services import verify_all_chains
from coop.demo.services import load_demo
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


def row_counts() -> dict[str, int]:
    with db.engine.connect() as connection:
        return {
            name: connection.scalar(sa.select(sa.func.count()).select_from(sa.table(name)))
            for name in table_names() - {"alembic_version"}
        }


def test_a_loaded_cooperative_keeps_every_row_down_to_the_first_revision_and_back(app, committed_db):
    # SQLite alters a table by copying it and dropping the original: with foreign keys on, dropping
    # 'user' deleted every membership (ON DELETE CASCADE) and blanked every audit event's actor.
    load_demo()
    db.session.remove()
    loaded = row_counts()
    assert loaded["membership"] > 0 and loaded["audit_event"] > 0

    revisions = list(ScriptDirectory(MIGRATIONS_DIR).walk_revisions())
    for _ in revisions[:-1]:  # down to the first revision, one step at a time
        downgrade(revision="-1")
        kept = row_counts()
        assert kept == {name: loaded[name] for name in kept}
    upgrade()

    # The tables of the first revision come back whole; the later revisions' own tables come back empty.
    assert {name: row_counts()[name] for name in kept} == {name: loaded[name] for name in kept}
    assert all(report.intact for report in verify_all_chains())
