"""Publication: a future bid deadline, E-Rate's Form 470 and 28-day rule, price weighing most; effective status."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from coop.errors import Refusal
from coop.extensions import db
from coop.notifications.models import OutboundEmail
from coop.rfps import queries, services
from coop.rfps.models import RfpDocument, RfpStatus

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@pytest.fixture
def ready(admin, committing, buyers, needs, link_of, frozen):
    """A committing E-Rate RFP with Lakeview's laptops confirmed, its commitment window just closed (clock at NOW)."""
    services.decide_commitment(buyers["Lakeview SD"], link_of(committing, needs["lakeview"]), confirm=True)
    services.decide_commitment(buyers["Hillcrest SD"], link_of(committing, needs["hillcrest"]), confirm=True)
    committing.commitment_deadline = NOW - timedelta(hours=1)
    db.session.commit()  # to the test's savepoint: a refused use case rolls back only its own work
    frozen(NOW)
    return committing


def details(rfp, **changes) -> services.DetailsInput:
    values = {
        "title": rfp.title,
        "tco_years": rfp.tco_years,
        "erate_eligible": True,
        "form470_number": "260012345",
        "form470_date": date(2026, 3, 1),
        "weights": {},
    }
    return services.DetailsInput(**{**values, **changes})


def details_form(rfp, **fields: str) -> dict[str, str]:
    """The details form as its page sends it: the RFP's title, 4 TCO years, weights 50/20/20/10, then ``fields``."""
    typed = {
        "title": rfp.title,
        "tco_years": "4",
        "weight_price": "50",
        "weight_specification": "20",
        "weight_warranty": "20",
        "weight_delivery": "10",
        **fields,
    }
    return {f"details-{name}": value for name, value in typed.items()}


def test_the_bid_deadline_must_be_in_the_future(admin, ready):
    services.update_details(admin, ready.id, details(ready, erate_eligible=False))
    with pytest.raises(Refusal) as refused:
        services.publish(admin, ready.id, NOW)
    assert str(refused.value) == "The bid deadline must be in the future."
    assert queries.rfp(ready.id).status == RfpStatus.COMMITTING


def test_an_erate_rfp_needs_its_form_470(admin, ready):
    assert ready.erate_eligible  # Hillcrest's need is E-Rate eligible
    with pytest.raises(Refusal) as refused:
        services.publish(admin, ready.id, NOW + timedelta(days=40))
    assert str(refused.value) == "An E-Rate RFP needs its FCC Form 470 number and date before publication."


def test_an_erate_bid_deadline_comes_28_days_after_the_form_470(admin, ready):
    services.update_details(admin, ready.id, details(ready))
    with pytest.raises(Refusal) as refused:
        services.publish(admin, ready.id, datetime(2026, 3, 28, 23, 59, tzinfo=UTC))
    assert str(refused.value) == (
        "Under E-Rate rules the bid deadline must be at least 28 days after the FCC Form 470 date (2026-03-01): "
        "the earliest allowed bid deadline is 2026-03-29."
    )
    rfp = services.publish(admin, ready.id, datetime(2026, 3, 29, 17, 0, tzinfo=UTC))
    assert (rfp.status, rfp.bid_deadline, rfp.published_at) == (
        RfpStatus.OPEN,
        datetime(2026, 3, 29, 17, 0, tzinfo=UTC),
        NOW,
    )


def test_an_erate_rfp_weighs_price_most(admin, ready):
    with pytest.raises(Refusal) as refused:
        services.update_details(admin, ready.id, details(ready, weights={"price": 30, "specification": 40}))
    assert str(refused.value) == (
        "Under E-Rate rules price must be the most heavily weighted criterion: price weighs 30 "
        "and “Meeting or exceeding the specification” weighs 40."
    )
    # Saved while not E-Rate, then switched on without touching the weights: publication still refuses.
    services.update_details(
        admin, ready.id, details(ready, erate_eligible=False, weights={"price": 30, "specification": 40})
    )
    ready.erate_eligible = True
    with pytest.raises(Refusal) as refused:
        services.publish(admin, ready.id, NOW + timedelta(days=40))
    assert str(refused.value).startswith("Under E-Rate rules price must be the most heavily weighted criterion")


def test_weights_must_add_up_to_100(admin, ready):
    with pytest.raises(Refusal) as refused:
        services.update_details(admin, ready.id, details(ready, weights={"price": 60}))
    assert str(refused.value) == "The criteria weights must add up to 100, not 110."


