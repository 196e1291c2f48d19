"""The demo cooperative's billing: a fee schedule and this membership year's dues, some paid, some open and some
overdue, recorded by hand as while Stripe is off (these never go to Stripe, whatever is configured)."""

from __future__ import annotations

from datetime import datetime, timedelta

from coop import clock
from coop.accounts.models import User
from coop.billing import services as billing

FEE_SCHEDULE = billing.FeeScheduleInput(
    dues_bands="1000 450.00\n2500 750.00\n10000 1500.00\n* 3000.00",
    admin_fee_percent="2",
    admin_fee_minimum="25.00",
    currency="USD",
    payment_terms_days=30,
)


def load_billing(admin: User, now: datetime) -> None:
    """Dues invoices issued 45 days ago: every third paid, every third issued late (still open, not yet due), the
    rest overdue."""
    issued_at = now - timedelta(days=45)
    with clock.replaying(issued_at):
        billing.update_fee_schedule(admin, FEE_SCHEDULE)
        run = billing.record_dues(admin, billing.membership_year(now.date()))
    for number, invoice_id in enumerate(run.recorded):
        if number % 3 == 1:
            with clock.replaying(now - timedelta(days=10)):
                billing.record_issued(admin, invoice_id)
            continue
        with clock.replaying(issued_at):
            billing.record_issued(admin, invoice_id)
        if number % 3 == 0:
            with clock.replaying(issued_at + timedelta(days=12)):
                billing.record_paid(admin, invoice_id)
