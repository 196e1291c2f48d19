"""The vendor's dashboard: its bids and what each needs, the RFPs open in its regions, its questions answered."""

from __future__ import annotations

from datetime import timedelta

from coop import clock
from coop.bids import services
from coop.clarifications.models import Question, QuestionStatus
from coop.extensions import db


def test_the_vendor_sees_what_each_bid_needs_and_where_to_handle_it(
    log_in, rfp, make_rfp, vendor_user, admin, bid_input, now, table_rows
):
    elsewhere = make_rfp(title="Far away laptops")
    client = log_in(vendor_user)

    services.save_bid(vendor_user, rfp.reference, bid_input(rfp), revision=None)
    rows = table_rows(client.get("/dashboard"), "bid-list")
    assert len(rows) == 1 and rfp.reference in rows[0] and rows[0].endswith("draft, not submitted")
    html = client.get("/dashboard").get_data(as_text=True)
    assert f'href="/rfps/{rfp.reference}/bid"' in html

    services.submit_bid(vendor_user, rfp.reference, revision=2)
    assert table_rows(client.get("/dashboard"), "bid-list")[0].endswith("submitted")
    services.save_bid(vendor_user, rfp.reference, bid_input(rfp, product="Acme Book 11 G4"), revision=3)
    assert table_rows(client.get("/dashboard"), "bid-list")[0].endswith("submitted; later changes not submitted")

    services.submit_bid(vendor_user, rfp.reference, revision=4)
    services.return_submitted_bids_to_draft(rfp.id, actor_user_id=admin.id, reason="Addendum 1 changed line 1")
    db.session.commit()
    assert table_rows(client.get("/dashboard"), "bid-list")[0].endswith(
        "returned to draft by an addendum: submit it again"
    )

    # Open RFPs, each with the way to bid; an answered question with its RFP.
    page = client.get("/dashboard").get_data(as_text=True)
    assert f'href="/rfps/{elsewhere.reference}/bid">Bid</a>' in page
    assert f'href="/rfps/{rfp.reference}/bid">Your bid</a>' in page
    db.session.add(
        Question(
            rfp_id=rfp.id,
            vendor_id=vendor_user.organisation.id,
            text="Is a 12-inch screen fine?",
            status=QuestionStatus.ANSWERED,
            answer="Yes.",
            answered_at=clock.utcnow(),
        )
    )
    db.session.commit()
    answered = client.get("/dashboard").get_data(as_text=True)
    assert "Is a 12-inch screen fine?" in answered and f'href="/rfps/{rfp.reference}">{rfp.reference}</a>' in answered

    # After the deadline, nothing to do on it any more.
    now(rfp.bid_deadline + timedelta(minutes=1))
    assert (
        "table-warning"
        not in client.get("/dashboard").get_data(as_text=True).split('id="bid-list"')[1].split("</table>")[0]
    )


def test_a_vendor_that_chose_categories_sees_the_open_rfps_of_those(log_in, rfp, make_rfp, make_item, vendor_user):
    displays = make_rfp(title="Classroom displays")
    displays.category = make_item("IFP-65", category="interactive-displays").category
    vendor_user.organisation.categories = [rfp.category]
    db.session.commit()
    page = log_in(vendor_user).get("/dashboard").get_data(as_text=True)
    section = page.split('id="open-rfps"')[1].split("</section>")[0]
    assert rfp.reference in section and displays.reference not in section
    assert "RFPs open in your regions and categories" in section