def test_publication_stores_document_version_1(admin, ready):
    services.update_details(admin, ready.id, details(ready))
    rfp = services.publish(admin, ready.id, datetime(2026, 4, 15, 17, 0, tzinfo=UTC))
    stored = queries.document(rfp.id)
    assert isinstance(stored, RfpDocument) and stored.version == 1 and rfp.document_version == 1
    assert "RFP-2026-0001" in stored.html and "Memory (RAM): at least 8 GB" in stored.html
    assert "FCC Form 470 number 260012345, posted 2026-03-01." in stored.html
    assert "2026-04-15 17:00 UTC" in stored.html


def test_the_publish_form_takes_the_deadline_in_a_chosen_time_zone(log_in, admin, ready, seen):
    client = log_in(admin)
    client.post(
        f"/admin/rfps/{ready.id}/details",
        data={
            "details-title": ready.title,
            "details-tco_years": "4",
            "details-erate_eligible": "y",
            "details-form470_number": "260012345",
            "details-form470_date": "2026-03-01",
            "details-weight_price": "50",
            "details-weight_specification": "20",
            "details-weight_warranty": "20",
            "details-weight_delivery": "10",
        },
    )
    response = client.post(
        f"/admin/rfps/{ready.id}/publish",
        data={"publish-deadline": "2026-04-15T12:00", "publish-time_zone": "America/Chicago"},
        follow_redirects=True,
    )
    assert f"{ready.reference} is published; bids are due by 2026-04-15 17:00 UTC." in seen(response)
    db.session.expire_all()
    assert queries.rfp(ready.id).bid_deadline == datetime(2026, 4, 15, 17, 0, tzinfo=UTC)


def test_a_form_470_date_more_than_five_years_ahead_is_refused_on_its_field(log_in, admin, ready, seen):
    response = log_in(admin).post(
        f"/admin/rfps/{ready.id}/details",
        data=details_form(ready, erate_eligible="y", form470_number="260012345", form470_date="9999-12-31"),
    )
    assert response.status_code == 422
    message = "The FCC Form 470 date must be on or before 2031-03-02 (at most 5 years ahead)."
    field = response.get_data(as_text=True).split('id="details-form470_date"', 1)[1].split("</div>", 2)
    assert message in "".join(field[:2])
    assert seen(response).count(message) == 1
    db.session.expire_all()
    assert queries.rfp(ready.id).form470_date is None


def test_a_bid_deadline_more_than_five_years_ahead_is_refused(admin, ready):
    services.update_details(admin, ready.id, details(ready, erate_eligible=False))
    with pytest.raises(Refusal) as refused:
        services.publish(admin, ready.id, datetime(2031, 3, 3, tzinfo=UTC))
    assert (refused.value.message, refused.value.field) == (
        "The bid deadline must be on or before 2031-03-02 (at most 5 years ahead).",
        "bid_deadline",
    )
    assert queries.rfp(ready.id).status == RfpStatus.COMMITTING


def test_the_publish_form_shows_the_erate_rule_next_to_the_deadline(log_in, admin, ready):
    services.update_details(admin, ready.id, details(ready))
    response = log_in(admin).post(
        f"/admin/rfps/{ready.id}/publish", data={"publish-deadline": "2026-03-20T12:00", "publish-time_zone": "UTC"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    field = html.split('id="publish-deadline"', 1)[1].split("</div>", 2)
    assert "the earliest allowed bid deadline is 2026-03-29." in "".join(field[:2])


@pytest.mark.parametrize("typed", ["1e309", "NaN", "four", "4.5"])
@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("tco_years", "Total-cost-of-ownership years must be a whole number from 1 to 10."),
        ("weight_price", "Each criterion weight must be a whole number from 1 to 100."),
        ("minimum_score", "The minimum non-price score must be a whole number from 0 to 100."),
    ],
)
def test_a_number_field_that_is_not_a_number_says_so_once(log_in, admin, ready, seen, field, message, typed):
    response = log_in(admin).post(
        f"/admin/rfps/{ready.id}/details", data=details_form(ready, **{"minimum_score": "60", field: typed})
    )
    assert response.status_code == 422
    assert seen(response).count(message) == 1
    db.session.expire_all()
    assert queries.rfp(ready.id).tco_years == ready.tco_years


