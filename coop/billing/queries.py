"""Read-only selects on billing: the fee schedule in force, an organisation's invoices, the receivables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from coop.billing.models import BillingCustomer, FeeSchedule, Invoice, InvoiceStatus
from coop.extensions import db

RECEIVABLES_PER_PAGE = 100


def current_schedule() -> FeeSchedule | None:
    """The newest fee schedule: the one new invoices are priced by."""
    return db.session.scalars(sa.select(FeeSchedule).order_by(FeeSchedule.id.desc()).limit(1)).first()


def stripe_customer_id(organisation_id: int) -> str | None:
    return db.session.scalar(
        sa.select(BillingCustomer.stripe_customer_id).where(BillingCustomer.organisation_id == organisation_id)
    )


def invoices_of(organisation_id: int) -> list[Invoice]:
    """An organisation's invoices, newest first, drafts (not issued yet) left out: they are not its to pay yet."""
    return list(
        db.session.scalars(
            sa.select(Invoice)
            .options(selectinload(Invoice.lines), selectinload(Invoice.credit_notes))
            .where(Invoice.organisation_id == organisation_id, Invoice.status != InvoiceStatus.DRAFT)
            .order_by(Invoice.created_at.desc(), Invoice.id.desc())
        )
    )


FILTERS = ("open", "overdue", "paid", "draft", "all")


def receivables(state: str, now: datetime, *, page: int = 1, per_page: int = RECEIVABLES_PER_PAGE):
    """One page of every organisation's invoices (a Flask-SQLAlchemy ``Pagination``), oldest due first.

    ``state``: ``open`` (issued, unpaid), ``overdue`` (open past their due date), ``paid``, ``draft`` (not issued)
    or ``all``.
    """
    query = sa.select(Invoice).options(selectinload(Invoice.organisation))
    if state == "overdue":
        query = query.where(Invoice.status == InvoiceStatus.OPEN, Invoice.due_at < now)
    elif state in ("open", "paid", "draft"):
        query = query.where(Invoice.status == InvoiceStatus(state))
    query = query.order_by(Invoice.due_at.asc().nulls_last(), Invoice.id.asc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False, count=True)


@dataclass(frozen=True)
class ReceivablesSummary:
    open_count: int
    open_due_cents: int
    overdue_count: int
    overdue_due_cents: int
    draft_count: int


def summary(now: datetime) -> ReceivablesSummary:
    """What is owed to the cooperative, and how much of it is late."""
    due = Invoice.total_cents - Invoice.credited_cents - Invoice.amount_paid_cents
    is_open = Invoice.status == InvoiceStatus.OPEN
    is_overdue = sa.and_(is_open, Invoice.due_at < now)
    row = db.session.execute(
        sa.select(
            sa.func.count(sa.case((is_open, 1))),
            sa.func.coalesce(sa.func.sum(sa.case((is_open, due), else_=0)), 0),
            sa.func.count(sa.case((is_overdue, 1))),
            sa.func.coalesce(sa.func.sum(sa.case((is_overdue, due), else_=0)), 0),
            sa.func.count(sa.case((Invoice.status == InvoiceStatus.DRAFT, 1))),
        )
    ).one()
    return ReceivablesSummary(*(int(value) for value in row))


def unsettled_stripe_invoices() -> list[Invoice]:
    """Invoices in Stripe whose final state (paid or void) has not reached us yet."""
    return list(
        db.session.scalars(
            sa.select(Invoice)
            .where(
                Invoice.stripe_invoice_id.is_not(None),
                Invoice.status.in_([InvoiceStatus.DRAFT, InvoiceStatus.OPEN, InvoiceStatus.UNCOLLECTIBLE]),
            )
            .order_by(Invoice.id)
        )
    )


def drafts_to_issue(invoice_ids: list[int] | None = None) -> list[int]:
    """Invoices recorded but not yet issued through Stripe (all of them, or those of ``invoice_ids``)."""
    query = (
        sa.select(Invoice.id)
        .where(
            Invoice.status == InvoiceStatus.DRAFT,
            Invoice.stripe_invoice_id.is_(None),
            Invoice.recorded_by_hand.is_(False),
        )
        .order_by(Invoice.id)
    )
    if invoice_ids is not None:
        query = query.where(Invoice.id.in_(invoice_ids))
    return list(db.session.scalars(query))
