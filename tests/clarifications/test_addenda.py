"""Addenda: numbered changes to an open RFP that bump its document, return submitted bids to draft and may move the deadline."""

from __future__ import annotations

import html as html_lib
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from support import text_of

from coop import clock
from coop.audit.models import AuditEvent
from coop.audit.services import verify_chain
from coop.bids.models import Bid, BidStatus
from coop.clarifications.models import Addendum
from coop.clarifications.services import display_value
from coop.extensions import db
from coop.notifications.models import OutboundEmail
from coop.rfps.models import Rfp, RfpDocument, RfpStatus

BRAND_MESSAGE = (
    "“Lenovo” is a brand or model name: describe the performance you need instead, "
    "or write “Lenovo or equal” so that any product that performs as well can be offered."
)


def form_data(app, rfp: Rfp, summary: str = "Line 1 quantity raised to 150.", **changes) -> dict:
    """What the addendum form posts when the administrator changes only ``changes`` (field name -> value)."""
    rfp = db.session.get(Rfp, rfp.id)
    template = app.extensions["coop.rfp_templates"][rfp.template_key]
    data = {"summary": summary, "bid_deadline": ""}
    for line in rfp.lines:
        data[f"line_{line.id}_quantity"] = str(line.quantity)
        data[f"line_{line.id}_description"] = line.description
        for spec_field in template.spec_fields:
            data[f"line_{line.id}_spec_{spec_field.key}"] = display_value(line.spec.get(spec_field.key))
    for key in ("delivery_days", "delivery", "warranty"):
        data[f"terms_{key}"] = str(rfp.terms[key])
    data.update(changes)
    return data


def field_errors(response, name: str) -> list[str]:
    """The messages shown next to the field called ``name``."""
    html = response.get_data(as_text=True)
    after = html.split(f'name="{name}"', 1)[1].split('<div class="mb-3', 1)[0]
    return [
        html_lib.unescape(message)
        for message in re.findall(r'<div class="invalid-feedback d-block">(.*?)</div>', after)
    ]


def issue(client, rfp, data):
    return client.post(f"/admin/rfps/{rfp.id}/addenda/new", data=data)


def fresh(rfp) -> Rfp:
    db.session.expire_all()
    return db.session.get(Rfp, rfp.id)


def addenda(rfp):
    return db.session.scalars(sa.select(Addendum).where(Addendum.rfp_id == rfp.id).order_by(Addendum.number)).all()


def outbox_bodies() -> str:
    return "\n".join(message.body for message in outbox())


def outbox():
    return db.session.scalars(sa.select(OutboundEmail).order_by(OutboundEmail.id)).all()


@pytest.fixture
def as_admin(log_in, admin):
    return log_in(admin)


def test_an_addendum_changes_a_line_and_stores_the_new_document(app, as_admin, rfp):
    line = rfp.lines[0]
    response = issue(
        as_admin, rfp, form_data(app, rfp, **{f"line_{line.id}_quantity": "150", f"line_{line.id}_spec_ram_gb": "16"})
    )
    assert response.status_code == 302, text_of(response)
    assert response.headers["Location"] == f"/admin/rfps/{rfp.id}/addenda"
    rfp = fresh(rfp)
    assert (rfp.lines[0].quantity, rfp.lines[0].spec["ram_gb"], rfp.lines[1].quantity) == (150, 16, 40)
    assert rfp.document_version == 2
    document = db.session.scalar(sa.select(RfpDocument).where(RfpDocument.rfp_id == rfp.id, RfpDocument.version == 2))
    assert document is not None and "150" in document.html
    [addendum] = addenda(rfp)
    assert (addendum.number, addendum.document_version, addendum.summary) == (1, 2, "Line 1 quantity raised to 150.")
    assert addendum.changes == {
        "before": {"lines": {"1": {"quantity": 120, "spec": {"ram_gb": 8}}}},
        "after": {"lines": {"1": {"quantity": 150, "spec": {"ram_gb": 16}}}},
    }
    assert addendum.bid_deadline_before == addendum.bid_deadline_after == rfp.bid_deadline
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "addendum.issued")).one()
    assert event.rfp_id == rfp.id
    assert event.before == {"lines": {"1": {"quantity": 120, "spec": {"ram_gb": 8}}}, "document_version": 1}
    assert (
        event.after["lines"] == {"1": {"quantity": 150, "spec": {"ram_gb": 16}}}
        and event.after["document_version"] == 2
    )
    assert verify_chain(rfp.id).intact

    page = text_of(as_admin.get(f"/admin/rfps/{rfp.id}/addenda"))
    assert "Addendum 1" in page
    assert "Line 1 (11-inch student laptop): quantity 120 → 150." in page
    assert "Line 1 (11-inch student laptop): Memory (RAM) 8 GB → 16 GB." in page


