"""The protest period: bidders protest, administrators decide in writing, an upheld protest cancels the notice, and
the award becomes final only after the period with every protest decided."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from support import THREE_DISTRICTS as DISTRICTS

from coop import clock
from coop.audit.models import AuditEvent
from coop.awards.models import AwardRound, AwardRoundStatus
from coop.contracts import queries, services
from coop.contracts.models import NoticeStatus, ProtestStatus
from coop.errors import Refusal
from coop.extensions import db
from coop.rfps.models import RfpStatus

FAIR = services.PublishInput(protest_days=None, confirm=False, reason="")
GROUNDS = "Birch's offer serves only the north; the south was priced on a tier Acme never reached alone."


@pytest.fixture
def notice(opened_rfp, make_round, admin):
    return services.publish_round(admin, make_round(opened_rfp).id, FAIR)


def test_a_bidder_files_a_protest_during_the_period(notice, opened_rfp, vendors):
    protest = services.file_protest(vendors["Cedar"], opened_rfp.reference, f"  {GROUNDS}  ")
    assert (protest.status, protest.grounds, protest.vendor_id) == (
        ProtestStatus.PENDING,
        GROUNDS,
        vendors["Cedar"].organisation.id,
    )
    [event] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "award.protest_filed")).all()
    assert event.after["grounds"] == GROUNDS and event.rfp_id == opened_rfp.id


def test_a_protest_sent_twice_is_filed_once(notice, opened_rfp, vendors):
    # A double click, or the browser sending the form again: one protest for the cooperative to decide.
    first = services.file_protest(vendors["Cedar"], opened_rfp.reference, GROUNDS)
    again = services.file_protest(vendors["Cedar"], opened_rfp.reference, f"{GROUNDS}  ")
    assert again.id == first.id
    assert len(queries.pending_protests(notice.id)) == 1
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "award.protest_filed")).all()
    assert len(events) == 1
    # Other grounds are another protest.
    services.file_protest(vendors["Cedar"], opened_rfp.reference, "The evaluation weights were changed after opening.")
    assert len(queries.pending_protests(notice.id)) == 2


def test_a_protest_needs_its_grounds(notice, opened_rfp, vendors):
    with pytest.raises(Refusal) as refused:
        services.file_protest(vendors["Cedar"], opened_rfp.reference, "   ")
    assert (refused.value.message, refused.value.field) == ("State the grounds of your protest.", "grounds")
    assert queries.vendor_protests(notice.id, vendors["Cedar"].organisation.id) == []


def test_only_a_bidder_may_protest(notice, opened_rfp, outsider, client, log_in):
    with pytest.raises(LookupError):
        services.file_protest(outsider, opened_rfp.reference, GROUNDS)
    log_in(outsider)
    assert client.get(f"/rfps/{opened_rfp.reference}/protest").status_code == 404
    assert client.post(f"/rfps/{opened_rfp.reference}/protest", data={"grounds": GROUNDS}).status_code == 404
    assert queries.pending_protests(notice.id) == []


def test_no_protest_after_the_period(notice, opened_rfp, vendors, now):
    now(notice.protest_ends_at)
    with pytest.raises(Refusal) as refused:
        services.file_protest(vendors["Cedar"], opened_rfp.reference, GROUNDS)
    assert refused.value.message == (
        f"The protest period of {opened_rfp.reference} ended at "
        f"{clock.format_utc(notice.protest_ends_at)}: protests can no longer be filed."
    )


def test_no_protest_without_a_notice(opened_rfp, vendors):
    with pytest.raises(Refusal, match=f"No notice of intent to award of {opened_rfp.reference} is open to protests."):
        services.file_protest(vendors["Cedar"], opened_rfp.reference, GROUNDS)


def test_the_protest_page_files_and_shows_the_decision(notice, opened_rfp, vendors, admin, client, log_in, seen):
    log_in(vendors["Cedar"])
    page = seen(client.get(f"/rfps/{opened_rfp.reference}/protest"))
    assert f"Protests may be filed until {clock.format_utc(notice.protest_ends_at)}." in page
    assert "District 1 (not named) Acme Devices 60 $90.00 $5,400.00" in page
    response = client.post(f"/rfps/{opened_rfp.reference}/protest", data={"grounds": ""})
    assert response.status_code == 422 and "State the grounds of your protest." in seen(response)
    response = client.post(f"/rfps/{opened_rfp.reference}/protest", data={"grounds": GROUNDS})
    assert response.status_code == 302
    [protest] = queries.pending_protests(notice.id)
    services.resolve_protest(admin, protest.id, upheld=False, decision="The region rule is in the RFP, section 3.")
    assert "Denied — The region rule is in the RFP, section 3." in seen(
        client.get(f"/rfps/{opened_rfp.reference}/protest")
    )


def test_a_denied_protest_leaves_the_notice_and_tells_the_protester(notice, opened_rfp, vendors, admin, mail_to):
    protest = services.file_protest(vendors["Cedar"], opened_rfp.reference, GROUNDS)
    services.resolve_protest(admin, protest.id, upheld=False, decision="  Birch bid the north only, as allowed.  ")
    assert (protest.status, protest.decision) == (ProtestStatus.DENIED, "Birch bid the north only, as allowed.")
    assert notice.status == NoticeStatus.PROTEST_PERIOD
    [message] = [
        m for m in mail_to(vendors["Cedar"].email) if m.subject == f"{opened_rfp.reference}: your protest is denied"
    ]
    assert "The decision: Birch bid the north only, as allowed." in message.body
    assert "The notice of intent to award stands." in message.body
    with pytest.raises(Refusal, match="This protest was already decided \\(denied\\)"):
        services.resolve_protest(admin, protest.id, upheld=True, decision="Changed my mind.")


def test_a_decision_is_written(notice, opened_rfp, vendors, admin):
    protest = services.file_protest(vendors["Cedar"], opened_rfp.reference, GROUNDS)
    with pytest.raises(Refusal) as refused:
        services.resolve_protest(admin, protest.id, upheld=False, decision="")
    assert (refused.value.message, refused.value.field) == ("Write the decision on the protest.", "decision")
    assert protest.status == ProtestStatus.PENDING


def test_an_upheld_protest_cancels_the_notice_and_the_rfp_chooses_a_round_again(
    notice, opened_rfp, vendors, admin, make_round, mail_to, buyers, now
):
    protest = services.file_protest(vendors["Cedar"], opened_rfp.reference, GROUNDS)
    services.resolve_protest(admin, protest.id, upheld=True, decision="The tiers were misread; the round is re-run.")
    assert notice.status == NoticeStatus.CANCELLED and notice.cancelled_at == now()
    award_round = db.session.get(AwardRound, notice.award_round_id)
    assert (award_round.status, award_round.published_at) == (AwardRoundStatus.SOLVED, None)
    assert queries.live_notice(opened_rfp.id) is None and opened_rfp.status == RfpStatus.OPENED
    cancelled = f"{opened_rfp.reference}: the notice of intent to award is cancelled"
    assert [m.subject for m in mail_to(buyers["Lakeview SD"].email)].count(cancelled) == 1
    assert f"{opened_rfp.reference}: your protest is upheld" in [m.subject for m in mail_to(vendors["Cedar"].email)]

    now(notice.protest_ends_at + timedelta(minutes=1))
    with pytest.raises(Refusal) as refused:
        services.finalise(admin, notice.id)
    assert refused.value.message == services.NOTICE_CANCELLED
    with pytest.raises(Refusal) as refused:
        services.publish_round(admin, award_round.id, FAIR)
    assert refused.value.message == services.NOTICE_WAS_CANCELLED
    another = services.publish_round(admin, make_round(opened_rfp).id, FAIR)
    assert queries.live_notice(opened_rfp.id) == another


def test_the_award_is_not_final_before_the_end_of_the_period(notice, opened_rfp, admin, now):
    now(notice.protest_ends_at - timedelta(seconds=1))
    with pytest.raises(Refusal) as refused:
        services.finalise(admin, notice.id)
    assert refused.value.message == (
        f"The protest period of {opened_rfp.reference} runs until "
        f"{clock.format_utc(notice.protest_ends_at)}: the award can be made final after that."
    )
    assert notice.status == NoticeStatus.PROTEST_PERIOD and opened_rfp.status == RfpStatus.OPENED


def test_the_award_is_not_final_while_a_protest_awaits_its_decision(notice, opened_rfp, vendors, admin, now):
    protest = services.file_protest(vendors["Cedar"], opened_rfp.reference, GROUNDS)
    now(notice.protest_ends_at)
    with pytest.raises(Refusal) as refused:
        services.finalise(admin, notice.id)
    assert refused.value.message == (
        f"1 protest on {opened_rfp.reference} still awaits a decision: decide each before the award is final."
    )
    services.resolve_protest(admin, protest.id, upheld=False, decision="Denied on the merits.")
    assert services.finalise(admin, notice.id).status == NoticeStatus.FINAL
    assert opened_rfp.status == RfpStatus.AWARDED


def test_the_scheduler_finalises_what_is_due(app, notice, opened_rfp, make_round, vendors, admin, now):
    result = app.test_cli_runner().invoke(args=["contracts", "finalise-due"])
    assert result.output == "No award is due to become final.\n"
    protest = services.file_protest(vendors["Cedar"], opened_rfp.reference, GROUNDS)
    now(notice.protest_ends_at + timedelta(hours=1))
    result = app.test_cli_runner().invoke(args=["contracts", "finalise-due"])
    assert result.output == (
        f"{opened_rfp.reference} waits: 1 protest on {opened_rfp.reference} still awaits a "
        "decision: decide each before the award is final.\n"
    )
    services.resolve_protest(admin, protest.id, upheld=False, decision="Denied.")
    result = app.test_cli_runner().invoke(args=["contracts", "finalise-due"])
    assert result.output == f"The award of {opened_rfp.reference} is final.\n"
    assert db.session.get(type(notice), notice.id).status == NoticeStatus.FINAL
    [event] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "award.finalised")).all()
    assert event.actor_user_id is None


def test_the_administrator_decides_and_finalises_from_the_notice_page(
    notice, opened_rfp, vendors, admin, client, log_in, seen, now
):
    protest = services.file_protest(vendors["Cedar"], opened_rfp.reference, GROUNDS)
    log_in(admin)
    page = seen(client.get(f"/admin/notices/{notice.id}"))
    assert "Cedar Tech" in page and GROUNDS in page
    response = client.post(
        f"/admin/protests/{protest.id}/decide", data={f"p{protest.id}-decision": "", f"p{protest.id}-deny": "y"}
    )
    assert response.status_code == 422 and "Write the decision on the protest." in seen(response)
    response = client.post(
        f"/admin/protests/{protest.id}/decide",
        data={f"p{protest.id}-decision": "Denied on the merits.", f"p{protest.id}-deny": "y"},
    )
    assert response.status_code == 302
    db.session.refresh(protest)
    assert protest.status == ProtestStatus.DENIED
    response = client.post(f"/admin/notices/{notice.id}/finalise", follow_redirects=True)
    assert services.PERIOD_NOT_OVER.format(
        reference=opened_rfp.reference, ends_at=clock.format_utc(notice.protest_ends_at)
    ) in seen(response)
    now(notice.protest_ends_at)
    response = client.post(f"/admin/notices/{notice.id}/finalise", follow_redirects=True)
    assert f"The award of {opened_rfp.reference} is final" in seen(response)
    db.session.refresh(opened_rfp)
    assert opened_rfp.status == RfpStatus.AWARDED


def test_the_rfp_page_links_each_round_to_its_gate_and_notice(notice, opened_rfp, admin, client, log_in, table_rows):
    log_in(admin)
    response = client.get(f"/admin/rfps/{opened_rfp.id}")
    assert table_rows(response, "award-rounds") == [
        f"Round {notice.award_round.number} Published $9,900.00 Protest period Fairness check"
    ]
    assert f'href="/admin/rounds/{notice.award_round_id}/gate"' in response.get_data(as_text=True)
    assert table_rows(client.get("/admin/notices"), "notices") == [
        f"{opened_rfp.reference} · Student laptops 2027 Protest period {clock.format_utc(notice.protest_ends_at)} 0"
    ]


def test_a_bidder_reads_the_districts_of_others_awards_only_as_the_public_notice_names_them(
    notice, opened_rfp, vendors, client, log_in, seen
):
    # No district agreed to be named publicly, and Acme won the whole line: the public notice labels the three
    # districts "District 1 (not named)" to "District 3 (not named)".
    public = seen(client.get(f"/rfps/{opened_rfp.reference}/award"))
    labels = [f"District {number} (not named) Acme Devices" for number in (1, 2, 3)]
    assert all(label in public for label in labels)
    log_in(vendors["Cedar"])  # bid, won nothing
    page = seen(client.get(f"/rfps/{opened_rfp.reference}/protest"))
    assert all(label in page for label in labels)
    assert not [name for name in DISTRICTS if name in page]
    # The winner reads its own awards' districts: it supplies them, and its purchase orders name them.
    log_in(vendors["Acme"])
    page = seen(client.get(f"/rfps/{opened_rfp.reference}/protest"))
    assert all(f"{name} Acme Devices" in page for name in DISTRICTS)


def test_a_bidder_sees_the_intended_award_and_where_to_protest(notice, opened_rfp, vendors, client, log_in, seen):
    log_in(vendors["Acme"])
    page = seen(client.get("/awards"))
    assert (
        f"{opened_rfp.reference} · Student laptops 2027: protests until {clock.format_utc(notice.protest_ends_at)}"
    ) in page
    assert (f"Intended (protests until {clock.format_utc(notice.protest_ends_at)}) · total $9,900.00") in page
