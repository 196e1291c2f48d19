"""The final award: purchase orders per district per vendor whose figures are the awards' to the cent, as pages,
PDF and CSV for their district and vendor only; awards and shares frozen; everyone told."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from coop import clock
from coop.audit.models import AuditEvent
from coop.audit.services import verify_chain
from coop.awards.models import Award, AwardRound, DistrictShare
from coop.contracts import queries, services
from coop.contracts.models import FinalAwardChanged, NoticeStatus
from coop.errors import Refusal
from coop.extensions import db
from coop.rfps.models import RfpStatus

FAIR = services.PublishInput(protest_days=None, confirm=False, reason="")


@pytest.fixture
def final(opened_rfp, make_round, admin, now):
    """The equal-price round (Acme supplies all 110 laptops at $90.00), published with a reason, made final."""
    award_round = make_round(opened_rfp, shares="equal_price")
    notice = services.publish_round(admin, award_round.id, services.PublishInput(5, True, "Board approved."))
    now(notice.protest_ends_at + timedelta(hours=2))
    return services.finalise(admin, notice.id)


def test_one_order_per_district_and_vendor_with_the_awards_figures_to_the_cent(final, opened_rfp, districts, now):
    orders = queries.orders_of_notice(final.id)
    awards = db.session.scalars(sa.select(Award).where(Award.award_round_id == final.award_round_id)).all()
    expected = defaultdict(int)
    for award in awards:
        expected[(award.district_id, award.vendor_id)] += (
            award.cost_cents + award.support_cost_cents - award.discount_cents
        )
    assert {(order.district_id, order.contract.vendor_id): order.total_cents for order in orders} == dict(expected)
    assert [(order.number, order.district.name, order.contract.vendor.name, order.total_cents) for order in orders] == [
        (f"{opened_rfp.reference}-PO-0001", "Hillcrest SD", "Acme Devices", 1_800_00),
        (f"{opened_rfp.reference}-PO-0002", "Lakeview SD", "Acme Devices", 5_400_00),
        (f"{opened_rfp.reference}-PO-0003", "Riverside USD", "Acme Devices", 2_700_00),
    ]
    lakeview = orders[1]
    [line] = lakeview.lines
    assert (line.line_no, line.item_code, line.item_name, line.quantity, line.unit_price, line.cost_cents) == (
        1,
        "LAPTOP-14",
        "14-inch student laptop",
        60,
        Decimal("90.0000"),
        5_400_00,
    )
    assert sum(line.cost_cents for order in orders for line in order.lines) == sum(a.cost_cents for a in awards)
    # The orders are the round's whole cost of ownership: purchases, support over the years, less the discounts.
    assert sum(order.total_cents for order in orders) == final.award_round.total_cost_cents
    assert lakeview.contract.reference == f"{opened_rfp.reference}-C01"
    assert lakeview.delivery_by == now().date() + timedelta(days=opened_rfp.terms["delivery_days"])
    assert lakeview.payment_terms == "Net 30 days from delivery and invoice"
    assert opened_rfp.status == RfpStatus.AWARDED and final.status == NoticeStatus.FINAL
    assert queries.final_round(opened_rfp.id).id == final.award_round_id
    assert [r.id for r in queries.final_rounds(district_id=districts["Lakeview SD"].id)] == [final.award_round_id]
    assert queries.is_final(db.session.get(AwardRound, final.award_round_id))


def test_the_awards_and_shares_of_a_final_round_never_change(final, opened_rfp, admin):
    award = db.session.scalars(sa.select(Award).where(Award.award_round_id == final.award_round_id)).first()
    award.quantity += 1
    with pytest.raises(FinalAwardChanged):
        db.session.flush()
    db.session.rollback()
    share = db.session.scalars(
        sa.select(DistrictShare).where(DistrictShare.award_round_id == final.award_round_id)
    ).first()
    db.session.delete(share)
    with pytest.raises(FinalAwardChanged):
        db.session.flush()
    db.session.rollback()
    award_round = db.session.get(AwardRound, final.award_round_id)
    award_round.total_cost_cents = 1
    with pytest.raises(FinalAwardChanged):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(Refusal, match=f"The award of {opened_rfp.reference} is already final"):
        services.finalise(admin, final.id)
    with pytest.raises(Refusal, match="already published"):
        services.publish_round(admin, final.award_round_id, FAIR)


def test_a_round_not_yet_final_may_still_change(opened_rfp, make_round, admin):
    award_round = make_round(opened_rfp)
    services.publish_round(admin, award_round.id, FAIR)
    award_round.shares[0].standalone_note = "Checked again."
    db.session.flush()
    assert not queries.is_final(award_round)


def test_finalisation_is_audited_and_the_chain_holds(final, opened_rfp):
    actions = list(
        db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.rfp_id == opened_rfp.id).order_by(AuditEvent.id)
        )
    )
    assert actions[-4:] == ["purchase_order.issued"] * 3 + ["award.finalised"]
    [event] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "award.finalised")).all()
    assert event.after["rfp_status"] == "awarded"
    assert event.after["purchase_orders"] == {
        f"{opened_rfp.reference}-PO-0001": 1_800_00,
        f"{opened_rfp.reference}-PO-0002": 5_400_00,
        f"{opened_rfp.reference}-PO-0003": 2_700_00,
    }
    assert verify_chain(opened_rfp.id).intact


def test_everyone_is_told_the_award_is_final(final, opened_rfp, buyers, vendors, mail_to):
    subject = f"{opened_rfp.reference}: the award is final, purchase orders issued"
    [lakeview] = [m for m in mail_to(buyers["Lakeview SD"].email) if m.subject == subject]
    assert f"{opened_rfp.reference}-PO-0002 (Acme Devices): $5,400.00, delivery by" in lakeview.body
    [acme] = [m for m in mail_to(vendors["Acme"].email) if m.subject == subject]
    assert f"Your contract with the cooperative is {opened_rfp.reference}-C01." in acme.body
    assert f"{opened_rfp.reference}-PO-0001 (Hillcrest SD): $1,800.00" in acme.body
    [birch] = [m for m in mail_to(vendors["Birch"].email) if m.subject == subject]
    assert "Your bid was not awarded" in birch.body


def test_the_district_reads_downloads_its_order(final, opened_rfp, buyers, client, log_in, seen):
    number = f"{opened_rfp.reference}-PO-0002"
    log_in(buyers["Lakeview SD"])
    listing = seen(client.get("/orders"))
    assert number in listing and f"{opened_rfp.reference}-PO-0001" not in listing
    page = seen(client.get(f"/orders/{number}"))
    assert f"Cooperative contract {opened_rfp.reference}-C01" in page
    assert "1 LAPTOP-14 14-inch student laptop 60 $90.00 $5,400.00 $0.00 $0.00 $5,400.00 Total $5,400.00" in page
    pdf = client.get(f"/orders/{number}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    response = client.get(f"/orders/{number}.csv")
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert [
        (
            row["po_number"],
            row["line"],
            row["item_code"],
            row["quantity"],
            row["unit_price"],
            row["cost"],
            row["support_cost"],
            row["discount"],
            row["total"],
        )
        for row in rows
    ] == [(number, "1", "LAPTOP-14", "60", "90.00", "5400.00", "0.00", "0.00", "5400.00")]
    assert rows[0]["contract"] == f"{opened_rfp.reference}-C01" and rows[0]["vendor"] == "Acme Devices"
    commitments = seen(client.get("/commitments"))
    assert number in commitments


def test_an_order_is_only_its_districts_and_vendors(final, opened_rfp, buyers, vendors, admin, client, log_in):
    number = f"{opened_rfp.reference}-PO-0002"
    for user, status in [
        (buyers["Riverside USD"], 404),
        (vendors["Birch"], 404),
        (buyers["Lakeview SD"], 200),
        (vendors["Acme"], 200),
        (admin, 200),
    ]:
        log_in(user)
        for path in (f"/orders/{number}", f"/orders/{number}.csv", f"/orders/{number}.pdf"):
            response = client.get(path)
            response.close()
            assert response.status_code == status, (user.email, path)


def test_the_vendor_sees_its_awards_and_orders(final, opened_rfp, vendors, client, log_in, seen):
    log_in(vendors["Acme"])
    page = seen(client.get("/awards"))
    assert f"Final · contract {opened_rfp.reference}-C01 · total $9,900.00" in page
    assert f"{opened_rfp.reference}-PO-0003" in page
    log_in(vendors["Birch"])
    page = seen(client.get("/awards"))
    assert "You have no awards yet." in page and "No purchase order yet" in page


def test_during_the_protest_period_the_commitment_shows_the_notice(
    opened_rfp, make_round, admin, buyers, client, log_in, seen
):
    notice = services.publish_round(admin, make_round(opened_rfp).id, FAIR)
    log_in(buyers["Lakeview SD"])
    assert f"Notice of intent to award: final after {clock.format_utc(notice.protest_ends_at)}" in seen(
        client.get("/commitments")
    )


def test_the_public_notice_and_the_ledger_say_intent_until_the_award_is_final(
    opened_rfp, make_round, admin, client, seen, now, log_in, buyers
):
    notice = services.publish_round(admin, make_round(opened_rfp).id, FAIR)
    log_in(buyers["Lakeview SD"])
    assert "notice of intent: not final until its protest period ends" in seen(client.get("/ledger"))
    page = seen(client.get(f"/rfps/{opened_rfp.reference}/award"))
    assert f"Notice of intent to award — {opened_rfp.reference}" in page
    assert "Bidders may protest until" in page and clock.format_utc(notice.protest_ends_at) in page
    now(notice.protest_ends_at + timedelta(minutes=1))
    services.finalise(admin, notice.id)
    page = seen(client.get(f"/rfps/{opened_rfp.reference}/award"))
    assert f"Award — {opened_rfp.reference}" in page and "The award is final since" in page
    ledger = seen(client.get("/ledger"))
    assert "· final" in ledger and "notice of intent" not in ledger


def test_a_cancelled_line_is_not_delivered_both_sides_are_told_and_its_fee_is_credited(
    opened_rfp, make_round, admin, buyers, vendors, now, client, log_in, seen, mail_to
):
    from coop.billing.models import CreditNote, FeeSchedule, InvoiceLine

    db.session.add(
        FeeSchedule(
            dues_bands=[],
            admin_fee_percent=Decimal("2.00"),
            admin_fee_min_cents=2500,
            currency="USD",
            payment_terms_days=30,
            created_by_id=admin.id,
        )
    )
    db.session.commit()
    round_id = make_round(opened_rfp, shares="equal_price").id
    notice = services.publish_round(admin, round_id, services.PublishInput(5, True, "Board approved."))
    now(notice.protest_ends_at + timedelta(hours=2))
    services.finalise(admin, notice.id)
    number = f"{opened_rfp.reference}-PO-0002"  # Lakeview's 60 laptops from Acme, $5,400.00
    fee = db.session.scalars(
        sa.select(InvoiceLine)
        .join(Award, Award.id == InvoiceLine.award_id)
        .where(Award.district_id == buyers["Lakeview SD"].organisation.id)
    ).one()
    assert fee.amount_cents == 108_00  # 2 % of $5,400.00

    with pytest.raises(Refusal) as refused:
        services.cancel_order_line(admin, number, 1, "  ")
    assert (refused.value.message, refused.value.field) == (services.CANCEL_REASON_REQUIRED, "reason")
    line = services.cancel_order_line(admin, number, 1, "The district's board cut the budget before delivery.")
    assert line.cancelled_reason == "The district's board cut the budget before delivery."
    assert line.purchase_order.open_total_cents == 0 and line.purchase_order.total_cents == 5_400_00
    [credit] = db.session.scalars(sa.select(CreditNote)).all()
    assert (credit.amount_cents, credit.line.id) == (108_00, fee.id)
    for user in (vendors["Acme"], buyers["Lakeview SD"]):
        assert [m.subject for m in mail_to(user.email)][-1] == f"{number}: line 1 cancelled"
    with pytest.raises(Refusal, match=f"Line 1 of {number} was already cancelled on"):
        services.cancel_order_line(admin, number, 1, "Again.")
    assert len(db.session.scalars(sa.select(CreditNote)).all()) == 1
    # The award itself stays as it was decided.
    assert db.session.get(Award, line.award_id).quantity == 60

    log_in(buyers["Lakeview SD"])
    page = seen(client.get(f"/orders/{number}"))
    assert "Cancelled" in page and "The district's board cut the budget before delivery." in page
    assert "Open total, without the cancelled lines $0.00" in page and "Cancel line" not in page


def test_the_districts_csv_says_a_line_is_cancelled_and_the_open_total_as_its_page_does(
    final, opened_rfp, admin, buyers, client, log_in, seen, now
):
    number = f"{opened_rfp.reference}-PO-0002"  # Lakeview's 60 laptops from Acme, $5,400.00
    services.cancel_order_line(admin, number, 1, "The district's board cut the budget before delivery.")
    log_in(buyers["Lakeview SD"])
    page = seen(client.get(f"/orders/{number}"))
    cancelled_on = now().date().isoformat()
    assert f"Cancelled {cancelled_on}: The district's board cut the budget before delivery." in page
    assert "Total $5,400.00 Open total, without the cancelled lines $0.00" in page
    response = client.get(f"/orders/{number}.csv")
    [row] = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert (row["line"], row["total"], row["status"], row["cancelled_on"], row["cancelled_reason"]) == (
        "1",
        "5400.00",
        "cancelled",
        cancelled_on,
        "The district's board cut the budget before delivery.",
    )
    assert (row["order_total"], row["order_open_total"]) == ("5400.00", "0.00")