def test_addenda_are_numbered_in_order(app, as_admin, rfp):
    line = rfp.lines[1]
    issue(as_admin, rfp, form_data(app, rfp, **{f"line_{line.id}_quantity": "41"}))
    issue(as_admin, rfp, form_data(app, rfp, summary="Second.", **{f"line_{line.id}_quantity": "42"}))
    assert [(a.number, a.document_version) for a in addenda(rfp)] == [(1, 2), (2, 3)]
    assert fresh(rfp).document_version == 3


def test_submitted_bids_return_to_draft_and_draft_bids_are_untouched(
    app, as_admin, rfp, make_vendor_rep, make_bid, follow
):
    bidders = [make_vendor_rep() for _ in range(3)]
    submitted = [make_bid(rfp, rep.organisation, BidStatus.SUBMITTED) for rep in bidders[:2]]
    draft = make_bid(rfp, bidders[2].organisation, BidStatus.DRAFT)
    withdrawn_rep = make_vendor_rep()
    withdrawn = make_bid(rfp, withdrawn_rep.organisation, BidStatus.WITHDRAWN)
    follower = make_vendor_rep()
    for rep in (bidders[2], follower):
        follow(rfp, rep.organisation)
    line = rfp.lines[0]
    response = issue(as_admin, rfp, form_data(app, rfp, **{f"line_{line.id}_quantity": "130"}))
    assert response.status_code == 302
    db.session.expire_all()
    assert [db.session.get(Bid, bid.id).status for bid in submitted] == [BidStatus.DRAFT, BidStatus.DRAFT]
    assert db.session.get(Bid, submitted[0].id).submitted_at is None
    assert db.session.get(Bid, draft.id).status == BidStatus.DRAFT
    assert db.session.get(Bid, withdrawn.id).status == BidStatus.WITHDRAWN
    [addendum] = addenda(rfp)
    assert addendum.bids_returned_to_draft == 2  # kept for after opening

    messages = {message.to_address: message for message in outbox()}
    assert set(messages) == {bidders[0].email, bidders[1].email, bidders[2].email, follower.email}
    assert {message.subject for message in messages.values()} == {f"{rfp.reference}: addendum 1 issued"}
    returned = "Your submitted bid on this RFP has been returned to draft because of this addendum."
    assert returned in messages[bidders[0].email].body and returned in messages[bidders[1].email].body
    assert returned not in messages[bidders[2].email].body and returned not in messages[follower.email].body
    for message in messages.values():
        assert "Line 1 (11-inch student laptop): quantity 120 → 130." in message.body
        assert "2 bids" not in message.body and bidders[0].organisation.name not in message.body

    # Sealed bids: the administrator learns nothing about how many bids there are.
    with as_admin.session_transaction() as flashed:
        assert flashed["_flashes"] == [
            (
                "success",
                f"Addendum 1 is issued and every vendor following {rfp.reference} "
                "is being e-mailed. Vendors with submitted bids have been asked to re-confirm.",
            )
        ]
    page = text_of(as_admin.get(f"/admin/rfps/{rfp.id}/addenda"))
    assert "returned" not in page and " 2 " not in page.replace("version 2", "")
    outbox_page = as_admin.get("/admin/outbox").get_data(as_text=True)
    assert "returned to draft" not in outbox_page
    actions = [
        event.action
        for event in db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.rfp_id == rfp.id).order_by(AuditEvent.id)
        )
    ]
    assert actions == ["bid.returned_to_draft", "bid.returned_to_draft", "addendum.issued"]
    assert verify_chain(rfp.id).intact


def test_the_flash_is_the_same_without_any_bid(app, as_admin, rfp):
    issue(as_admin, rfp, form_data(app, rfp, **{f"line_{rfp.lines[0].id}_quantity": "121"}))
    with as_admin.session_transaction() as flashed:
        assert "Vendors with submitted bids have been asked to re-confirm." in flashed["_flashes"][0][1]
    assert addenda(rfp)[0].bids_returned_to_draft == 0


