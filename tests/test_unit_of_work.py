"""One unit of work per use case: a refusal rolls back at once, so the rows it locked are free again.

Real commits, and a second connection that asks for the RFP's row without waiting
(on SQLite: for the database's one write lock), as a colleague's request would
right after the refusal, while the refused request is still rendering its page.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import current_app

from coop.clarifications import services as clarifications
from coop.errors import Refusal
from coop.extensions import db
from coop.rfps import services as rfps
from coop.rfps.models import Rfp, RfpStatus


def rfp_row_free(rfp_id: int) -> bool:
    """Whether another connection gets the RFP's row lock at once (it is refused rather than made to wait).

    The test's own session must not be used between the refusal and this check: on SQLite, reading begins a
    transaction, which takes the write lock."""
    options = dict(current_app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    if db.engine.dialect.name == "sqlite":
        options["connect_args"] = {**options.get("connect_args", {}), "timeout": 0}
    other = sa.create_engine(db.engine.url, **options)
    try:
        with other.connect() as connection:
            connection.execute(sa.select(Rfp.id).where(Rfp.id == rfp_id).with_for_update(nowait=True))
        return True
    except sa.exc.OperationalError:
        return False
    finally:
        other.dispose()


@pytest.fixture
def committed(committed_db):
    def commit(*rows):
        ids = [row.id for row in rows]
        db.session.commit()
        return ids

    return commit


def test_a_refused_publication_leaves_the_rfp_free(make_admin, make_rfp, now, committed):
    admin, rfp = make_admin(), make_rfp(status=RfpStatus.DRAFT)
    reference = rfp.reference
    admin_id, rfp_id = committed(admin, rfp)

    with pytest.raises(Refusal) as refused:
        rfps.publish(db.session.get(type(admin), admin_id), rfp_id, now() + timedelta(days=30))

    assert str(refused.value) == f"{reference} is draft; only an RFP in its commitment window can be published."
    assert rfp_row_free(rfp_id)


def test_a_refused_question_leaves_the_rfp_free(make_vendor_rep, make_rfp, now, committed):
    vendor_rep, rfp = make_vendor_rep(), make_rfp(deadline_in=timedelta(days=1))
    reference = rfp.reference
    vendor_rep_id, rfp_id = committed(vendor_rep, rfp)
    now(now() + timedelta(days=2))

    with pytest.raises(Refusal) as refused:
        clarifications.ask_question(
            db.session.get(type(vendor_rep), vendor_rep_id), reference, "Is a 3-year warranty enough?"
        )

    assert str(refused.value) == clarifications.DEADLINE_PASSED_FOR_QUESTIONS
    assert rfp_row_free(rfp_id)
