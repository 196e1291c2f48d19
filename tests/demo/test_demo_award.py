"""The demo's awarded licences RFP: a round, its notice of intent, a denied protest, the final award, purchase orders,
ledgers, the public award notice and the fee invoices, all replayed through the real services."""

from __future__ import annotations

import html

import sqlalchemy as sa
from demo_cooperative import EVERGREEN, NORTHWEST, demo_rfp, user
from support import text_of

from coop import clock
from coop.audit.models import AuditEvent
from coop.audit.services import verify_chain
from coop.awards.models import AwardRound, AwardRoundStatus
from coop.billing.models import Invoice, InvoiceKind, InvoiceStatus
from coop.contracts import queries as contracts
from coop.contracts.models import NoticeStatus, ProtestStatus, PurchaseOrder
from coop.demo import awards as demo_awards
from coop.demo import data
from coop.demo import rfps as demo_rfps
from coop.extensions import db
from coop.notifications.models import OutboundEmail
from coop.rfps.models import RfpStatus

TABLE_ROCK = "buyer@table-rock.k12.example"


def seen(response) -> str:
    return html.unescape(text_of(response))


def days_ago(moment) -> int:
    return (clock.today() - moment.date()).days


def test_the_licences_rfp_is_awarded_by_a_round_published_after_a_denied_protest_and_made_final(demo):
    rfp = demo_rfp(demo_rfps.LICENCES)
    assert rfp.status == RfpStatus.AWARDED
    [award_round] = db.session.scalars(sa.select(AwardRound).where(AwardRound.rfp_id == rfp.id)).all()
    assert (award_round.number, award_round.status, award_round.rule, award_round.solver_status) == (
        1,
        AwardRoundStatus.PUBLISHED,
        "capped_equal_price",
        "optimal",
    )
    assert award_round.explanation_html and "<svg" in award_round.explanation_html
    gate = contracts.fairness(award_round)
    assert gate.concerns == [] and gate.core.checked and not gate.core.blocked

    notice = contracts.notice_for_round(award_round.id)
    assert (notice.status, notice.protest_days, notice.fairness_reason) == (NoticeStatus.FINAL, 7, None)
    # Scored 31 days ago, a round the next day, its notice the day after, final the day after its protest period.
    assert [
        days_ago(moment)
        for moment in (award_round.created_at, notice.published_at, notice.protest_ends_at, notice.finalised_at)
    ] == [30, 29, 22, 21]
    [protest] = notice.protests
    assert (protest.vendor.name, protest.status) == (EVERGREEN, ProtestStatus.DENIED)
    assert notice.published_at < protest.filed_at < protest.decided_at < notice.protest_ends_at
    assert protest.decision == demo_awards.PROTEST_DECISION

    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.rfp_id == rfp.id).order_by(AuditEvent.id)
    ).all()
    award_actions = [action for action in actions if action.startswith(("award", "purchase_order"))]
    assert award_actions == [
        "award_round.created",
        "award_round.solved",
        "award.notice_published",
        "award.protest_filed",
        "award.protest_decided",
        *["purchase_order.issued"] * 6,
        "award.finalised",
    ]
    assert verify_chain(rfp.id).intact


def test_the_other_opened_rfp_waits_for_a_round_and_the_switches_bids_are_still_sealed(demo):
    cabling, switches = demo_rfp(demo_rfps.CABLING), demo_rfp(demo_rfps.SWITCHES)
    assert cabling.status == RfpStatus.OPENED and switches.opened_at is None
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(AwardRound).where(AwardRound.rfp_id.in_([cabling.id, switches.id]))
        )
        == 0
    )


def test_each_awarded_district_has_a_purchase_order_per_vendor_and_downloads_it(demo, log_in):
    orders = db.session.scalars(sa.select(PurchaseOrder).order_by(PurchaseOrder.number)).all()
    assert [(order.district.name, order.contract.vendor.name, order.total_cents) for order in orders] == [
        ("Columbia Ridge School District", NORTHWEST, 6_090_00),
        ("Juniper Flat School District", NORTHWEST, 9_440_00),
        ("Madrone Creek School District", NORTHWEST, 17_110_00),
        ("Nehalem Bay School District", NORTHWEST, 12_095_00),
        ("Rogue Hollow School District", EVERGREEN, 12_948_00),
        ("Table Rock School District", EVERGREEN, 19_214_50),
    ]
    ours = orders[-1]
    client = log_in(user(TABLE_ROCK))
    listing = seen(client.get("/orders"))
    assert (
        f"{ours.number} {ours.contract.notice.rfp.reference} Table Rock School District {EVERGREEN} "
        f"{ours.issued_at.date().isoformat()} {ours.delivery_by.isoformat()} $19,214.50"
    ) in listing
    assert orders[0].number not in listing
    number = ours.number
    export = client.get(f"/orders/{number}.csv")
    assert export.status_code == 200
    assert (
        export.get_data(as_text=True)
        .splitlines()[1]
        .startswith(
            f"{number},{ours.contract.reference},{ours.contract.notice.rfp.reference},Table Rock School District,{EVERGREEN},3,WCF-STU-1Y,"
        )
    )
    pdf = client.get(f"/orders/{number}.pdf")
    assert (pdf.status_code, pdf.mimetype, pdf.data[:5]) == (200, "application/pdf", b"%PDF-")
    assert client.get(f"/orders/{orders[0].number}").status_code == 404  # another district's order


