"""Billing: the fee schedule, invoices for dues and administrative fees, credit notes, and Stripe's events."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop.clock import utcnow
from coop.extensions import db
from coop.orgs.models import Organisation
from coop.sqltypes import UTCDateTime, enum_column


class FeeSchedule(db.Model):
    """One version of the cooperative's prices; the newest applies to new invoices, older invoices keep theirs."""

    id: Mapped[int] = mapped_column(primary_key=True)
    # [{"max_enrollment": 2500, "dues_cents": 75000}, ..., {"max_enrollment": null, "dues_cents": 300000}]
    dues_bands: Mapped[list] = mapped_column(sa.JSON)
    admin_fee_percent: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))
    admin_fee_min_cents: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    payment_terms_days: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    __table_args__ = (
        sa.CheckConstraint("admin_fee_percent >= 0 AND admin_fee_percent <= 100", name="admin_fee_percent_range"),
        sa.CheckConstraint("admin_fee_min_cents >= 0", name="admin_fee_min_not_negative"),
        sa.CheckConstraint("payment_terms_days > 0", name="payment_terms_positive"),
    )

    def dues_for(self, enrollment: int) -> int:
        """The dues in cents of a district of this many students: the first band whose limit it does not exceed."""
        for band in self.dues_bands:
            if band["max_enrollment"] is None or enrollment <= band["max_enrollment"]:
                return band["dues_cents"]
        raise ValueError("the dues bands end without an open band")

    def __repr__(self) -> str:
        return f"<FeeSchedule {self.id} {self.admin_fee_percent}% {self.currency}>"


class BillingCustomer(db.Model):
    """The Stripe customer of an organisation, created the first time it is billed through Stripe."""

    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="RESTRICT"), primary_key=True
    )
    stripe_customer_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship()

    def __repr__(self) -> str:
        return f"<BillingCustomer org={self.organisation_id} {self.stripe_customer_id}>"


class InvoiceKind(StrEnum):
    DUES = "dues"
    ADMIN_FEE = "admin_fee"


class InvoiceStatus(StrEnum):
    """Stripe's words for an invoice's states, so that a Stripe invoice's status is stored as it is."""

    DRAFT = "draft"  # recorded, not yet issued (Stripe off, or Stripe not reached yet)
    OPEN = "open"  # issued, waiting for payment
    PAID = "paid"
    UNCOLLECTIBLE = "uncollectible"
    VOID = "void"


class Invoice(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[InvoiceKind] = mapped_column(enum_column(InvoiceKind, "invoice_kind"))
    # What makes the invoice one of a kind ("dues:2026:org:7"): a second run finds it instead of billing again,
    # and every Stripe request about it carries an idempotency key derived from it.
    idempotency_key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    membership_year: Mapped[int | None] = mapped_column()
    award_round_id: Mapped[int | None] = mapped_column(sa.ForeignKey("award_round.id", ondelete="RESTRICT"), index=True)
    description: Mapped[str] = mapped_column(sa.String(500))
    currency: Mapped[str] = mapped_column(sa.String(3))
    payment_terms_days: Mapped[int] = mapped_column()
    total_cents: Mapped[int] = mapped_column(sa.BigInteger)
    credited_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    amount_paid_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    status: Mapped[InvoiceStatus] = mapped_column(
        enum_column(InvoiceStatus, "invoice_status"), default=InvoiceStatus.DRAFT
    )
    stripe_invoice_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    hosted_invoice_url: Mapped[str | None] = mapped_column(sa.String(2000))
    last_payment_error: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Recorded by an administrator rather than learned from Stripe (billing off, or paid outside it).
    recorded_by_hand: Mapped[bool] = mapped_column(default=False)

    organisation: Mapped[Organisation] = relationship()
    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", cascade="all, delete-orphan", order_by="InvoiceLine.id"
    )
    credit_notes: Mapped[list[CreditNote]] = relationship(back_populates="invoice", order_by="CreditNote.id")

    __table_args__ = (
        sa.CheckConstraint("total_cents >= 0", name="total_not_negative"),
        sa.CheckConstraint("credited_cents >= 0 AND credited_cents <= total_cents", name="credit_within_total"),
        sa.CheckConstraint("amount_paid_cents >= 0", name="paid_not_negative"),
    )

    @property
    def number(self) -> str:
        return f"INV-{self.id:06d}"

    @property
    def amount_due_cents(self) -> int:
        if self.status in (InvoiceStatus.PAID, InvoiceStatus.VOID):
            return 0
        return max(self.total_cents - self.credited_cents - self.amount_paid_cents, 0)

    def is_overdue(self, now: datetime) -> bool:
        return self.status == InvoiceStatus.OPEN and self.due_at is not None and self.due_at < now

    def __repr__(self) -> str:
        return f"<Invoice {self.id} {self.kind} org={self.organisation_id} {self.total_cents}c {self.status}>"


class InvoiceLine(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(sa.ForeignKey("invoice.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(sa.String(500))
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    # An administrative-fee line is the fee on one award; a cancelled award is credited by its line.
    award_id: Mapped[int | None] = mapped_column(sa.ForeignKey("award.id", ondelete="RESTRICT"), unique=True)

    invoice: Mapped[Invoice] = relationship(back_populates="lines")

    __table_args__ = (sa.CheckConstraint("amount_cents >= 0", name="amount_not_negative"),)

    def __repr__(self) -> str:
        return f"<InvoiceLine {self.id} invoice={self.invoice_id} {self.amount_cents}c>"


class CreditNote(db.Model):
    """Money taken off an issued invoice: the fee of an award that was cancelled after publication."""

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(sa.ForeignKey("invoice.id", ondelete="RESTRICT"), index=True)
    invoice_line_id: Mapped[int] = mapped_column(sa.ForeignKey("invoice_line.id", ondelete="RESTRICT"), unique=True)
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    reason: Mapped[str] = mapped_column(sa.String(500))
    stripe_credit_note_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    invoice: Mapped[Invoice] = relationship(back_populates="credit_notes")
    line: Mapped[InvoiceLine] = relationship()

    __table_args__ = (sa.CheckConstraint("amount_cents > 0", name="amount_positive"),)

    @property
    def idempotency_key(self) -> str:
        return f"credit:line:{self.invoice_line_id}"

    def __repr__(self) -> str:
        return f"<CreditNote {self.id} invoice={self.invoice_id} {self.amount_cents}c>"


class StripeEvent(db.Model):
    """A Stripe event already processed: its id is the key, so that a redelivery (or a concurrent copy) of the
    same event finds the row and changes nothing."""

    id: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    type: Mapped[str] = mapped_column(sa.String(100))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    invoice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invoice.id", ondelete="SET NULL"), index=True)

    def __repr__(self) -> str:
        return f"<StripeEvent {self.id} {self.type}>"
