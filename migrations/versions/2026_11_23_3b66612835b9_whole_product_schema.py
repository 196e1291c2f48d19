"""The whole product's schema: organisations, accounts, catalogue, needs, RFPs, bids, awards, audit.

Revision ID: 3b66612835b9
Revises:
Create Date: 2026-11-23 12:50:32.585414

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "3b66612835b9"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "category",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_category")),
        sa.UniqueConstraint("slug", name=op.f("uq_category_slug")),
    )
    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "district", "vendor", "cooperative", name="organisation_kind", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending", "approved", "rejected", name="organisation_status", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("contact_name", sa.String(length=200), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=False),
        sa.Column("contact_phone", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation")),
        sa.UniqueConstraint("kind", "name", name=op.f("uq_organisation_kind_name")),
    )
    op.create_table(
        "region",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_region")),
        sa.UniqueConstraint("code", name=op.f("uq_region_code")),
    )
    op.create_table(
        "user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_sign_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user")),
        sa.UniqueConstraint("email", name=op.f("uq_user_email")),
    )
    op.create_table(
        "district",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=2), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("enrollment", sa.Integer(), nullable=False),
        sa.Column("nces_id", sa.String(length=7), nullable=True),
        sa.CheckConstraint("enrollment > 0", name=op.f("ck_district_enrollment_positive")),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_district_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["region.id"], name=op.f("fk_district_region_id_region"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_district")),
        sa.UniqueConstraint("nces_id", name=op.f("uq_district_nces_id")),
    )
    with op.batch_alter_table("district", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_district_region_id"), ["region_id"], unique=False)

    op.create_table(
        "item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=30), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"], ["category.id"], name=op.f("fk_item_category_id_category"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item")),
        sa.UniqueConstraint("code", name=op.f("uq_item_code")),
    )
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_item_category_id"), ["category_id"], unique=False)

    op.create_table(
        "membership",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "district_buyer",
                "vendor_rep",
                "coop_admin",
                name="membership_role",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_membership_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_membership_user_id_user"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership")),
        sa.UniqueConstraint("user_id", "organisation_id", name=op.f("uq_membership_user_id_organisation_id")),
    )
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_membership_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_membership_user_id"), ["user_id"], unique=False)

    op.create_table(
        "rfp",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "committing",
                "open",
                "closed",
                "opened",
                "awarded",
                "complete",
                "cancelled",
                name="rfp_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("template_key", sa.String(length=60), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("document_version", sa.Integer(), nullable=False),
        sa.Column("commitment_deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("bid_deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tco_years", sa.Integer(), nullable=False),
        sa.Column("erate_eligible", sa.Boolean(), nullable=False),
        sa.Column("form470_number", sa.String(length=30), nullable=True),
        sa.Column("form470_date", sa.Date(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_reason", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("tco_years > 0", name=op.f("ck_rfp_tco_years_positive")),
        sa.ForeignKeyConstraint(
            ["category_id"], ["category.id"], name=op.f("fk_rfp_category_id_category"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_rfp_created_by_id_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rfp")),
        sa.UniqueConstraint("reference", name=op.f("uq_rfp_reference")),
    )
    with op.batch_alter_table("rfp", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rfp_category_id"), ["category_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_rfp_status"), ["status"], unique=False)

    op.create_table(
        "vendor",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("website", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_vendor_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_vendor")),
    )
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("rfp_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=80), nullable=False),
        sa.Column("entity_type", sa.String(length=60), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_user_id"], ["user.id"], name=op.f("fk_audit_event_actor_user_id_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["rfp_id"], ["rfp.id"], name=op.f("fk_audit_event_rfp_id_rfp"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_event_hash")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_actor_user_id"), ["actor_user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_rfp_id"), ["rfp_id"], unique=False)

    op.create_table(
        "award_round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rfp_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "running",
                "solved",
                "failed",
                "published",
                name="award_round_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("problem", sa.JSON(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("solver_status", sa.String(length=20), nullable=True),
        sa.Column("total_cost_cents", sa.BigInteger(), nullable=True),
        sa.Column("gap", sa.Float(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("solved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_award_round_created_by_id_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["rfp_id"], ["rfp.id"], name=op.f("fk_award_round_rfp_id_rfp"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_award_round")),
    )
    with op.batch_alter_table("award_round", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_award_round_rfp_id"), ["rfp_id"], unique=False)

    op.create_table(
        "bid",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rfp_id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("draft", "submitted", "withdrawn", name="bid_status", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("content_sha256", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["rfp_id"], ["rfp.id"], name=op.f("fk_bid_rfp_id_rfp"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["vendor_id"], ["vendor.organisation_id"], name=op.f("fk_bid_vendor_id_vendor"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bid")),
        sa.UniqueConstraint("rfp_id", "vendor_id", name=op.f("uq_bid_rfp_id_vendor_id")),
    )
    with op.batch_alter_table("bid", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bid_rfp_id"), ["rfp_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bid_vendor_id"), ["vendor_id"], unique=False)

    op.create_table(
        "need",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("needed_by", sa.Date(), nullable=False),
        sa.Column("budget_cap_cents", sa.BigInteger(), nullable=True),
        sa.Column("erate_eligible", sa.Boolean(), nullable=False),
        sa.Column("spec_notes", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "pooled",
                "committed",
                "awarded",
                "withdrawn",
                name="need_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "budget_cap_cents IS NULL OR budget_cap_cents >= 0", name=op.f("ck_need_budget_cap_not_negative")
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_need_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_need_created_by_id_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["district_id"], ["district.organisation_id"], name=op.f("fk_need_district_id_district"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"], name=op.f("fk_need_item_id_item"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_need")),
    )
    with op.batch_alter_table("need", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_need_district_id"), ["district_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_need_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_need_needed_by"), ["needed_by"], unique=False)
        batch_op.create_index(batch_op.f("ix_need_status"), ["status"], unique=False)

    op.create_table(
        "rfp_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rfp_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_rfp_line_quantity_not_negative")),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"], name=op.f("fk_rfp_line_item_id_item"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["rfp_id"], ["rfp.id"], name=op.f("fk_rfp_line_rfp_id_rfp"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rfp_line")),
        sa.UniqueConstraint("rfp_id", "line_no", name=op.f("uq_rfp_line_rfp_id_line_no")),
    )
    with op.batch_alter_table("rfp_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rfp_line_rfp_id"), ["rfp_id"], unique=False)

    op.create_table(
        "vendor_region",
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_id"], ["region.id"], name=op.f("fk_vendor_region_region_id_region"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["vendor_id"],
            ["vendor.organisation_id"],
            name=op.f("fk_vendor_region_vendor_id_vendor"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("vendor_id", "region_id", name=op.f("pk_vendor_region")),
    )
    op.create_table(
        "bid_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bid_id", sa.Integer(), nullable=False),
        sa.Column("rfp_line_id", sa.Integer(), nullable=False),
        sa.Column("product", sa.String(length=300), nullable=False),
        sa.Column("spec_compliance", sa.JSON(), nullable=False),
        sa.Column(
            "pricing_kind",
            sa.Enum("all_units", "incremental", name="pricing_kind", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("annual_cost_per_unit_cents", sa.BigInteger(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("min_award_quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint("annual_cost_per_unit_cents >= 0", name=op.f("ck_bid_line_annual_cost_not_negative")),
        sa.CheckConstraint("capacity IS NULL OR capacity > 0", name=op.f("ck_bid_line_capacity_positive")),
        sa.CheckConstraint("min_award_quantity >= 0", name=op.f("ck_bid_line_min_award_not_negative")),
        sa.ForeignKeyConstraint(["bid_id"], ["bid.id"], name=op.f("fk_bid_line_bid_id_bid"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["rfp_line_id"], ["rfp_line.id"], name=op.f("fk_bid_line_rfp_line_id_rfp_line"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bid_line")),
        sa.UniqueConstraint("bid_id", "rfp_line_id", name=op.f("uq_bid_line_bid_id_rfp_line_id")),
    )
    with op.batch_alter_table("bid_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bid_line_bid_id"), ["bid_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bid_line_rfp_line_id"), ["rfp_line_id"], unique=False)

    op.create_table(
        "discount_bracket",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bid_id", sa.Integer(), nullable=False),
        sa.Column("min_value_cents", sa.BigInteger(), nullable=False),
        sa.Column("percent", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.CheckConstraint("percent > 0 AND percent < 100", name=op.f("ck_discount_bracket_percent_range")),
        sa.ForeignKeyConstraint(
            ["bid_id"], ["bid.id"], name=op.f("fk_discount_bracket_bid_id_bid"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discount_bracket")),
        sa.UniqueConstraint("bid_id", "min_value_cents", name=op.f("uq_discount_bracket_bid_id_min_value_cents")),
    )
    with op.batch_alter_table("discount_bracket", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_discount_bracket_bid_id"), ["bid_id"], unique=False)

    op.create_table(
        "district_share",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("award_round_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("pooled_cost_cents", sa.BigInteger(), nullable=False),
        sa.Column("standalone_cost_cents", sa.BigInteger(), nullable=True),
        sa.Column("savings_cents", sa.BigInteger(), nullable=True),
        sa.Column("standalone_note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["award_round_id"],
            ["award_round.id"],
            name=op.f("fk_district_share_award_round_id_award_round"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.organisation_id"],
            name=op.f("fk_district_share_district_id_district"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_district_share")),
        sa.UniqueConstraint("award_round_id", "district_id", name=op.f("uq_district_share_award_round_id_district_id")),
    )
    with op.batch_alter_table("district_share", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_district_share_award_round_id"), ["award_round_id"], unique=False)

    op.create_table(
        "rfp_line_need",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rfp_line_id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column(
            "commitment",
            sa.Enum(
                "proposed",
                "confirmed",
                "withdrawn",
                name="commitment_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("named_publicly", sa.Boolean(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_rfp_line_need_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["need_id"], ["need.id"], name=op.f("fk_rfp_line_need_need_id_need"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["rfp_line_id"], ["rfp_line.id"], name=op.f("fk_rfp_line_need_rfp_line_id_rfp_line"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rfp_line_need")),
        sa.UniqueConstraint("rfp_line_id", "need_id", name=op.f("uq_rfp_line_need_rfp_line_id_need_id")),
    )
    with op.batch_alter_table("rfp_line_need", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rfp_line_need_need_id"), ["need_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_rfp_line_need_rfp_line_id"), ["rfp_line_id"], unique=False)

    op.create_table(
        "award",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("award_round_id", sa.Integer(), nullable=False),
        sa.Column("rfp_line_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("bid_line_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=14, scale=4), nullable=False),
        sa.Column("cost_cents", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_award_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["award_round_id"], ["award_round.id"], name=op.f("fk_award_award_round_id_award_round"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["bid_line_id"], ["bid_line.id"], name=op.f("fk_award_bid_line_id_bid_line"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.organisation_id"],
            name=op.f("fk_award_district_id_district"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["rfp_line_id"], ["rfp_line.id"], name=op.f("fk_award_rfp_line_id_rfp_line"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["vendor_id"], ["vendor.organisation_id"], name=op.f("fk_award_vendor_id_vendor"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_award")),
    )
    with op.batch_alter_table("award", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_award_award_round_id"), ["award_round_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_award_district_id"), ["district_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_award_vendor_id"), ["vendor_id"], unique=False)

    op.create_table(
        "bid_line_region",
        sa.Column("bid_line_id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bid_line_id"], ["bid_line.id"], name=op.f("fk_bid_line_region_bid_line_id_bid_line"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["region.id"], name=op.f("fk_bid_line_region_region_id_region"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("bid_line_id", "region_id", name=op.f("pk_bid_line_region")),
    )
    op.create_table(
        "price_tier",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bid_line_id", sa.Integer(), nullable=False),
        sa.Column("min_quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price_cents", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("min_quantity >= 1", name=op.f("ck_price_tier_min_quantity_positive")),
        sa.CheckConstraint("unit_price_cents >= 0", name=op.f("ck_price_tier_unit_price_not_negative")),
        sa.ForeignKeyConstraint(
            ["bid_line_id"], ["bid_line.id"], name=op.f("fk_price_tier_bid_line_id_bid_line"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_tier")),
        sa.UniqueConstraint("bid_line_id", "min_quantity", name=op.f("uq_price_tier_bid_line_id_min_quantity")),
    )
    with op.batch_alter_table("price_tier", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_price_tier_bid_line_id"), ["bid_line_id"], unique=False)


def downgrade():
    with op.batch_alter_table("price_tier", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_price_tier_bid_line_id"))

    op.drop_table("price_tier")
    op.drop_table("bid_line_region")
    with op.batch_alter_table("award", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_award_vendor_id"))
        batch_op.drop_index(batch_op.f("ix_award_district_id"))
        batch_op.drop_index(batch_op.f("ix_award_award_round_id"))

    op.drop_table("award")
    with op.batch_alter_table("rfp_line_need", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rfp_line_need_rfp_line_id"))
        batch_op.drop_index(batch_op.f("ix_rfp_line_need_need_id"))

    op.drop_table("rfp_line_need")
    with op.batch_alter_table("district_share", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_district_share_award_round_id"))

    op.drop_table("district_share")
    with op.batch_alter_table("discount_bracket", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discount_bracket_bid_id"))

    op.drop_table("discount_bracket")
    with op.batch_alter_table("bid_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bid_line_rfp_line_id"))
        batch_op.drop_index(batch_op.f("ix_bid_line_bid_id"))

    op.drop_table("bid_line")
    op.drop_table("vendor_region")
    with op.batch_alter_table("rfp_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rfp_line_rfp_id"))

    op.drop_table("rfp_line")
    with op.batch_alter_table("need", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_need_status"))
        batch_op.drop_index(batch_op.f("ix_need_needed_by"))
        batch_op.drop_index(batch_op.f("ix_need_item_id"))
        batch_op.drop_index(batch_op.f("ix_need_district_id"))

    op.drop_table("need")
    with op.batch_alter_table("bid", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bid_vendor_id"))
        batch_op.drop_index(batch_op.f("ix_bid_rfp_id"))

    op.drop_table("bid")
    with op.batch_alter_table("award_round", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_award_round_rfp_id"))

    op.drop_table("award_round")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_rfp_id"))
        batch_op.drop_index(batch_op.f("ix_audit_event_actor_user_id"))

    op.drop_table("audit_event")
    op.drop_table("vendor")
    with op.batch_alter_table("rfp", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rfp_status"))
        batch_op.drop_index(batch_op.f("ix_rfp_category_id"))

    op.drop_table("rfp")
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_membership_user_id"))
        batch_op.drop_index(batch_op.f("ix_membership_organisation_id"))

    op.drop_table("membership")
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_item_category_id"))

    op.drop_table("item")
    with op.batch_alter_table("district", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_district_region_id"))

    op.drop_table("district")
    op.drop_table("user")
    op.drop_table("region")
    op.drop_table("organisation")
    op.drop_table("category")