def test_inside_the_last_seven_days_the_deadline_moves_to_seven_days_after_the_addendum(
    app, as_admin, make_rfp, now, follow, globex_rep
):
    now(now().replace(second=0))
    rfp = make_rfp(deadline_in=timedelta(days=3))
    follow(rfp, globex_rep.organisation)
    before = rfp.bid_deadline
    issue(as_admin, rfp, form_data(app, rfp, **{f"line_{rfp.lines[0].id}_quantity": "121"}))
    [addendum] = addenda(rfp)
    assert addendum.bid_deadline_before == before
    assert addendum.bid_deadline_after == now() + timedelta(days=7)
    assert fresh(rfp).bid_deadline == now() + timedelta(days=7)
    assert addendum.changes["after"]["bid_deadline"] == (now() + timedelta(days=7)).isoformat()
    moved = clock.format_utc(before) + " → " + clock.format_utc(now() + timedelta(days=7))
    assert "Bid deadline: " + moved in outbox_bodies()


def test_the_extended_deadline_is_rounded_up_to_the_minute(app, as_admin, make_rfp, now):
    now(now().replace(second=30))
    rfp = make_rfp(deadline_in=timedelta(days=6, hours=23))
    issue(as_admin, rfp, form_data(app, rfp, **{f"line_{rfp.lines[0].id}_quantity": "121"}))
    assert fresh(rfp).bid_deadline == now().replace(second=0) + timedelta(days=7, minutes=1)


def test_a_later_deadline_asked_for_inside_the_last_seven_days_is_kept(app, as_admin, make_rfp, now):
    rfp = make_rfp(deadline_in=timedelta(days=2))
    later = (now() + timedelta(days=10)).replace(second=0)
    issue(
        as_admin,
        rfp,
        form_data(
            app, rfp, bid_deadline=later.strftime("%Y-%m-%dT%H:%M"), **{f"line_{rfp.lines[0].id}_quantity": "121"}
        ),
    )
    assert fresh(rfp).bid_deadline == later
    assert addenda(rfp)[0].bid_deadline_after == later


def test_outside_the_last_seven_days_the_deadline_stays(app, as_admin, make_rfp, now):
    rfp = make_rfp(deadline_in=timedelta(days=7))
    before = rfp.bid_deadline
    issue(as_admin, rfp, form_data(app, rfp, **{f"line_{rfp.lines[0].id}_quantity": "121"}))
    assert fresh(rfp).bid_deadline == before
    assert addenda(rfp)[0].bid_deadline_after == before
    assert "bid_deadline" not in addenda(rfp)[0].changes["after"]


def test_the_addendum_is_emailed_to_every_interested_vendor_only(app, as_admin, rfp, follow, make_vendor_rep):
    followers = [make_vendor_rep() for _ in range(2)]
    stranger = make_vendor_rep()
    for rep in followers:
        follow(rfp, rep.organisation)
    issue(
        as_admin,
        rfp,
        form_data(
            app,
            rfp,
            summary="Warranty now four years.",
            terms_warranty="Four years of parts, labour and accidental damage.",
        ),
    )
    messages = outbox()
    assert sorted(message.to_address for message in messages) == sorted(rep.email for rep in followers)
    assert stranger.email not in [message.to_address for message in messages]
    body = messages[0].body
    assert "Warranty now four years." in body
    assert "Terms, warranty: now “Four years of parts, labour and accidental damage.”" in body
    assert f"The RFP document is now version 2: http://localhost/rfps/{rfp.reference}" in body
    assert fresh(rfp).terms["warranty"] == "Four years of parts, labour and accidental damage."
    assert fresh(rfp).terms["criteria"] == [{"key": "price", "label": "Price", "weight": 100}]  # untouched


def test_an_addendum_keeps_a_decimal_spec_value_exact_as_the_line_form_does(app, as_admin, rfp):
    line = rfp.lines[0]
    response = issue(
        as_admin, rfp, form_data(app, rfp, summary="Larger screens.", **{f"line_{line.id}_spec_screen_in": "13.3"})
    )
    assert response.status_code == 302, text_of(response)
    assert fresh(rfp).lines[0].spec["screen_in"] == "13.3"  # as the RFP's line form stores it, never 13.3 as a float
    assert addenda(rfp)[0].changes["after"] == {"lines": {"1": {"spec": {"screen_in": "13.3"}}}}


