"""The district buyer's and the administrator's dashboards: what needs attention, each item linking where it is
handled."""

from __future__ import annotations

import re
from datetime import timedelta

from coop import clock
from coop.extensions import db
from coop.notifications.models import OutboundEmail
from coop.orgs.models import OrganisationStatus
from coop.rfps import services


def test_the_buyer_sees_lines_to_confirm_its_rfps_and_needs_not_pooled(
    committing,
    log_in,
    buyers,
    needs,
    link_of,
    make_need,
    laptops,
    districts,
    seen,
    table_rows,
    frozen,
    admin,
    complete_details,
):
    spare = make_need(
        districts["Lakeview SD"],
        item=laptops["CHROMEBOOK-11"],
        quantity=12,
        needed_by=clock.today() + timedelta(days=90),
    )
    client = log_in(buyers["Lakeview SD"])
    link_id = link_of(committing, needs["lakeview"])
    response = client.get("/dashboard")
    html, text = response.get_data(as_text=True), seen(response)
    assert (
        f'<a href="/commitments#commitment-{link_id}">Confirm or withdraw\n      40 × 14-inch student laptop</a>'
        in html
    )
    assert f"on {committing.reference} line 2 · by {clock.format_utc(committing.commitment_deadline)}" in text
    assert table_rows(response, "our-rfp-list") == [
        f"{committing.reference} · {committing.title} Committing 0 confirmed, 1 to decide Commitments close "
        f"{clock.format_utc(committing.commitment_deadline)}"
    ]
    assert f'<a href="/needs/{spare.id}">12 × 11-inch Chromebook</a>' in html

    # Confirmed: nothing left to confirm; published: the RFP's page, its bid deadline.
    services.decide_commitment(buyers["Lakeview SD"], link_id, confirm=True)
    assert "No line waits for your confirmation." in seen(client.get("/dashboard"))
    frozen(committing.commitment_deadline + timedelta(minutes=1))
    complete_details(committing)
    rfp = services.publish(admin, committing.id, committing.commitment_deadline + timedelta(days=30))
    response = client.get("/dashboard")
    assert table_rows(response, "our-rfp-list") == [
        f"{rfp.reference} · {rfp.title} Open 1 confirmed Vendors bid until {clock.format_utc(rfp.bid_deadline)}"
    ]
    assert f'href="/rfps/{rfp.reference}"' in response.get_data(as_text=True)


def test_the_administrator_sees_sign_ups_commitment_windows_and_failed_mail(
    committing, log_in, admin, make_buyer, seen
):
    pending = make_buyer(name="Elk Meadow SD", status=OrganisationStatus.PENDING).organisation
    db.session.add(
        OutboundEmail(to_address="x@example.org", subject="s", body="b", failed_at=clock.utcnow(), attempts=5)
    )
    db.session.flush()
    response = log_in(admin).get("/dashboard")
    html, text = response.get_data(as_text=True), seen(response)
    assert f'<a href="/admin/organisations">{pending.name}</a>' in html
    assert f'<a href="/admin/rfps/{committing.id}">{committing.reference}</a>' in html
    assert f"closes {clock.format_utc(committing.commitment_deadline)}" in text
    assert '<a href="/admin/outbox?state=failed">1 message could not be delivered</a>' in html
    assert "No RFP waits for its opening." in text and "No question is waiting." in text


def test_the_administrator_sees_an_rfp_past_its_deadline_waiting_for_its_opening_and_nothing_of_its_bids(
    published, log_in, admin, frozen, seen
):
    client = log_in(admin)
    assert "No RFP waits for its opening." in seen(client.get("/dashboard"))
    frozen(published.bid_deadline + timedelta(minutes=1))
    response = client.get("/dashboard")
    section = response.get_data(as_text=True).split('id="awaiting-opening"')[1].split("</section>")[0]
    assert f'<a href="/admin/rfps/{published.id}">{published.reference}</a>' in section
    # The row says which RFP and its deadline, and nothing about its bids (sealed until the opening).
    row = " ".join(re.sub(r"<[^>]+>", " ", section.split("<li")[1]).split())
    assert (
        row == f'class="list-group-item"> {published.reference} · {published.title} · deadline '
        f"{clock.format_utc(published.bid_deadline)}"
    )
