"""``flask audit verify``: every chain recomputed, the first broken link named; chains cannot fork."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from coop.audit import services as audit
from coop.audit.models import AuditEvent
from coop.audit.services import verify_all_chains, verify_chain
from coop.extensions import db

BEFORE_CHAIN_HEADS = "5e3c1a9d2b47"


@pytest.fixture
def history(make_rfp, make_admin):
    """Two RFPs with a few events each, and two events about no RFP, interleaved as in real life."""
    admin = make_admin()
    first, second = make_rfp(), make_rfp()
    events = {"first": [], "second": [], "global": []}

    def event(chain, action, rfp=None, **after):
        events[chain].append(
            audit.record(
                action,
                entity_type="rfp" if rfp else "organisation",
                entity_id=rfp.id if rfp else admin.organisation.id,
                actor_user_id=admin.id,
                rfp_id=rfp.id if rfp else None,
                after=after,
            )
        )

    event("global", "organisation.approved", status="approved")
    event("first", "rfp.published", first, status="open")
    event("second", "rfp.published", second, status="open")
    event("first", "addendum.issued", first, number=1)
    event("global", "organisation.profile_updated", name="Test Cooperative")
    event("second", "addendum.issued", second, number=1)
    event("first", "rfp.bids_opened", first, status="opened")
    db.session.commit()
    return first, second, events


def verify(app, *args):
    return app.test_cli_runner().invoke(args=["audit", "verify", *args])


def test_intact_chains_are_summarised_and_exit_zero(app, history):
    first, second, _events = history
    result = verify(app)
    assert (result.exit_code, result.stdout) == (0, "All 3 audit chains are intact: 7 events checked.\n")
    result = verify(app, "--rfp", first.reference)
    assert (result.exit_code, result.stdout) == (
        0,
        f"The audit chain of {first.reference} is intact: 3 events checked.\n",
    )


def test_an_event_edited_in_the_database_is_reported_with_its_rfp_and_why(app, history):
    first, second, events = history
    edited = events["second"][0]
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.id == edited.id).values(after={"status": "cancelled"}))
    result = verify(app)
    assert result.exit_code == 1
    assert result.stderr == (
        f"The audit chain of {second.reference} is broken at event {edited.id} (rfp.published): "
        "its content does not match its hash.\n"
    )
    # Another RFP's chain is not affected, and says so.
    assert verify(app, "--rfp", first.reference).exit_code == 0
    assert verify(app, "--rfp", second.reference).exit_code == 1


def test_an_event_relinked_or_removed_is_reported(app, history):
    first, _second, events = history
    removed = events["global"][0]
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id == removed.id))
    result = verify(app)
    assert result.exit_code == 1
    assert result.stderr == (
        f"The global audit chain (events about no RFP) is broken at event {events['global'][1].id} "
        "(organisation.profile_updated): its link does not match the previous event's hash.\n"
    )


def test_the_last_events_of_a_chain_removed_are_reported(app, history):
    first, _second, events = history
    kept, removed = events["first"][1], events["first"][2]
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id == removed.id))
    result = verify(app, "--rfp", first.reference)
    assert result.exit_code == 1
    assert result.stderr == (
        f"The audit chain of {first.reference} is broken at event {kept.id} (addendum.issued): "
        "the chain's head links to a later event: events after this one were removed.\n"
    )


def test_an_unknown_reference_is_refused(app, history):
    result = verify(app, "--rfp", "RFP-NOPE")
    assert result.exit_code == 2
    assert result.stderr.endswith("Error: Invalid value for --rfp: no RFP has the reference RFP-NOPE.\n")


def test_a_second_event_linked_to_the_same_predecessor_is_refused_by_the_database(history):
    _first, _second, events = history
    last = events["first"][-1]
    fork = AuditEvent(
        occurred_at=last.occurred_at,
        actor_user_id=None,
        rfp_id=last.rfp_id,
        chain=last.chain,
        action="bid.saved",
        entity_type="bid",
        entity_id=1,
        before=None,
        after=None,
        prev_hash=last.prev_hash,
        hash="f" * 64,
    )
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.add(fork)
        db.session.flush()
    assert verify_chain(last.rfp_id).intact


@pytest.mark.no_db
def test_existing_events_get_their_chains_and_heads_when_migrated(app, committed_db, make_rfp, make_admin):
    admin = make_admin()
    rfp = make_rfp()
    for action in ("rfp.published", "addendum.issued"):
        audit.record(action, entity_type="rfp", entity_id=rfp.id, actor_user_id=admin.id, rfp_id=rfp.id)
    audit.record("organisation.approved", entity_type="organisation", entity_id=1, actor_user_id=admin.id)
    db.session.commit()
    rfp_id, admin_id = rfp.id, admin.id
    db.session.remove()

    downgrade(revision=BEFORE_CHAIN_HEADS)
    upgrade()

    assert [report.events_checked for report in verify_all_chains() if report.intact] == [1, 2]
    # New events link to the migrated heads.
    audit.record("rfp.bids_opened", entity_type="rfp", entity_id=rfp_id, actor_user_id=admin_id, rfp_id=rfp_id)
    db.session.commit()
    assert verify_chain(rfp_id).intact and verify_chain(rfp_id).events_checked == 3


@pytest.mark.no_db
def test_chains_forked_before_the_migration_stop_it_naming_the_events_and_nothing_changes(
    app, committed_db, make_rfp, make_admin
):
    admin = make_admin()
    rfp = make_rfp()
    published = audit.record(
        "rfp.published", entity_type="rfp", entity_id=rfp.id, actor_user_id=admin.id, rfp_id=rfp.id
    )
    db.session.commit()
    rfp_id, published_id = rfp.id, published.id
    db.session.remove()
    downgrade(revision=BEFORE_CHAIN_HEADS)
    try:
        # What the old unlocked append made under load: a second event linked to the same predecessor.
        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO audit_event (occurred_at, actor_user_id, rfp_id, action, entity_type, entity_id, "
                    "prev_hash, hash) SELECT occurred_at, actor_user_id, rfp_id, 'addendum.issued', entity_type, "
                    "entity_id, prev_hash, :hash FROM audit_event WHERE id = :id"
                ),
                {"hash": "f" * 64, "id": published_id},
            )
            fork_id = connection.scalar(sa.text("SELECT max(id) FROM audit_event"))

        with pytest.raises(SystemExit) as stopped:  # flask db upgrade logs the error and exits 1
            upgrade()

        assert str(stopped.value.__context__) == (
            "Nothing was changed: the audit chains forked before this revision (events linked to the same "
            f"predecessor) and need an administrator's decision first: events {published_id} and {fork_id} "
            f"(RFP id {rfp_id}) both link to 000000000000."
        )
        assert "audit_chain" not in sa.inspect(db.engine).get_table_names()
        assert "chain" not in {column["name"] for column in sa.inspect(db.engine).get_columns("audit_event")}
        with db.engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM audit_event WHERE id = :id"), {"id": fork_id})
    finally:
        upgrade()
    assert verify_chain(rfp_id).intact and verify_chain(rfp_id).events_checked == 1
