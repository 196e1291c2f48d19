"""The fairness gate: a round that leaves a district worse off, or that a coalition would leave, is published only
with a confirmation and a reason, kept in the audit chain; one live notice per RFP, of a solved round with awards."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from support import text_of

from coop import clock
from coop.audit.models import AuditEvent
from coop.audit.services import verify_chain
from coop.awards.models import AwardRound, AwardRoundStatus
from coop.contracts import queries, services
from coop.contracts.models import AwardNotice, NoticeStatus
from coop.errors import Refusal
from coop.extensions import db
from coop.rfps import services as rfp_services
from coop.rfps.models import RfpStatus

FAIR = services.PublishInput(protest_days=None, confirm=False, reason="")


def _events(rfp, action):
    return list(
        db.session.scalars(sa.select(AuditEvent).where(AuditEvent.rfp_id == rfp.id, AuditEvent.action == action))
    )


def test_the_gate_shows_every_share_who_is_worse_off_and_the_core_check(opened_rfp, make_round):
    gate = queries.fairness(make_round(opened_rfp, shares="equal_price"))
    assert [
        (row.district, row.pooled_cost_cents, row.standalone_cost_cents, row.savings_cents, row.worse_off)
        for row in gate.rows
    ] == [
        ("Hillcrest SD", 1_800_00, 2_000_00, 200_00, False),
        ("Lakeview SD", 5_400_00, 5_280_00, -120_00, True),
        ("Riverside USD", 2_700_00, 3_000_00, 300_00, False),
    ]
    assert gate.worse_off == ["Lakeview SD"]
    assert (gate.core.blocked, gate.core.coalition, gate.core.gain_cents) == (True, ("Lakeview SD",), 120_00)
    assert gate.concerns == [
        "Worse off than buying alone: Lakeview SD.",
        "Lakeview SD would pay $120.00 less by leaving the pool.",
    ]


def test_the_gate_shows_what_each_district_settles_when_the_rule_moves_cost(
    client, log_in, opened_rfp, make_round, admin
):
    # The capped equal price keeps Lakeview at its $5,280.00 alone; its orders at the vendors' prices say $5,400.00,
    # and the $120.00 is carried by the districts that save, in proportion to their savings (200 : 300).
    award_round = make_round(opened_rfp)
    gate = queries.fairness(award_round)
    assert [(row.district, row.pooled_cost_cents, row.ordered_cents, row.adjustment_cents) for row in gate.rows] == [
        ("Hillcrest SD", 1_848_00, 1_800_00, 48_00),
        ("Lakeview SD", 5_280_00, 5_400_00, -120_00),
        ("Riverside USD", 2_772_00, 2_700_00, 72_00),
    ]
    assert gate.adjusted and gate.ordered_total_cents == gate.pooled_total_cents
    log_in(admin)
    page = text_of(client.get(f"/admin/rounds/{award_round.id}/gate"))
    assert "Lakeview SD $5,280.00 $5,400.00 -$120.00 $5,280.00 $0.00 No" in page
    assert "settles the fair-share adjustment with the cooperative" in page
    # Under the equal price each district pays what its orders say: no adjustment columns.
    assert not queries.fairness(make_round(opened_rfp, shares="equal_price")).adjusted


def test_a_fair_round_is_published_without_confirmation(opened_rfp, make_round, admin, now):
    award_round = make_round(opened_rfp)  # the capped equal price: nobody above its standalone cost, in the core
    assert queries.fairness(award_round).concerns == []
    notice = services.publish_round(admin, award_round.id, FAIR)
    assert notice.status == NoticeStatus.PROTEST_PERIOD
    assert notice.protest_days == 7 and notice.protest_ends_at == now() + timedelta(days=7)
    assert notice.fairness_reason is None
    assert (award_round.status, award_round.published_at) == (AwardRoundStatus.PUBLISHED, now())
    assert opened_rfp.status == RfpStatus.OPENED  # awarded only when final
    [event] = _events(opened_rfp, "award.notice_published")
    assert event.after["confirmed_with_reason"] is None and event.after["worse_off"] == []


def test_an_unfair_round_needs_the_confirmation_then_a_reason(opened_rfp, make_round, admin):
    award_round = make_round(opened_rfp, shares="equal_price")
    with pytest.raises(Refusal) as refused:
        services.publish_round(admin, award_round.id, FAIR)
    assert (refused.value.message, refused.value.field) == (services.CONFIRMATION_REQUIRED, "confirm")
    with pytest.raises(Refusal) as refused:
        services.publish_round(admin, award_round.id, services.PublishInput(None, confirm=True, reason="  "))
    assert (refused.value.message, refused.value.field) == (services.REASON_REQUIRED, "reason")
    assert queries.live_notice(opened_rfp.id) is None
    assert db.session.get(AwardRound, award_round.id).status == AwardRoundStatus.SOLVED
    assert _events(opened_rfp, "award.notice_published") == []

    reason = "Lakeview SD's board accepted paying $120 more to keep the southern districts' volume price."
    notice = services.publish_round(admin, award_round.id, services.PublishInput(None, confirm=True, reason=reason))
    assert notice.fairness_reason == reason
    [event] = _events(opened_rfp, "award.notice_published")
    assert event.after["confirmed_with_reason"] == reason
    assert event.after["worse_off"] == ["Lakeview SD"]
    assert event.after["core"] == {"checked": True, "blocked": True, "coalition": ["Lakeview SD"], "gain_cents": 120_00}
    assert verify_chain(opened_rfp.id).intact


def test_a_round_whose_core_was_not_checked_needs_the_confirmation(opened_rfp, make_round, admin):
    award_round = make_round(opened_rfp)
    award_round.result = {**award_round.result, "core": None}
    db.session.commit()
    assert queries.fairness(award_round).concerns == [
        "The engine's core check was not run on this round: no one checked whether a group of districts would pay "
        "less by leaving the pool."
    ]
    with pytest.raises(Refusal, match="tick the confirmation"):
        services.publish_round(admin, award_round.id, FAIR)


def test_only_one_round_of_an_rfp_is_published(opened_rfp, make_round, admin, now):
    first, second = make_round(opened_rfp), make_round(opened_rfp)
    services.publish_round(admin, first.id, FAIR)
    with pytest.raises(Refusal) as refused:
        services.publish_round(admin, second.id, FAIR)
    assert refused.value.message == (
        f"A round of {opened_rfp.reference} is already published (notice of intent of "
        f"{clock.format_utc(now())}): only one round of an RFP can be published."
    )
    assert db.session.get(AwardRound, second.id).status == AwardRoundStatus.SOLVED


def test_the_database_refuses_a_second_live_notice(opened_rfp, make_round, admin, now):
    first, second = make_round(opened_rfp), make_round(opened_rfp)
    services.publish_round(admin, first.id, FAIR)
    db.session.add(
        AwardNotice(
            award_round_id=second.id, rfp_id=opened_rfp.id, protest_days=7, protest_ends_at=now() + timedelta(days=7)
        )
    )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("status", [AwardRoundStatus.QUEUED, AwardRoundStatus.RUNNING, AwardRoundStatus.FAILED])
def test_only_a_solved_round_is_published(opened_rfp, make_round, admin, status):
    award_round = make_round(opened_rfp)
    award_round.status = status
    db.session.commit()
    with pytest.raises(Refusal, match=f"Only a solved round can be published; this round is {status.value}."):
        services.publish_round(admin, award_round.id, FAIR)


def test_a_round_that_awards_nothing_is_not_published(opened_rfp, make_round, admin):
    award_round = make_round(opened_rfp)
    award_round.awards.clear()
    db.session.commit()
    with pytest.raises(Refusal) as refused:
        services.publish_round(admin, award_round.id, FAIR)
    assert refused.value.message == services.NOTHING_AWARDED


def test_only_the_rounds_of_an_opened_rfp_are_published(opened_rfp, make_round, admin):
    award_round = make_round(opened_rfp)
    rfp_services.cancel(admin, opened_rfp.id, "The district consortium dissolved.")
    with pytest.raises(Refusal) as refused:
        services.publish_round(admin, award_round.id, FAIR)
    assert refused.value.message == (
        f"{opened_rfp.reference} is cancelled: only the awards of an RFP whose bids are opened can be published."
    )


@pytest.mark.parametrize("days", [0, 31, -3])
def test_the_protest_period_stays_within_bounds(opened_rfp, make_round, admin, days):
    award_round = make_round(opened_rfp)
    with pytest.raises(Refusal) as refused:
        services.publish_round(admin, award_round.id, services.PublishInput(days, confirm=False, reason=""))
    assert (refused.value.message, refused.value.field) == (
        "The protest period must be a whole number of days from 1 to 30.",
        "protest_days",
    )


def test_the_protest_period_is_set_per_publication(opened_rfp, make_round, admin, now):
    notice = services.publish_round(admin, make_round(opened_rfp).id, services.PublishInput(10, False, ""))
    assert notice.protest_ends_at == now() + timedelta(days=10)


def test_every_committed_district_and_every_bidder_is_told_with_the_protest_deadline(
    opened_rfp, make_round, admin, buyers, vendors, outsider, mail_to, now
):
    services.publish_round(admin, make_round(opened_rfp).id, FAIR)
    deadline = clock.format_utc(now() + timedelta(days=7))
    subject = f"{opened_rfp.reference}: notice of intent to award (protests until {deadline})"
    for user in [*buyers.values(), *vendors.values()]:
        [message] = [message for message in mail_to(user.email) if message.subject == subject]
        assert f"until {deadline}" in message.body
    [lakeview] = [m for m in mail_to(buyers["Lakeview SD"].email) if m.subject == subject]
    assert "Your district's share: $5,280.00; alone it would have paid $5,280.00; savings $0.00." in lakeview.body
    [acme] = [m for m in mail_to(vendors["Acme"].email) if m.subject == subject]
    assert "Line 1, 14-inch student laptop: 60 × $90.00 = $5,400.00 (Lakeview SD)" in acme.body
    assert "Total: $9,900.00." in acme.body
    [cedar] = [m for m in mail_to(vendors["Cedar"].email) if m.subject == subject]
    assert "does not intend to award your bid anything" in cedar.body
    assert [m for m in mail_to(outsider.email) if m.subject == subject] == []


def test_the_gate_page_and_the_refusal_on_its_field(client, log_in, opened_rfp, make_round, admin, seen):
    award_round = make_round(opened_rfp, shares="equal_price")
    log_in(admin)
    page = seen(client.get(f"/admin/rounds/{award_round.id}/gate"))
    assert "Lakeview SD $5,400.00 $5,280.00 -$120.00 Yes" in page
    assert "Worse off than buying alone Lakeview SD" in page
    assert "Lakeview SD would pay $120.00 less by leaving the pool and buying on their own." in page
    response = client.post(f"/admin/rounds/{award_round.id}/publish", data={"protest_days": "7", "reason": ""})
    assert response.status_code == 422
    assert services.CONFIRMATION_REQUIRED in seen(response)
    response = client.post(
        f"/admin/rounds/{award_round.id}/publish",
        data={"protest_days": "7", "confirm": "y", "reason": "The board agreed."},
    )
    assert response.status_code == 302
    notice = queries.live_notice(opened_rfp.id)
    assert response.headers["Location"] == f"/admin/notices/{notice.id}"
    assert "Published despite the fairness check because The board agreed." in seen(
        client.get(response.headers["Location"])
    )


def test_a_coalition_that_would_leave_needs_the_confirmation_though_no_one_is_worse_off_alone(
    opened_rfp, make_round, admin, districts
):
    award_round = make_round(opened_rfp)
    pair = [f"D{districts['Riverside USD'].id}", f"D{districts['Hillcrest SD'].id}"]
    award_round.result = {
        **award_round.result,
        "core": {"blocked": True, "coalition": pair, "gain": "15.00", "gain_bound": "15.00", "message": ""},
    }
    db.session.commit()
    gate = queries.fairness(award_round)
    assert gate.worse_off == []
    assert gate.concerns == ["Hillcrest SD + Riverside USD would pay $15.00 less by leaving the pool."]
    with pytest.raises(Refusal, match="tick the confirmation"):
        services.publish_round(admin, award_round.id, FAIR)


def test_a_district_worse_off_needs_the_confirmation_though_the_core_holds(opened_rfp, make_round, admin):
    award_round = make_round(opened_rfp, shares="equal_price")
    award_round.result = {
        **award_round.result,
        "core": {"blocked": False, "coalition": [], "gain": "0.00", "gain_bound": "0.00", "message": ""},
    }
    db.session.commit()
    assert queries.fairness(award_round).concerns == ["Worse off than buying alone: Lakeview SD."]
    with pytest.raises(Refusal, match="tick the confirmation"):
        services.publish_round(admin, award_round.id, FAIR)


def test_the_rfp_page_the_gate_and_the_notice_name_the_round_by_its_number_in_its_rfp_not_its_id(
    client, log_in, opened_rfp, make_rfp, make_round, admin, seen
):
    # Another RFP's round comes first, so that the opened RFP's round 1 is not the table's first row.
    db.session.add(AwardRound(rfp_id=make_rfp().id, status=AwardRoundStatus.FAILED, created_by_id=admin.id))
    db.session.commit()
    award_round = make_round(opened_rfp)
    assert award_round.number == 1 and award_round.id != 1
    by_id = f"round {award_round.id}"
    log_in(admin)
    reference = opened_rfp.reference
    rfp_page = seen(client.get(f"/admin/rfps/{opened_rfp.id}"))
    assert "Round 1 Solved" in rfp_page and by_id not in rfp_page.lower()
    gate = seen(client.get(f"/admin/rounds/{award_round.id}/gate"))
    assert f"Fairness check: round 1 of {reference}" in gate and by_id not in gate.lower()
    notice = services.publish_round(admin, award_round.id, FAIR)
    notice_page = seen(client.get(f"/admin/notices/{notice.id}"))
    assert "Round 1 Published" in notice_page and by_id not in notice_page.lower()
    gate = seen(client.get(f"/admin/rounds/{award_round.id}/gate"))
    assert f"A notice of intent to award {reference} is in its protest period: notice of round 1 ." in gate
    assert by_id not in gate.lower()