def test_the_details_form_shows_the_price_rule(log_in, admin, ready, seen):
    response = log_in(admin).post(
        f"/admin/rfps/{ready.id}/details",
        data=details_form(
            ready, erate_eligible="y", weight_price="20", weight_specification="40", weight_delivery="20"
        ),
    )
    assert response.status_code == 422
    assert (
        "Under E-Rate rules price must be the most heavily weighted criterion: price weighs 20 and "
        "“Meeting or exceeding the specification” weighs 40."
    ) in seen(response)


def test_an_open_rfp_is_closed_once_its_bid_deadline_passes(published):
    deadline = published.bid_deadline
    assert queries.effective_status(published, deadline - timedelta(seconds=1)) == RfpStatus.OPEN
    assert queries.effective_status(published, deadline) == RfpStatus.CLOSED
    assert published.status == RfpStatus.OPEN  # the row is untouched until a job updates it


def test_the_bid_window_is_at_least_seven_days(admin, ready):
    services.update_details(admin, ready.id, details(ready, erate_eligible=False))
    with pytest.raises(Refusal) as refused:
        services.publish(admin, ready.id, NOW + timedelta(minutes=8))
    assert (refused.value.field, str(refused.value)) == (
        "bid_deadline",
        (
            "The bid deadline must be at least 7 days after publication, so that vendors have time to bid: "
            "the earliest allowed bid deadline is 2026-03-09 15:00 UTC."
        ),
    )
    assert queries.rfp(ready.id).status == RfpStatus.COMMITTING
    rfp = services.publish(admin, ready.id, NOW + timedelta(days=7))
    assert rfp.bid_deadline == NOW + timedelta(days=7)


def test_each_district_is_told_what_publication_did_with_its_lines(admin, ready, buyers):
    services.update_details(admin, ready.id, details(ready, erate_eligible=False))
    before = set(db.session.scalars(sa.select(OutboundEmail.id)))
    rfp = services.publish(admin, ready.id, NOW + timedelta(days=30))
    mail = {
        message.to_address: message
        for message in db.session.scalars(sa.select(OutboundEmail))
        if message.id not in before
    }
    lakeview, riverside = mail[buyers["Lakeview SD"].email], mail[buyers["Riverside USD"].email]
    assert lakeview.subject == f"{rfp.reference} is published"
    assert "- 40 × 14-inch student laptop: out to bid" in lakeview.body
    assert "vendors bid until 2026-04-01 15:00 UTC" in lakeview.body
    assert "- 60 × 14-inch student laptop: not confirmed, open again" in riverside.body


def test_the_districts_an_rfp_buys_for_are_told_when_its_bids_are_opened(admin, published, buyers, frozen):
    from coop.bids import services as bid_services

    frozen(published.bid_deadline + timedelta(minutes=5))
    before = set(db.session.scalars(sa.select(OutboundEmail.id)))
    bid_services.open_bids(admin, published.id)
    mail = [
        message
        for message in db.session.scalars(sa.select(OutboundEmail).order_by(OutboundEmail.id))
        if message.id not in before and message.subject == f"{published.reference}: bids opened"
    ]
    assert sorted(message.to_address for message in mail) == sorted(
        [buyers["Lakeview SD"].email, buyers["Riverside USD"].email]
    )  # Hillcrest confirmed nothing
    assert re.search(rf"The bid tabulation is public: \S*/rfps/{published.reference}/tabulation\n", mail[0].body)


def test_vendors_selling_the_category_in_a_region_of_its_districts_are_e_mailed_on_publication(
    admin, ready, make_vendor_rep, make_vendor, make_region, laptops
):
    services.update_details(admin, ready.id, details(ready, erate_eligible=False))
    category = laptops["LAPTOP-14"].category
    north, far = make_region("north"), make_region("far", "Far")
    selling = make_vendor_rep(make_vendor("Acme Learning Supply", regions=[north]))
    selling.organisation.categories = [category]
    elsewhere = make_vendor_rep(make_vendor("Far Away Devices", regions=[far]))
    elsewhere.organisation.categories = [category]
    not_selling = make_vendor_rep(make_vendor("Cable Co", regions=[north]))
    db.session.commit()
    rfp = services.publish(admin, ready.id, NOW + timedelta(days=30))
    told = {
        message.to_address: message
        for message in db.session.scalars(
            sa.select(OutboundEmail).where(OutboundEmail.subject == f"New RFP: {rfp.reference} {rfp.title}")
        )
    }
    assert set(told) == {selling.email}
    assert not {elsewhere.email, not_selling.email} & set(told)
    assert "Bids are due by 2026-04-01 15:00 UTC." in told[selling.email].body
    assert told[selling.email].sealed_rfp_id is None  # a published RFP is public
