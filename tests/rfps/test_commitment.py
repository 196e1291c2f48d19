"""The commitment window: districts are e-mailed, confirm or withdraw each pooled need until the deadline, then publication."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from coop import clock
from coop.audit import queries as audit_queries
from coop.audit import services as audit
from coop.errors import Refusal
from coop.extensions import db
from coop.needs import services as need_services
from coop.needs.models import Need, NeedStatus
from coop.notifications.models import OutboundEmail
from coop.rfps import queries, services
from coop.rfps.models import CommitmentStatus, RfpLineNeed, RfpStatus


def outbox() -> list[OutboundEmail]:
    return list(db.session.scalars(sa.select(OutboundEmail).order_by(OutboundEmail.to_address)))


def test_starting_the_window_emails_every_district_with_pooled_needs(committing, buyers):
    rfp = queries.rfp(committing.id)
    assert rfp.status == RfpStatus.COMMITTING
    deadline = clock.format_utc(rfp.commitment_deadline)
    messages = outbox()
    assert [(m.to_address, m.subject) for m in messages] == [
        ("buyer@hillcrest.example.org", f"{rfp.reference}: confirm your needs by {deadline}"),
        ("buyer@lakeview.example.org", f"{rfp.reference}: confirm your needs by {deadline}"),
        ("buyer@riverside.example.org", f"{rfp.reference}: confirm your needs by {deadline}"),
    ]
    assert "- Line 2: 40 × 14-inch student laptop" in messages[1].body
    assert "Commitments page (/commitments)" in messages[1].body
    assert [line.quantity for line in rfp.lines] == [0, 0]  # nothing confirmed yet


def test_the_commitment_deadline_must_be_in_the_future(admin, draft, complete_specs, frozen):
    complete_specs(draft)
    now = frozen(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    with pytest.raises(Refusal) as refused:
        services.start_commitment(admin, draft.id, now)
    assert str(refused.value) == "The commitment deadline must be in the future."
    assert queries.rfp(draft.id).status == RfpStatus.DRAFT
    assert outbox() == []


def test_a_district_sees_only_the_lines_that_pool_its_needs(committing, log_in, buyers, table_rows, seen):
    response = log_in(buyers["Lakeview SD"]).get("/commitments")
    assert response.status_code == 200
    rows = table_rows(response, "commitments")
    assert len(rows) == 1
    assert rows[0].startswith(f"{committing.reference} Committing Student laptops 2026 Line 2: 14-inch student laptop")
    assert rows[0].endswith(
        f"at least 3 years 40 0 {clock.format_utc(committing.commitment_deadline)} Proposed "
        "Name our district publicly on this RFP"
    )
    html = response.get_data(as_text=True)
    assert 'value="Confirm"' in html and 'value="Withdraw"' in html
    assert "Chromebook" not in seen(response)


def test_confirming_and_withdrawing_update_the_pooled_totals(committing, buyers, needs, link_of):
    lakeview = services.decide_commitment(
        buyers["Lakeview SD"], link_of(committing, needs["lakeview"]), confirm=True, named_publicly=True
    )
    assert (lakeview.commitment, lakeview.named_publicly, lakeview.line.quantity) == (
        CommitmentStatus.CONFIRMED,
        True,
        40,
    )
    services.decide_commitment(buyers["Riverside USD"], link_of(committing, needs["riverside"]), confirm=True)
    assert queries.rfp(committing.id).lines[1].quantity == 100
    withdrawn = services.decide_commitment(
        buyers["Riverside USD"], link_of(committing, needs["riverside"]), confirm=False
    )
    assert (withdrawn.commitment, withdrawn.line.quantity) == (CommitmentStatus.WITHDRAWN, 40)
    assert db.session.get(Need, needs["riverside"].id).status == NeedStatus.OPEN  # free to be pooled elsewhere
    events = audit_queries.rfp_audit_events(committing.id, opened_at=committing.opened_at)
    assert [event.action for event in events][-3:] == [
        "rfp.commitment_confirmed",
        "rfp.commitment_confirmed",
        "rfp.commitment_withdrawn",
    ]
    assert events[-1].actor_user_id == buyers["Riverside USD"].id
    assert (events[-1].before["commitment"], events[-1].after["commitment"]) == ("confirmed", "withdrawn")
    assert audit.verify_chain(committing.id).intact


def test_a_withdrawn_need_can_be_confirmed_again_while_it_is_open(committing, buyers, needs, link_of):
    link_id = link_of(committing, needs["riverside"])
    services.decide_commitment(buyers["Riverside USD"], link_id, confirm=False)
    services.decide_commitment(buyers["Riverside USD"], link_id, confirm=True)
    assert db.session.get(Need, needs["riverside"].id).status == NeedStatus.POOLED
    assert db.session.get(RfpLineNeed, link_id).commitment == CommitmentStatus.CONFIRMED


def test_a_need_changed_after_its_withdrawal_is_confirmed_as_it_now_stands(committing, buyers, needs, link_of):
    # Riverside withdraws its 60 laptops, changes the need, now open again, to 10, and confirms: it commits 10.
    riverside, link_id = buyers["Riverside USD"], link_of(committing, needs["riverside"])
    services.decide_commitment(riverside, link_id, confirm=False)
    need = needs["riverside"]
    need_services.edit_need(
        riverside,
        need.id,
        need_services.NeedInput(item_id=need.item_id, quantity=10, needed_by=need.needed_by),
    )
    link = services.decide_commitment(riverside, link_id, confirm=True)
    assert (link.quantity, db.session.get(Need, need.id).quantity) == (10, 10)
    assert link.line.quantity == sum(other.quantity for other in queries.confirmed_links(link.line))
    event = audit_queries.rfp_audit_events(committing.id, opened_at=committing.opened_at)[-1]
    assert (event.before["quantity"], event.after["quantity"]) == (60, 10)


def test_a_need_changed_to_another_item_after_its_withdrawal_is_not_confirmed_on_its_old_line(
    committing, buyers, needs, link_of, make_item
):
    riverside, link_id = buyers["Riverside USD"], link_of(committing, needs["riverside"])
    services.decide_commitment(riverside, link_id, confirm=False)
    need = needs["riverside"]
    other_item = make_item("TABLET-10")
    need_services.edit_need(
        riverside,
        need.id,
        need_services.NeedInput(item_id=other_item.id, quantity=need.quantity, needed_by=need.needed_by),
    )
    with pytest.raises(Refusal) as refused:
        services.decide_commitment(riverside, link_id, confirm=True)
    assert "changed to another item" in refused.value.message
    assert db.session.get(RfpLineNeed, link_id).commitment == CommitmentStatus.WITHDRAWN


def test_the_page_confirms_with_the_districts_agreement_to_be_named(committing, log_in, buyers, needs, link_of, seen):
    link_id = link_of(committing, needs["lakeview"])
    response = log_in(buyers["Lakeview SD"]).post(
        f"/commitments/{link_id}",
        data={f"c{link_id}-named_publicly": "y", f"c{link_id}-confirm": "Confirm"},
        follow_redirects=True,
    )
    assert (
        f"Confirmed: 40 × 14-inch student laptop on {committing.reference} line 2, with your district named publicly."
    ) in seen(response)
    assert "Confirmed · named publicly" in seen(response)


def test_the_page_withdraws(committing, log_in, buyers, needs, link_of, seen):
    link_id = link_of(committing, needs["lakeview"])
    response = log_in(buyers["Lakeview SD"]).post(
        f"/commitments/{link_id}", data={f"c{link_id}-withdraw": "Withdraw"}, follow_redirects=True
    )
    assert (
        f"Withdrawn: 40 × 14-inch student laptop from {committing.reference} line 2; the need is open again."
    ) in seen(response)
    db.session.expire_all()
    assert db.session.get(RfpLineNeed, link_id).commitment == CommitmentStatus.WITHDRAWN


def test_at_the_deadline_decisions_are_refused(committing, log_in, buyers, needs, link_of, frozen, seen):
    link_id = link_of(committing, needs["lakeview"])
    frozen(committing.commitment_deadline)
    expected = (
        f"The commitment window of {committing.reference} closed at "
        f"{clock.format_utc(committing.commitment_deadline)}; your decision was not recorded."
    )
    with pytest.raises(Refusal) as refused:
        services.decide_commitment(buyers["Lakeview SD"], link_id, confirm=True)
    assert str(refused.value) == expected
    response = log_in(buyers["Lakeview SD"]).post(
        f"/commitments/{link_id}", data={f"c{link_id}-confirm": "Confirm"}, follow_redirects=True
    )
    assert expected in seen(response)
    assert "The commitment window closed." in seen(response)
    db.session.expire_all()
    assert db.session.get(RfpLineNeed, link_id).commitment == CommitmentStatus.PROPOSED


def test_one_second_before_the_deadline_a_decision_counts(committing, buyers, needs, link_of, frozen):
    frozen(committing.commitment_deadline - timedelta(seconds=1))
    link = services.decide_commitment(buyers["Lakeview SD"], link_of(committing, needs["lakeview"]), confirm=True)
    assert link.commitment == CommitmentStatus.CONFIRMED


def test_another_districts_need_is_not_found(committing, log_in, buyers, needs, link_of):
    link_id = link_of(committing, needs["lakeview"])
    response = log_in(buyers["Riverside USD"]).post(f"/commitments/{link_id}", data={f"c{link_id}-confirm": "Confirm"})
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(RfpLineNeed, link_id).commitment == CommitmentStatus.PROPOSED


def test_a_draft_is_not_shown_to_districts_and_takes_no_decision(draft, log_in, buyers, needs, link_of, seen):
    client = log_in(buyers["Lakeview SD"])
    assert "None of your needs is pooled into an RFP yet." in seen(client.get("/commitments"))
    with pytest.raises(Refusal) as refused:
        services.decide_commitment(buyers["Lakeview SD"], link_of(draft, needs["lakeview"]), confirm=True)
    assert str(refused.value) == (
        f"{draft.reference} is not taking commitments (it is draft); your decision was not recorded."
    )


def test_publication_waits_for_the_commitment_deadline(admin, committing):
    with pytest.raises(Refusal) as refused:
        services.publish(admin, committing.id, clock.utcnow() + timedelta(days=40))
    assert str(refused.value) == (
        f"The commitment window of {committing.reference} is open until "
        f"{clock.format_utc(committing.commitment_deadline)}; publish it after that."
    )


def test_publication_keeps_what_was_confirmed(published, needs):
    rfp = queries.rfp(published.id)
    assert rfp.status == RfpStatus.OPEN
    # Hillcrest never confirmed: its Chromebook line is dropped and the laptop line is now line 1.
    assert [(line.line_no, line.item.code, line.quantity) for line in rfp.lines] == [(1, "LAPTOP-14", 100)]
    statuses = {name: db.session.get(Need, need.id).status for name, need in needs.items()}
    assert statuses == {
        "lakeview": NeedStatus.COMMITTED,
        "riverside": NeedStatus.COMMITTED,
        "hillcrest": NeedStatus.OPEN,
    }
    event = audit_queries.rfp_audit_events(rfp.id, opened_at=rfp.opened_at)[-1]
    assert (event.action, event.after["released_need_ids"]) == ("rfp.published", [needs["hillcrest"].id])
    assert audit.verify_chain(rfp.id).intact


def test_publication_with_nothing_confirmed_is_refused(admin, committing, frozen, complete_details):
    frozen(committing.commitment_deadline)
    complete_details(committing)
    with pytest.raises(Refusal) as refused:
        services.publish(admin, committing.id, committing.commitment_deadline + timedelta(days=30))
    assert str(refused.value) == "No district confirmed any line; there is nothing to publish. Cancel the RFP instead."


def test_the_administrator_follows_the_commitments(log_in, admin, committing, buyers, needs, link_of, seen, table_rows):
    services.decide_commitment(
        buyers["Lakeview SD"], link_of(committing, needs["lakeview"]), confirm=True, named_publicly=True
    )
    response = log_in(admin).get(f"/admin/rfps/{committing.id}")
    text = seen(response)
    assert "Line 2: LAPTOP-14 14-inch student laptop — 40 confirmed of 100" in text
    assert "The commitment window is open until" in text and 'id="publish-form"' in response.get_data(as_text=True)
    rows = table_rows(response, "line-2-needs")
    assert rows[0].startswith("Lakeview SD 40") and rows[0].endswith("Confirmed Yes")
    assert rows[1].startswith("Riverside USD 60") and rows[1].endswith("Proposed No")


def test_the_commitment_form_takes_the_deadline_in_a_chosen_time_zone(
    log_in, admin, draft, complete_specs, frozen, seen
):
    complete_specs(draft)
    frozen(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    client = log_in(admin)
    bad = client.post(
        f"/admin/rfps/{draft.id}/commitment", data={"commitment-deadline": "next Friday", "commitment-time_zone": "UTC"}
    )
    assert bad.status_code == 422
    assert "Enter the date and time, like 2026-05-01 17:00." in seen(bad)
    past = client.post(
        f"/admin/rfps/{draft.id}/commitment",
        data={"commitment-deadline": "2026-03-01T05:59", "commitment-time_zone": "America/Chicago"},
    )  # 11:59 UTC: past
    assert past.status_code == 422 and "The commitment deadline must be in the future." in seen(past)
    response = client.post(
        f"/admin/rfps/{draft.id}/commitment",
        data={"commitment-deadline": "2026-03-05T17:00", "commitment-time_zone": "America/New_York"},
        follow_redirects=True,
    )
    assert (
        f"{draft.reference} is open for commitments until 2026-03-05 22:00 UTC; the districts are e-mailed."
    ) in seen(response)


@pytest.mark.parametrize("time_zone", ["UTC", "America/Los_Angeles", "Pacific/Honolulu"])
def test_a_commitment_deadline_more_than_five_years_ahead_is_refused_on_its_field_and_nobody_is_emailed(
    log_in, admin, draft, complete_specs, frozen, seen, time_zone
):
    complete_specs(draft)
    frozen(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    message = "The commitment deadline must be on or before 2031-03-01 (at most 5 years ahead)."
    client = log_in(admin)
    for typed in ("9999-12-31T23:59", "2031-03-02T00:00"):
        response = client.post(
            f"/admin/rfps/{draft.id}/commitment",
            data={"commitment-deadline": typed, "commitment-time_zone": time_zone},
        )
        assert response.status_code == 422
        field = response.get_data(as_text=True).split('id="commitment-deadline"', 1)[1].split("</div>", 2)
        assert message in "".join(field[:2])
        assert seen(response).count(message) == 1
        assert f'value="{typed}"' in response.get_data(as_text=True)  # the form kept as typed
    assert queries.rfp(draft.id).status == RfpStatus.DRAFT
    assert outbox() == []


def test_a_commitment_deadline_five_years_ahead_is_accepted(admin, draft, complete_specs, frozen):
    complete_specs(draft)
    frozen(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    last = datetime(2031, 3, 1, 23, 59, tzinfo=UTC)
    assert services.start_commitment(admin, draft.id, last).commitment_deadline == last


def test_a_commitment_deadline_cannot_be_moved_more_than_five_years_ahead(committing, log_in, admin, seen):
    before = set(db.session.scalars(sa.select(OutboundEmail.id)))
    deadline = committing.commitment_deadline
    latest = clock.latest_date_ahead(clock.today())
    response = log_in(admin).post(
        f"/admin/rfps/{committing.id}/commitment/deadline",
        data={"commitment_deadline-deadline": "9999-12-31T23:59", "commitment_deadline-time_zone": "UTC"},
    )
    assert response.status_code == 422
    message = f"The commitment deadline must be on or before {latest.isoformat()} (at most 5 years ahead)."
    assert seen(response).count(message) == 1
    assert set(db.session.scalars(sa.select(OutboundEmail.id))) == before
    db.session.expire_all()
    assert queries.rfp(committing.id).commitment_deadline == deadline


def test_withdrawing_asks_first_and_the_need_and_the_commitment_link_to_the_rfp(
    committing, log_in, buyers, needs, link_of, seen, admin, frozen, complete_details
):
    link_id = link_of(committing, needs["lakeview"])
    client = log_in(buyers["Lakeview SD"])
    html = client.get("/commitments").get_data(as_text=True)
    withdraw = html[html.index(f'name="c{link_id}-withdraw"') - 400 : html.index(f'name="c{link_id}-withdraw"') + 400]
    assert (
        f'data-confirm="Withdraw 40 × 14-inch student laptop from {committing.reference}? The need is open again, '
        'and the pooled quantity goes down by 40."'
    ) in withdraw
    # The need's page says where it is pooled, linking to the commitment while the RFP is not public ...
    need_page = client.get(f"/needs/{needs['lakeview'].id}").get_data(as_text=True)
    assert f'<a href="/commitments#commitment-{link_id}">{committing.reference}</a>' in need_page
    assert f"{committing.reference} · {committing.title}, line 2 (40) · your decision: proposed" in seen(
        client.get(f"/needs/{needs['lakeview'].id}")
    )
    # ... and to the RFP's page once it is published, from the commitments page too.
    services.decide_commitment(buyers["Lakeview SD"], link_id, confirm=True)
    frozen(committing.commitment_deadline + timedelta(minutes=1))
    complete_details(committing)
    services.publish(admin, committing.id, committing.commitment_deadline + timedelta(days=30))
    rfp_link = f'href="/rfps/{committing.reference}"'
    assert rfp_link in client.get(f"/needs/{needs['lakeview'].id}").get_data(as_text=True)
    assert rfp_link in client.get("/commitments").get_data(as_text=True)


def test_the_commitment_window_can_be_shortened_or_extended_and_the_districts_are_told(
    committing, log_in, admin, buyers, frozen, seen
):
    before = set(db.session.scalars(sa.select(OutboundEmail.id)))
    now = clock.utcnow()
    shorter = (now + timedelta(days=2)).replace(second=0, microsecond=0)
    rfp = services.change_commitment_deadline(admin, committing.id, shorter)
    assert rfp.commitment_deadline == shorter
    mails = [mail for mail in db.session.scalars(sa.select(OutboundEmail)) if mail.id not in before]
    assert {mail.subject for mail in mails} == {
        f"{committing.reference}: confirm your needs by {clock.format_utc(shorter)}"
    }
    assert len(mails) == 3  # one per district with needs pooled on it
    assert f"The commitment deadline of {committing.reference}" in mails[0].body
    with pytest.raises(Refusal) as refused:
        services.change_commitment_deadline(admin, committing.id, now - timedelta(minutes=1))
    assert str(refused.value) == services.DEADLINE_IN_PAST
    # Through the page, in a chosen time zone; once the window has closed, it cannot be reopened.
    client = log_in(admin)
    response = client.post(
        f"/admin/rfps/{committing.id}/commitment/deadline",
        follow_redirects=True,
        data={
            "commitment_deadline-deadline": (now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
            "commitment_deadline-time_zone": "UTC",
        },
    )
    assert f"The commitment window of {committing.reference} now closes at" in seen(response)
    frozen(now + timedelta(days=4))
    with pytest.raises(Refusal) as refused:
        services.change_commitment_deadline(admin, committing.id, now + timedelta(days=10))
    assert str(refused.value) == services.NOT_COMMITTING
