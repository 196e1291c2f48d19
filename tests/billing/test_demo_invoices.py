"""The demo cooperative's invoices: paid, open and overdue dues, recorded by hand as while Stripe is off."""

from __future__ import annotations

import sqlalchemy as sa
from support import text_of

from coop import clock
from coop.accounts.models import User
from coop.billing.models import FeeSchedule, Invoice, InvoiceKind, InvoiceStatus
from coop.demo import data
from coop.demo.services import load_demo
from coop.extensions import db


def test_the_demo_has_paid_open_and_overdue_dues_of_every_member_district(from_snapshot, client, log_in):
    from_snapshot(load_demo)
    now = clock.utcnow()
    # The administrative fees of the demo's award are tests/demo/test_demo_award.py's.
    invoices = db.session.scalars(sa.select(Invoice).where(Invoice.kind == InvoiceKind.DUES).order_by(Invoice.id)).all()

    assert len(invoices) == sum(row.approved for row in data.DISTRICTS) == 12
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FeeSchedule)) == 1
    paid = [invoice for invoice in invoices if invoice.status == InvoiceStatus.PAID]
    overdue = [invoice for invoice in invoices if invoice.is_overdue(now)]
    not_yet_due = [
        invoice for invoice in invoices if invoice.status == InvoiceStatus.OPEN and not invoice.is_overdue(now)
    ]
    assert (len(paid), len(overdue), len(not_yet_due)) == (4, 4, 4)
    assert all(invoice.recorded_by_hand and invoice.stripe_invoice_id is None for invoice in invoices)

    log_in(db.session.scalar(sa.select(User).where(User.email == data.ADMIN.email)))
    page = text_of(client.get("/admin/billing?state=overdue"))
    assert "Overdue 4," in page
    assert "Billing is off" in page
