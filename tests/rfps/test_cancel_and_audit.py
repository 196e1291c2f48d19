"""Cancelling an RFP with a reason from any state before award; every state change audited on one intact chain."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from coop.audit import queries as audit_queries
from coop.audit import services as audit
from coop.audit.models import AuditEvent
from coop.errors import Refusal
from coop.extensions import db
from coop.needs.models import Need, NeedStatus
from coop.notifications.models import OutboundEmail
from coop.rfps import queries, services
from coop.rfps.models import RfpStatus


def emails(subject: str) -> list[str]:
    return sorted(db.session.scalars(sa.select(OutboundEmail.to_address).where(OutboundEmail.subject == subject)))


@pytest.mark.parametrize("stage", ["draft", "committing", "published"])
def test_cancelling_opens_the_needs_again_and_tells_the_districts(request, admin, needs, stage):
    rfp = request.getfixturevalue(stage)
    cancelled = services.cancel(admin, rfp.id, "The state froze technology budgets.")
    assert (cancelled.status, cancelled.cancelled_reason) == (
        RfpStatus.CANCELLED,
        "The state froze technology budgets.",
    )
    db.session.expire_all()
    assert {db.session.get(Need, need.id).status for need in needs.values()} == {NeedStatus.OPEN}
    expected = ["buyer@lakeview.example.org", "buyer@riverside.example.org"]
    if stage != "published":  # Hillcrest's need left the RFP at publication
        expected = ["buyer@hillcrest.example.org"] + expected
    assert emails(f"{rfp.reference} is cancelled") == expected
    body = db.session.scalar(
        sa.select(OutboundEmail.body).where(OutboundEmail.subject == f"{rfp.reference} is cancelled")
    )
    assert "Reason: The state froze technology budgets." in body
    assert audit.verify_chain(rfp.id).intact


def test_a_need_its_district_withdrew_is_left_alone(admin, committing, buyers, needs, link_of, make_need, laptops):
    services.decide_commitment(buyers["Riverside USD"], link_of(committing, needs["riverside"]), confirm=False)
    other = services.create_rfp(
        admin,
        services.PoolInput(
            laptops["LAPTOP-14"].category_id, [needs["riverside"].id], "student-laptops", "Riverside's own"
        ),
    )
    services.cancel(admin, committing.id, "Too few districts.")
    assert db.session.get(Need, needs["riverside"].id).status == NeedStatus.POOLED  # now on the other RFP
    assert other.status == RfpStatus.DRAFT


def test_a_reason_is_required(admin, draft):
    with pytest.raises(Refusal) as refused:
        services.cancel(admin, draft.id, "   ")
    assert str(refused.value) == "Give the reason for cancelling."
    assert queries.rfp(draft.id).status == RfpStatus.DRAFT


def test_the_cancel_form_says_a_reason_is_required(log_in, admin, draft, seen):
    response = log_in(admin).post(f"/admin/rfps/{draft.id}/cancel", data={"cancel-reason": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert (
        "Give the reason for cancelling."
        in html.split('id="cancel-reason"', 1)[1].split("</div>", 2)[0]
        + html.split('id="cancel-reason"', 1)[1].split("</div>", 2)[1]
    )


def test_the_cancel_form_cancels(log_in, admin, draft, seen):
    response = log_in(admin).post(
        f"/admin/rfps/{draft.id}/cancel", data={"cancel-reason": "Pooled by mistake."}, follow_redirects=True
    )
    assert f"{draft.reference} is cancelled; its needs are open again and the districts are e-mailed." in seen(response)
    assert "Cancelled because Pooled by mistake." in seen(response)


@pytest.mark.parametrize("status", [RfpStatus.AWARDED, RfpStatus.COMPLETE, RfpStatus.CANCELLED])
def test_an_awarded_complete_or_cancelled_rfp_cannot_be_cancelled(admin, published, status):
    published.status = status
    db.session.flush()
    with pytest.raises(Refusal) as refused:
        services.cancel(admin, published.id, "Late change of mind.")
    assert str(refused.value) == f"{published.reference} is {status.value}; it can no longer be cancelled."


def test_every_state_change_is_an_audit_event_on_an_intact_chain(admin, published, buyers):
    events = audit_queries.rfp_audit_events(published.id, opened_at=published.opened_at)
    assert [event.action for event in events] == [
        "rfp.created",
        "rfp.line_changed",
        "rfp.commitment_started",
        "rfp.commitment_confirmed",
        "rfp.commitment_confirmed",
        "rfp.details_changed",
        "rfp.published",
    ]
    # The laptop line already had the catalogue spec: saving it unchanged records nothing.
    assert [event.actor_user_id for event in events] == [admin.id] * 3 + [
        buyers["Lakeview SD"].id,
        buyers["Riverside USD"].id,
        admin.id,
        admin.id,
    ]
    started = events[2]
    assert (started.before["status"], started.after["status"]) == ("draft", "committing")
    assert (events[-1].before["status"], events[-1].after["status"]) == ("committing", "open")
    services.cancel(admin, published.id, "Budgets frozen.")
    report = audit.verify_chain(published.id)
    assert report.intact and report.events_checked == 8


def test_a_tampered_event_breaks_the_chain(admin, published):
    event = audit_queries.rfp_audit_events(published.id, opened_at=published.opened_at)[3]
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.id == event.id).values(after={"status": "open"}))
    db.session.expire_all()
    report = audit.verify_chain(published.id)
    assert (report.intact, report.first_broken_event_id) == (False, event.id)


def test_the_rfp_page_lists_the_audit_log(log_in, admin, published, table_rows):
    rows = table_rows(log_in(admin).get(f"/admin/rfps/{published.id}"), "audit-events")
    assert [row.split(" UTC ")[1].split()[0] for row in rows][-1] == "rfp.published"
