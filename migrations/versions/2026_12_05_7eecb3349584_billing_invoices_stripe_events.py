"""Billing: the fee schedule, Stripe customers, invoices and their lines, credit notes, and the Stripe events
already processed (one row per event id, so that no event is applied twice).

Revision ID: 7eecb3349584
Revises: f59d139c496b
Create Date: 2026-12-05 16:14:22.647181

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7eecb3349584"
down_revision = "f59d139c496b"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "billing_customer",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("stripe_customer_id", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_billing_customer_organisation_id_organisation"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_billing_customer")),
        sa.UniqueConstraint("stripe_customer_id", name=op.f("uq_billing_customer_stripe_customer_id")),
    )
    op.create_table(
        "fee_schedule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dues_bands", sa.JSON(), nullable=False),
        sa.Column("admin_fee_percent", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("admin_fee_min_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("payment_terms_days", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("admin_fee_min_cents >= 0", name=op.f("ck_fee_schedule_admin_fee_min_not_negative")),
        sa.CheckConstraint(
            "admin_fee_percent >= 0 AND admin_fee_percent <= 100", name=op.f("ck_fee_schedule_admin_fee_percent_range")
        ),
        sa.CheckConstraint("payment_terms_days > 0", name=op.f("ck_fee_schedule_payment_terms_positive")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_fee_schedule_created_by_id_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_schedule")),
    )
    op.create_table(
        "invoice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("dues", "admin_fee", name="invoice_kind", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("idempotency_key", sa.String(length=120), nullable=False),
        sa.Column("membership_year", sa.Integer(), nullable=True),
        sa.Column("award_round_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("payment_terms_days", sa.Integer(), nullable=False),
        sa.Column("total_cents", sa.BigInteger(), nullable=False),
        sa.Column("credited_cents", sa.BigInteger(), nullable=False),
        sa.Column("amount_paid_cents", sa.BigInteger(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "open",
                "paid",
                "uncollectible",
                "void",
                name="invoice_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("stripe_invoice_id", sa.String(length=255), nullable=True),
        sa.Column("hosted_invoice_url", sa.String(length=2000), nullable=True),
        sa.Column("last_payment_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recorded_by_hand", sa.Boolean(), nullable=False),
        sa.CheckConstraint("amount_paid_cents >= 0", name=op.f("ck_invoice_paid_not_negative")),
        sa.CheckConstraint(
            "credited_cents >= 0 AND credited_cents <= total_cents", name=op.f("ck_invoice_credit_within_total")
        ),
        sa.CheckConstraint("total_cents >= 0", name=op.f("ck_invoice_total_not_negative")),
        sa.ForeignKeyConstraint(
            ["award_round_id"],
            ["award_round.id"],
            name=op.f("fk_invoice_award_round_id_award_round"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_invoice_organisation_id_organisation"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_invoice_idempotency_key")),
        sa.UniqueConstraint("stripe_invoice_id", name=op.f("uq_invoice_stripe_invoice_id")),
    )
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invoice_award_round_id"), ["award_round_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_invoice_organisation_id"), ["organisation_id"], unique=False)
    op.create_table(
        "stripe_event",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoice.id"], name=op.f("fk_stripe_event_invoice_id_invoice"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stripe_event")),
    )
    with op.batch_alter_table("stripe_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stripe_event_invoice_id"), ["invoice_id"], unique=False)
    op.create_table(
        "invoice_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("award_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("amount_cents >= 0", name=op.f("ck_invoice_line_amount_not_negative")),
        sa.ForeignKeyConstraint(
            ["award_id"], ["award.id"], name=op.f("fk_invoice_line_award_id_award"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoice.id"], name=op.f("fk_invoice_line_invoice_id_invoice"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_line")),
        sa.UniqueConstraint("award_id", name=op.f("uq_invoice_line_award_id")),
    )
    with op.batch_alter_table("invoice_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invoice_line_invoice_id"), ["invoice_id"], unique=False)
    op.create_table(
        "credit_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("invoice_line_id", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("stripe_credit_note_id", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_credit_note_amount_positive")),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoice.id"], name=op.f("fk_credit_note_invoice_id_invoice"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["invoice_line_id"],
            ["invoice_line.id"],
            name=op.f("fk_credit_note_invoice_line_id_invoice_line"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_note")),
        sa.UniqueConstraint("invoice_line_id", name=op.f("uq_credit_note_invoice_line_id")),
        sa.UniqueConstraint("stripe_credit_note_id", name=op.f("uq_credit_note_stripe_credit_note_id")),
    )
    with op.batch_alter_table("credit_note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_note_invoice_id"), ["invoice_id"], unique=False)


def downgrade():
    with op.batch_alter_table("credit_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_note_invoice_id"))
    op.drop_table("credit_note")
    with op.batch_alter_table("invoice_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoice_line_invoice_id"))
    op.drop_table("invoice_line")
    with op.batch_alter_table("stripe_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stripe_event_invoice_id"))
    op.drop_table("stripe_event")
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoice_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_invoice_award_round_id"))
    op.drop_table("invoice")
    op.drop_table("fee_schedule")
    op.drop_table("billing_customer")
