"""Dues and administrative-fee invoices, credit notes, and invoices recorded by hand, with Stripe off (as on a new
user's laptop): on SQLite and, where COOP_TEST_DATABASE_URL is set, PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from concurrency import start_and_join
from support import text_of

from coop import config
from coop.audit.models import AuditEvent
from coop.awards.models import AwardRoundStatus
from coop.billing import services
from coop.billing.models import CreditNote, FeeSchedule, Invoice, InvoiceKind, InvoiceStatus
from coop.errors import Refusal, Rejection
from coop.extensions import db
from coop.orgs.models import OrganisationStatus


def invoices(kind: InvoiceKind | None = None) -> list[Invoice]:
    query = sa.select(Invoice).order_by(Invoice.id)
    if kind:
        query = query.where(Invoice.kind == kind)
    return list(db.session.scalars(query))


def test_dues_are_invoiced_once_per_member_district_and_year_by_enrollment_band(
    make_schedule, make_district, make_admin, now
):
    make_schedule()
    small = make_district("Small District", enrollment=900)
    middle = make_district("Middle District", enrollment=2501)
    large = make_district("Large District", enrollment=40000)
    make_district("Pending District", status=OrganisationStatus.PENDING)
    admin = make_admin()

    run = services.run_dues(admin, 2026)

    assert len(run.recorded) == 3 and run.already_recorded == 0 and run.issued == [] and run.failures == []
    by_name = {invoice.organisation.name: invoice for invoice in invoices(InvoiceKind.DUES)}
    assert {name: invoice.total_cents for name, invoice in by_name.items()} == {
        small.name: 75000,
        middle.name: 150000,
        large.name: 300000,
    }
    assert by_name[small.name].lines[0].description == "Membership dues 2026\u201327 (900 students)"
    assert {invoice.status for invoice in by_name.values()} == {InvoiceStatus.DRAFT}  # Stripe off: not issued

    again = services.run_dues(admin, 2026)

    assert again.recorded == [] and again.already_recorded == 3
    assert len(invoices(InvoiceKind.DUES)) == 3
    assert len(services.run_dues(admin, 2027).recorded) == 3  # the next year is another invoice


def test_dues_need_a_fee_schedule(make_district, make_admin):
    make_district()
    with pytest.raises(Refusal, match="Set the fee schedule first: dues and fees are priced by it."):
        services.run_dues(make_admin(), 2026)
    assert invoices() == []


def test_a_fee_schedule_change_prices_new_invoices_only_and_is_audited(make_schedule, make_district, make_admin):
    make_schedule()
    make_district("Early District", enrollment=900)
    admin = make_admin()
    services.run_dues(admin, 2026)

    services.update_fee_schedule(
        admin,
        services.FeeScheduleInput(
            dues_bands="2500 800.00\n* 3,500.00", admin_fee_percent="1.5", admin_fee_minimum="30", payment_terms_days=45
        ),
    )
    make_district("Late District", enrollment=900)
    services.run_dues(admin, 2026)

    assert [(invoice.organisation.name, invoice.total_cents, invoice.payment_terms_days) for invoice in invoices()] == [
        ("Early District", 75000, 30),
        ("Late District", 80000, 45),
    ]
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "billing.fee_schedule_changed")).one()
    assert event.actor_user_id == admin.id
    assert event.before["admin_fee_percent"] == "2.00" and event.after["admin_fee_percent"] == "1.50"
    assert event.after["dues_bands"] == [
        {"max_enrollment": 2500, "dues_cents": 80000},
        {"max_enrollment": None, "dues_cents": 350000},
    ]


def test_a_bad_fee_schedule_names_each_field_and_line_and_changes_nothing(make_admin):
    with pytest.raises(Rejection) as rejected:
        services.update_fee_schedule(
            make_admin(),
            services.FeeScheduleInput(
                dues_bands="2500 750\n1000 900\nlots",
                admin_fee_percent="2.125",
                admin_fee_minimum="-5",
                payment_terms_days=0,
            ),
        )
    assert [(problem.field, problem.message) for problem in rejected.value.problems] == [
        ("dues_bands", "Dues bands line 2: each band's enrollment must be larger than the one before."),
        (
            "dues_bands",
            "Dues bands line 3: write the largest enrollment and the dues, like 2500 750.00 "
            "(or * 3000.00 for the last band).",
        ),
        ("admin_fee_percent", "Enter the administrative fee as a percentage between 0 and 100, like 2 or 1.5."),
        ("admin_fee_minimum", "Enter the minimum fee per award in dollars, like 25.00."),
        ("payment_terms_days", "Enter the payment terms in days, from 1 to 365."),
    ]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FeeSchedule)) == 0


def test_dues_bands_must_end_with_an_open_band():
    with pytest.raises(Rejection, match=r"Dues bands: end with a \* band, for districts larger than every other band."):
        services.parse_dues_bands("2500 750.00")


def test_fees_of_a_published_round_one_invoice_per_vendor_one_line_per_award(
    make_schedule, make_published_round, make_district, make_vendor
):
    make_schedule(percent="2.00", min_cents=2500)
    north, south = make_district("North District"), make_district("South District")
    acme, byte = make_vendor("Acme Laptops"), make_vendor("Byte Devices")
    award_round = make_published_round({(north, acme): 1_234_567, (south, acme): 100_000, (south, byte): 50_001})

    run = services.invoice_award_fees(award_round.id, purchase_orders={(north.id, acme.id): "PO-2027-0001"})

    acme_invoice, byte_invoice = invoices(InvoiceKind.ADMIN_FEE)
    reference = award_round.rfp.reference
    assert acme_invoice.organisation.name == "Acme Laptops"
    assert acme_invoice.description == f"Administrative fee on {reference} Student laptops 2027"
    assert [(line.description, line.amount_cents) for line in acme_invoice.lines] == [
        (
            f"{reference} line 1: 40 \u00d7 11-inch student laptop for North District, purchase order PO-2027-0001; "
            f"2.00% of $12,345.67",
            24691,
        ),  # 2 % of $12,345.67 is $246.9134: rounded to the cent
        (f"{reference} line 1: 40 \u00d7 11-inch student laptop for South District; 2.00% of $1,000.00", 2500),
    ]  # $20.00 is below the minimum fee per award
    assert acme_invoice.total_cents == 24691 + 2500
    assert byte_invoice.total_cents == 2500
    assert acme_invoice.award_round_id == award_round.id
    assert len(run.recorded) == 2

    assert services.invoice_award_fees(award_round.id).recorded == []
    assert len(invoices(InvoiceKind.ADMIN_FEE)) == 2


def test_fees_of_an_unpublished_round_are_refused(make_schedule, make_published_round, make_district, make_vendor):
    make_schedule()
    award_round = make_published_round({(make_district(), make_vendor()): 100_000}, status=AwardRoundStatus.SOLVED)
    with pytest.raises(
        Refusal,
        match=f"Award round 1 of {award_round.rfp.reference} is not published: its fees are invoiced when it is.",
    ):
        services.invoice_award_fees(award_round.id)
    assert invoices() == []


def test_a_cancelled_award_is_credited_once(
    make_schedule, make_published_round, make_district, make_vendor, make_admin
):
    make_schedule()
    vendor = make_vendor("Acme Laptops")
    award_round = make_published_round({(make_district(), vendor): 500_000, (make_district(), vendor): 300_000})
    services.invoice_award_fees(award_round.id)
    invoice = invoices()[0]
    cancelled = award_round.awards[1]

    note = services.credit_cancelled_award(cancelled.id, reason="District withdrew before delivery", actor=make_admin())
    again = services.credit_cancelled_award(cancelled.id, reason="twice")

    assert again.id == note.id
    assert note.amount_cents == 6000 and note.stripe_credit_note_id is None  # Stripe off
    db.session.refresh(invoice)
    assert (invoice.total_cents, invoice.credited_cents, invoice.amount_due_cents) == (16000, 6000, 10000)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CreditNote)) == 1


def test_an_award_without_a_fee_has_nothing_to_credit():
    with pytest.raises(Refusal, match="No administrative fee was invoiced on award 999: there is nothing to credit."):
        services.credit_cancelled_award(999, reason="gone")


def test_without_stripe_invoices_are_recorded_issued_and_paid_by_hand(make_schedule, make_district, make_admin, now):
    make_schedule(terms_days=30)
    make_district("Hand District", enrollment=900)
    admin = make_admin()
    services.run_dues(admin, 2026)
    invoice = invoices()[0]

    with pytest.raises(
        Refusal, match=f"{invoice.number} is draft: only an issued, unpaid invoice can be recorded as paid."
    ):
        services.record_paid(admin, invoice.id)
    services.record_issued(admin, invoice.id)
    assert (invoice.status, invoice.due_at) == (InvoiceStatus.OPEN, now() + timedelta(days=30))
    assert invoice.is_overdue(now() + timedelta(days=31))

    services.record_paid(admin, invoice.id)

    assert (invoice.status, invoice.amount_paid_cents, invoice.amount_due_cents) == (InvoiceStatus.PAID, 75000, 0)
    assert invoice.recorded_by_hand
    with pytest.raises(Refusal, match=f"{invoice.number} is already paid."):
        services.record_issued(admin, invoice.id)


def test_an_invoice_in_stripe_is_not_recorded_by_hand(make_schedule, make_district, make_admin):
    make_schedule()
    make_district()
    admin = make_admin()
    services.run_dues(admin, 2026)
    invoice = invoices()[0]
    invoice.stripe_invoice_id = "in_test_1"
    db.session.flush()
    with pytest.raises(
        Refusal, match=f"{invoice.number} is billed through Stripe: its state is recorded when Stripe reports it."
    ):
        services.record_paid(admin, invoice.id)


def test_pages_say_billing_is_off_and_the_administrator_records_by_hand(
    client, log_in, make_schedule, make_buyer, make_admin, table_rows
):
    make_schedule()
    buyer = make_buyer(enrollment=900)
    other = make_buyer(enrollment=900)
    admin = make_admin()
    log_in(admin)

    response = client.post("/admin/billing/dues", data={"year": "2026"})
    assert response.status_code == 302
    page = client.get("/admin/billing?state=draft")
    assert "Billing is off: Stripe is not configured (no STRIPE_API_KEY)" in text_of(page)
    assert len(table_rows(page, "receivables")) == 2
    mine = db.session.scalar(sa.select(Invoice).where(Invoice.organisation_id == buyer.organisation.id))

    client.post(f"/admin/billing/invoices/{mine.id}/issued")
    client.post(f"/admin/billing/invoices/{mine.id}/paid")
    db.session.refresh(mine)

    log_in(buyer)
    page = client.get("/billing")
    assert "Billing is off" in text_of(page)
    assert table_rows(page, "invoices") == [
        f"{mine.number} Membership dues 2026\u201327 {mine.issued_at:%Y-%m-%d} {mine.due_at:%Y-%m-%d} "
        f"$750.00 $0.00 Paid"
    ]
    log_in(other)
    assert "No invoices yet." in text_of(client.get("/billing"))  # its dues are a draft, and no one else's show


def test_the_fee_schedule_form_shows_each_problem_on_its_field(client, log_in, make_admin):
    log_in(make_admin())
    response = client.post(
        "/admin/billing/fees",
        data={
            "dues_bands": "2500 750",
            "admin_fee_percent": "two",
            "admin_fee_minimum": "25",
            "currency": "USD",
            "payment_terms_days": "30",
        },
    )
    assert response.status_code == 422
    text = text_of(response)
    assert "Dues bands: end with a * band, for districts larger than every other band." in text
    assert "Enter the administrative fee as a percentage between 0 and 100, like 2 or 1.5." in text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FeeSchedule)) == 0

    response = client.post(
        "/admin/billing/fees",
        data={
            "dues_bands": "2500 750\n* 3000",
            "admin_fee_percent": "2",
            "admin_fee_minimum": "25",
            "currency": "USD",
            "payment_terms_days": "30",
        },
    )
    assert response.status_code == 302
    assert "2500 750.00\n* 3000.00" in client.get("/admin/billing/fees").get_data(as_text=True)


def test_the_dues_command_says_what_it_did_and_that_billing_is_off(app, make_schedule, make_district):
    make_schedule()
    make_district("Command District")
    runner = app.test_cli_runner()

    first = runner.invoke(args=["billing", "dues", "--year", "2026"])
    second = runner.invoke(args=["billing", "dues", "--year", "2026"])

    assert first.exit_code == 0, first.output
    assert first.output == (
        f"Dues 2026\u201327: 1 invoice(s) recorded, 0 already recorded before.\n{services.BILLING_OFF}\n"
    )
    assert second.output.startswith("Dues 2026\u201327: 0 invoice(s) recorded, 1 already recorded before.\n")
    assert runner.invoke(args=["billing", "reconcile"]).output == f"Error: {services.BILLING_OFF}\n"


@pytest.mark.skipif(
    not (config.test_database_url() or "").startswith("postgresql"),
    reason="concurrent runs need PostgreSQL's concurrent transactions: set COOP_TEST_DATABASE_URL",
)
def test_dues_runs_at_the_same_moment_invoice_each_district_once(app, committed_db, make_schedule, make_district):
    make_schedule()
    for number in range(5):
        make_district(f"Concurrent District {number}")
    db.session.commit()
    db.session.remove()
    start = threading.Barrier(4)
    runs: list[services.BillingRun] = []

    def run() -> None:
        with app.app_context():
            start.wait()
            runs.append(services.run_dues(None, 2026))
            db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(4)]
    start_and_join(threads, timeout_s=60)

    assert sorted(len(run.recorded) for run in runs) == [0, 0, 0, 5]
    assert len(invoices(InvoiceKind.DUES)) == 5