def test_spec_values_are_checked_against_the_template(app, as_admin, rfp):
    line = rfp.lines[0]
    response = issue(
        as_admin,
        rfp,
        form_data(
            app,
            rfp,
            **{
                f"line_{line.id}_spec_ram_gb": "12",
                f"line_{line.id}_spec_screen_in": "9",
                f"line_{line.id}_spec_battery_hours": "",
                f"line_{line.id}_spec_storage_gb": "",
            },
        ),
    )
    assert response.status_code == 422
    assert field_errors(response, f"line_{line.id}_spec_ram_gb") == ["Memory (RAM) must be one of: 4, 8, 16."]
    assert field_errors(response, f"line_{line.id}_spec_screen_in") == ["Screen diagonal must be at least 10.1."]
    assert field_errors(response, f"line_{line.id}_spec_battery_hours") == [
        "Battery life (manufacturer-rated) is required."
    ]
    assert field_errors(response, f"line_{line.id}_spec_storage_gb") == ["Storage is required."]
    assert addenda(rfp) == [] and fresh(rfp).document_version == 1


def test_brand_names_are_refused_next_to_the_field(app, as_admin, rfp):
    line = rfp.lines[1]
    response = issue(
        as_admin,
        rfp,
        form_data(
            app,
            rfp,
            **{
                f"line_{line.id}_description": "A Lenovo 300e for every student.",
                "terms_delivery": "Delivered by Dell or equal carriers.",
            },
        ),
    )
    assert response.status_code == 422
    assert field_errors(response, f"line_{line.id}_description") == [BRAND_MESSAGE]
    assert field_errors(response, "terms_delivery") == []  # "Dell or equal" is allowed
    assert addenda(rfp) == [] and fresh(rfp).lines[1].description == "Student device for 1:1 programmes."


