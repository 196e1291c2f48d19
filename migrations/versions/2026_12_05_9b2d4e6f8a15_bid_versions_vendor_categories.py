"""Bid attachments removed from the draft but kept for the submitted version still in force; the categories each
vendor sells, for its notices of new RFPs.

Revision ID: 9b2d4e6f8a15
Revises: a7d3e1f5c9b2
Create Date: 2026-12-05 16:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "9b2d4e6f8a15"
down_revision = "a7d3e1f5c9b2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("bid_attachment", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "vendor_category",
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"], ["category.id"], name=op.f("fk_vendor_category_category_id_category"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["vendor_id"],
            ["vendor.organisation_id"],
            name=op.f("fk_vendor_category_vendor_id_vendor"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("vendor_id", "category_id", name=op.f("pk_vendor_category")),
    )


def downgrade():
    op.drop_table("vendor_category")
    # An attachment removed from the draft is not part of the bid as it stands: without the column it goes.
    op.execute(sa.text("DELETE FROM bid_attachment WHERE removed_at IS NOT NULL"))
    with op.batch_alter_table("bid_attachment", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("removed_at")
