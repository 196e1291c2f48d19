"""Each test's commits are undone before the next test, on every database."""

from __future__ import annotations

import sqlalchemy as sa

from coop.extensions import db
from coop.orgs.models import Region


def test_a_commit_inside_a_test_is_visible_to_the_test():
    db.session.add(Region(code="isolation-probe", name="Probe"))
    db.session.commit()
    assert db.session.scalar(sa.select(Region.name).where(Region.code == "isolation-probe")) == "Probe"


def test_the_previous_tests_commit_is_gone():
    assert db.session.scalar(sa.select(Region).where(Region.code == "isolation-probe")) is None
