"""The administrator approves or rejects new organisations."""

from __future__ import annotations

import sqlalchemy as sa
from support import text_of

from coop.audit.models import AuditEvent
from coop.audit.services import verify_chain
from coop.extensions import db
from coop.orgs.models import Organisation, OrganisationStatus


def test_the_queue_lists_pending_organisations_and_approval_lets_a_district_post_needs(
    client, sign_in, make_admin, make_buyer
):
    buyer = make_buyer(name="Pine Ridge SD", status=OrganisationStatus.PENDING)
    district_id = buyer.organisation.id
    admin = make_admin()
    sign_in(admin)
    queue = client.get("/admin/organisations")
    assert "Pine Ridge SD" in text_of(queue)

    response = client.post(f"/admin/organisations/{district_id}/approve", follow_redirects=True)
    assert "Pine Ridge SD is approved." in text_of(response)
    assert "Pine Ridge SD" not in text_of(client.get("/admin/organisations"))

    client.post("/sign-out")
    sign_in(buyer)
    assert client.get("/needs/new").status_code == 200
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "organisation.approved")).one()
    assert (event.before, event.after, event.actor_user_id) == ({"status": "pending"}, {"status": "approved"}, admin.id)
    assert verify_chain(None).intact


def test_a_rejected_vendor_is_told_so_and_cannot_act(client, sign_in, make_admin, make_vendor_rep):
    rep = make_vendor_rep(name="Shady Supplies", status=OrganisationStatus.PENDING)
    sign_in(make_admin())
    client.post(f"/admin/organisations/{rep.organisation.id}/reject")
    client.post("/sign-out")
    sign_in(rep)
    page = text_of(client.get("/dashboard"))
    assert "Shady Supplies is rejected: contact the cooperative." in page


def test_deciding_twice_says_it_is_already_decided(client, sign_in, make_admin, make_district):
    district = make_district(name="Twice SD", status=OrganisationStatus.APPROVED)
    sign_in(make_admin())
    response = client.post(f"/admin/organisations/{district.id}/approve", follow_redirects=True)
    assert "Twice SD is already approved." in text_of(response)


def test_the_cooperative_itself_and_unknown_organisations_cannot_be_decided(client, sign_in, make_admin):
    admin = make_admin()
    sign_in(admin)
    assert client.post(f"/admin/organisations/{admin.organisation.id}/reject").status_code == 404
    assert client.post("/admin/organisations/999999/approve").status_code == 404
    db.session.expire_all()
    assert db.session.get(Organisation, admin.organisation.id).status == OrganisationStatus.APPROVED


def test_only_administrators_review_organisations(client, sign_in, make_buyer, make_vendor_rep):
    assert client.get("/admin/organisations").status_code == 302
    sign_in(make_buyer())
    assert client.get("/admin/organisations").status_code == 403
    client.post("/sign-out")
    rep = make_vendor_rep()
    sign_in(rep)
    assert client.post(f"/admin/organisations/{rep.organisation.id}/approve").status_code == 403


def test_an_audit_chain_reports_the_first_tampered_event(client, sign_in, make_admin, make_district):
    first, second = make_district(status=OrganisationStatus.PENDING), make_district(status=OrganisationStatus.PENDING)
    sign_in(make_admin())
    client.post(f"/admin/organisations/{first.id}/approve")
    client.post(f"/admin/organisations/{second.id}/approve")
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert verify_chain(None).intact
    events[0].after = {"status": "rejected"}
    db.session.flush()
    report = verify_chain(None)
    assert (report.first_broken_event_id, report.reason) == (events[0].id, "its content does not match its hash")
