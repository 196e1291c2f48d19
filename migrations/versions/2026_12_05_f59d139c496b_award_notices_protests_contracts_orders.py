"""Contracts: notices of intent to award (one live per RFP), protests, contracts and purchase orders.

Revision ID: f59d139c496b
Revises: 7b2e9c4d1a58
Create Date: 2026-12-05 16:12:01.126147

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f59d139c496b"
down_revision = "7b2e9c4d1a58"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "award_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("award_round_id", sa.Integer(), nullable=False),
        sa.Column("rfp_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "protest_period", "cancelled", "final", name="notice_status", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("protest_days", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("protest_ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("fairness_reason", sa.Text(), nullable=True),
        sa.Column("finalised_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finalised_by_id", sa.Integer(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("protest_days >= 1", name=op.f("ck_award_notice_protest_days_positive")),
        sa.ForeignKeyConstraint(
            ["award_round_id"],
            ["award_round.id"],
            name=op.f("fk_award_notice_award_round_id_award_round"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["finalised_by_id"], ["user.id"], name=op.f("fk_award_notice_finalised_by_id_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"], ["user.id"], name=op.f("fk_award_notice_published_by_id_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["rfp_id"], ["rfp.id"], name=op.f("fk_award_notice_rfp_id_rfp"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_award_notice")),
        sa.UniqueConstraint("award_round_id", name=op.f("uq_award_notice_award_round_id")),
    )
    with op.batch_alter_table("award_notice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_award_notice_rfp_id"), ["rfp_id"], unique=False)
        # One live notice per RFP: a cancelled notice does not count.
        batch_op.create_index(
            "uq_award_notice_live_rfp",
            ["rfp_id"],
            unique=True,
            sqlite_where=sa.text("status != 'cancelled'"),
            postgresql_where=sa.text("status != 'cancelled'"),
        )

    op.create_table(
        "contract",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=60), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("total_cents", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["award_notice.id"], name=op.f("fk_contract_notice_id_award_notice"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["vendor_id"], ["vendor.organisation_id"], name=op.f("fk_contract_vendor_id_vendor"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contract")),
        sa.UniqueConstraint("notice_id", "vendor_id", name=op.f("uq_contract_notice_id_vendor_id")),
        sa.UniqueConstraint("reference", name=op.f("uq_contract_reference")),
    )
    with op.batch_alter_table("contract", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contract_notice_id"), ["notice_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contract_vendor_id"), ["vendor_id"], unique=False)

    op.create_table(
        "protest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("filed_by_id", sa.Integer(), nullable=True),
        sa.Column("grounds", sa.Text(), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum("pending", "upheld", "denied", name="protest_status", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("decision", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["user.id"], name=op.f("fk_protest_decided_by_id_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["filed_by_id"], ["user.id"], name=op.f("fk_protest_filed_by_id_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["award_notice.id"], name=op.f("fk_protest_notice_id_award_notice"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["vendor_id"], ["vendor.organisation_id"], name=op.f("fk_protest_vendor_id_vendor"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protest")),
    )
    with op.batch_alter_table("protest", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_protest_notice_id"), ["notice_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_protest_vendor_id"), ["vendor_id"], unique=False)

    op.create_table(
        "purchase_order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivery_by", sa.Date(), nullable=False),
        sa.Column("payment_terms", sa.String(length=200), nullable=False),
        sa.Column("total_cents", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contract.id"], name=op.f("fk_purchase_order_contract_id_contract"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.organisation_id"],
            name=op.f("fk_purchase_order_district_id_district"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_order")),
        sa.UniqueConstraint("contract_id", "district_id", name=op.f("uq_purchase_order_contract_id_district_id")),
        sa.UniqueConstraint("number", name=op.f("uq_purchase_order_number")),
    )
    with op.batch_alter_table("purchase_order", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_purchase_order_contract_id"), ["contract_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_purchase_order_district_id"), ["district_id"], unique=False)

    op.create_table(
        "purchase_order_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purchase_order_id", sa.Integer(), nullable=False),
        sa.Column("award_id", sa.Integer(), nullable=False),
        sa.Column("rfp_line_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("item_code", sa.String(length=60), nullable=False),
        sa.Column("item_name", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=14, scale=4), nullable=False),
        sa.Column("cost_cents", sa.BigInteger(), nullable=False),
        sa.Column("support_cost_cents", sa.BigInteger(), nullable=False),
        sa.Column("discount_cents", sa.BigInteger(), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_reason", sa.Text(), nullable=True),
        sa.Column("cancelled_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_purchase_order_line_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["cancelled_by_id"],
            ["user.id"],
            name=op.f("fk_purchase_order_line_cancelled_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["award_id"], ["award.id"], name=op.f("fk_purchase_order_line_award_id_award"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["purchase_order_id"],
            ["purchase_order.id"],
            name=op.f("fk_purchase_order_line_purchase_order_id_purchase_order"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rfp_line_id"],
            ["rfp_line.id"],
            name=op.f("fk_purchase_order_line_rfp_line_id_rfp_line"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_order_line")),
        sa.UniqueConstraint("award_id", name=op.f("uq_purchase_order_line_award_id")),
    )
    with op.batch_alter_table("purchase_order_line", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_purchase_order_line_purchase_order_id"), ["purchase_order_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("purchase_order_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_purchase_order_line_purchase_order_id"))

    op.drop_table("purchase_order_line")
    with op.batch_alter_table("purchase_order", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_purchase_order_district_id"))
        batch_op.drop_index(batch_op.f("ix_purchase_order_contract_id"))

    op.drop_table("purchase_order")
    with op.batch_alter_table("protest", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_protest_vendor_id"))
        batch_op.drop_index(batch_op.f("ix_protest_notice_id"))

    op.drop_table("protest")
    with op.batch_alter_table("contract", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contract_vendor_id"))
        batch_op.drop_index(batch_op.f("ix_contract_notice_id"))

    op.drop_table("contract")
    with op.batch_alter_table("award_notice", schema=None) as batch_op:
        batch_op.drop_index("uq_award_notice_live_rfp")
        batch_op.drop_index(batch_op.f("ix_award_notice_rfp_id"))

    op.drop_table("award_notice")