def test_summary_quantity_deadline_and_nothing_changed_messages(app, as_admin, rfp):
    line = rfp.lines[0]
    response = issue(as_admin, rfp, form_data(app, rfp, summary="", **{f"line_{line.id}_quantity": "0"}))
    page = text_of(response)
    assert response.status_code == 422
    assert "Summarise what the addendum changes." in page
    response = issue(as_admin, rfp, form_data(app, rfp, **{f"line_{line.id}_quantity": "0"}))
    assert "The quantity must be a whole number of at least 1." in text_of(response)
    earlier = (rfp.bid_deadline - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = issue(as_admin, rfp, form_data(app, rfp, bid_deadline=earlier))
    assert (
        f"The new bid deadline must be later than the current one ({rfp.bid_deadline.strftime('%Y-%m-%d %H:%M UTC')})."
    ) in text_of(response)
    response = issue(as_admin, rfp, form_data(app, rfp, bid_deadline="tomorrow"))
    assert "Enter the deadline as a date and a time (UTC)." in text_of(response)
    response = issue(as_admin, rfp, form_data(app, rfp))
    assert response.status_code == 422
    assert "This addendum changes nothing: change a line, a spec, the terms or the bid deadline." in text_of(response)
    assert addenda(rfp) == [] and outbox() == []


def test_a_new_bid_deadline_more_than_five_years_ahead_is_refused_on_its_field(app, as_admin, rfp):
    response = issue(as_admin, rfp, form_data(app, rfp, summary="Much later.", bid_deadline="9999-12-31T23:59"))
    assert response.status_code == 422
    latest = clock.latest_date_ahead(clock.today())
    assert field_errors(response, "bid_deadline") == [
        f"The new bid deadline must be on or before {latest.isoformat()} (at most 5 years ahead)."
    ]
    assert addenda(rfp) == [] and outbox() == []
    assert fresh(rfp).bid_deadline == rfp.bid_deadline


def test_a_later_deadline_alone_is_an_addendum(app, as_admin, rfp):
    before = rfp.bid_deadline
    later = (before + timedelta(days=14)).replace(second=0)
    issue(as_admin, rfp, form_data(app, rfp, summary="Two more weeks.", bid_deadline=later.strftime("%Y-%m-%dT%H:%M")))
    assert fresh(rfp).bid_deadline == later
    assert addenda(rfp)[0].changes == {
        "before": {"bid_deadline": before.isoformat()},
        "after": {"bid_deadline": later.isoformat()},
    }


def test_a_later_deadline_alone_leaves_submitted_bids_in_force(app, as_admin, rfp, make_vendor_rep, make_bid, follow):
    # More time changes nothing a vendor offered: its submitted bid stays submitted (a draft is ignored at opening,
    # so returning it would drop the bid of a vendor that missed the e-mail).
    bidder = make_vendor_rep()
    bid = make_bid(rfp, bidder.organisation, BidStatus.SUBMITTED)
    follow(rfp, bidder.organisation)
    later = (rfp.bid_deadline + timedelta(days=14)).strftime("%Y-%m-%dT%H:%M")
    issue(as_admin, rfp, form_data(app, rfp, summary="Two more weeks.", bid_deadline=later))
    db.session.expire_all()
    assert db.session.get(Bid, bid.id).status == BidStatus.SUBMITTED
    assert addenda(rfp)[0].bids_returned_to_draft == 0
    [message] = [message for message in outbox() if message.to_address == bidder.email]
    assert "returned to draft" not in message.body


def test_no_addendum_after_the_deadline_or_when_not_open(app, as_admin, make_rfp, now):
    rfp = make_rfp()
    data = form_data(app, rfp, **{f"line_{rfp.lines[0].id}_quantity": "121"})
    now(rfp.bid_deadline)
    response = issue(as_admin, rfp, data)
    assert response.status_code == 302
    with as_admin.session_transaction() as flashed:
        assert flashed["_flashes"] == [("warning", "The bid deadline has passed: no addendum can be issued.")]
    assert "The bid deadline has passed: no addendum can be issued." in text_of(
        as_admin.get(f"/admin/rfps/{rfp.id}/addenda")
    )
    closed = make_rfp(status=RfpStatus.CLOSED, deadline_in=timedelta(days=40))
    issue(as_admin, closed, form_data(app, closed, **{f"line_{closed.lines[0].id}_quantity": "121"}))
    with as_admin.session_transaction() as flashed:
        assert flashed["_flashes"] == [("warning", "An addendum can be issued only while the RFP is open for bids.")]
    assert addenda(rfp) == [] and addenda(closed) == []
    assert fresh(rfp).lines[0].quantity == 120


def test_the_public_sees_the_addenda_on_the_board_panel_and_their_page(
    app, as_admin, rfp, panel_html, client, make_rfp
):
    issue(
        as_admin,
        rfp,
        form_data(app, rfp, summary="More laptops on line 1.", **{f"line_{rfp.lines[0].id}_quantity": "150"}),
    )
    panel = " ".join(re.sub(r"<[^>]+>", " ", panel_html(rfp)).split())
    assert "Addendum 1" in panel and "More laptops on line 1." in panel and "Deadline unchanged" in panel
    as_admin.post("/sign-out")
    page = client.get(f"/rfps/{rfp.reference}/addenda/1")
    assert page.status_code == 200
    assert "Line 1 (11-inch student laptop): quantity 120 → 150." in text_of(page)
    assert "returned" not in text_of(page)
    assert client.get(f"/rfps/{rfp.reference}/addenda/2").status_code == 404
    draft = make_rfp(status=RfpStatus.DRAFT)
    assert client.get(f"/rfps/{draft.reference}/addenda/1").status_code == 404


def test_an_rfp_without_a_template_takes_free_spec_values(app, as_admin, make_rfp):
    rfp = make_rfp(template_key="")
    line = rfp.lines[0]
    page = as_admin.get(f"/admin/rfps/{rfp.id}/addenda/new")
    assert page.status_code == 200 and f'name="line_{line.id}_spec_ram_gb"' in page.get_data(as_text=True)
    data = {
        "summary": "Brand check.",
        f"line_{line.id}_quantity": "120",
        f"line_{line.id}_description": line.description,
        f"line_{line.id}_spec_ram_gb": "Like an iPad",
        f"line_{rfp.lines[1].id}_quantity": "40",
    }
    response = issue(as_admin, rfp, data)
    assert response.status_code == 422
    assert "“iPad” is a brand or model name" in text_of(response)


def test_terms_are_checked(app, as_admin, rfp):
    response = issue(as_admin, rfp, form_data(app, rfp, terms_delivery_days="0", terms_warranty=" "))
    assert response.status_code == 422
    assert field_errors(response, "terms_delivery_days") == ["Delivery days must be a whole number from 1 to 730."]
    assert field_errors(response, "terms_warranty") == ["Warranty cannot be left empty."]
    response = issue(as_admin, rfp, form_data(app, rfp, terms_delivery_days="ten"))
    assert field_errors(response, "terms_delivery_days") == ["Delivery days must be a whole number."]
    # Orders are dated this many days after the award is final: no more than two years, and no huge number.
    for typed in ("731", "9" * 400):
        response = issue(as_admin, rfp, form_data(app, rfp, terms_delivery_days=typed))
        assert response.status_code == 422
        assert field_errors(response, "terms_delivery_days") == ["Delivery days must be a whole number from 1 to 730."]
    assert addenda(rfp) == []
    issue(as_admin, rfp, form_data(app, rfp, summary="Faster delivery.", terms_delivery_days="30"))
    assert fresh(rfp).terms["delivery_days"] == 30
    assert addenda(rfp)[0].changes == {
        "before": {"terms": {"delivery_days": 45}},
        "after": {"terms": {"delivery_days": 30}},
    }