def test_a_district_s_ledger_shows_what_it_paid_alone_and_pooled_and_its_savings(demo, log_in):
    rfp = demo_rfp(demo_rfps.LICENCES)
    client = log_in(user(TABLE_ROCK))
    published = contracts.notice_for_round(contracts.final_round(rfp.id).id).published_at
    rows = client.get("/ledger.csv").get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert rows == [
        "rfp,title,published_at,rule,pooled_cost,standalone_cost,savings,standalone_note",
        f"{rfp.reference},{rfp.title},{published.strftime('%Y-%m-%dT%H:%M:%SZ')},capped_equal_price,"
        "19214.50,22923.00,3708.50,",
    ]
    page = seen(client.get("/ledger"))
    assert "Savings ledger — Table Rock School District" in page
    assert "$3,708.50 $0.80 per student" in page


def test_the_public_award_notice_states_the_total_and_the_savings_of_pooling(demo, client):
    rfp = demo_rfp(demo_rfps.LICENCES)
    page = seen(client.get(f"/rfps/{rfp.reference}/award"))
    assert f"Award notice — {rfp.reference}" in page
    assert "Total $76,897.50 total cost of ownership the 6 districts pay together" in page
    assert "Savings of pooling $8,609.50 $85,507.00 if the 6 districts had bought alone" in page
    export = client.get(f"/rfps/{rfp.reference}/award.csv").get_data(as_text=True).splitlines()
    assert len(export) == 1 + 6
    assert f"3,WCF-STU-1Y,Table Rock School District,{EVERGREEN},4630,4.15,19214.50" in export


def test_the_headline_vendor_sees_its_award_its_orders_and_its_denied_protest(demo, log_in):
    client = log_in(user(data.HEADLINE_VENDOR_EMAIL))
    awards = seen(client.get("/awards"))
    assert "Final · contract" in awards and "total $32,162.50" in awards
    assert "Rogue Hollow School District" in awards and "Table Rock School District" in awards
    rfp = demo_rfp(demo_rfps.LICENCES)
    protest = seen(client.get(f"/rfps/{rfp.reference}/protest"))
    assert "Denied — " + demo_awards.PROTEST_DECISION in protest


def test_the_vendors_are_invoiced_the_administrative_fee_by_hand_open_and_not_yet_due(demo):
    now = clock.utcnow()
    fees = db.session.scalars(
        sa.select(Invoice).where(Invoice.kind == InvoiceKind.ADMIN_FEE).order_by(Invoice.id)
    ).all()
    # 2 % of each vendor's awards: $32,162.50 and $44,735.00.
    assert [(invoice.organisation.name, invoice.total_cents) for invoice in fees] == [
        (EVERGREEN, 643_25),
        (NORTHWEST, 894_70),
    ]
    assert all(
        invoice.status == InvoiceStatus.OPEN
        and not invoice.is_overdue(now)
        and invoice.recorded_by_hand
        and invoice.stripe_invoice_id is None
        for invoice in fees
    )
    assert "purchase order RFP-" in fees[0].lines[0].description


def test_districts_and_bidders_were_told_of_the_notice_the_protest_and_the_final_award(demo):
    subjects = {(mail.to_address, mail.subject) for mail in db.session.scalars(sa.select(OutboundEmail))}
    reference = demo_rfp(demo_rfps.LICENCES).reference
    assert (TABLE_ROCK, f"{reference}: the award is final, purchase orders issued") in subjects
    assert (data.HEADLINE_VENDOR_EMAIL, f"{reference}: your protest is denied") in subjects
    assert any(
        address == TABLE_ROCK and subject.startswith(f"{reference}: notice of intent to award")
        for address, subject in subjects
    )
