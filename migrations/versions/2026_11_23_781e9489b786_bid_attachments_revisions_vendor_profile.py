"""Bids: attachments (PDF spec sheets), a revision counter and the withdrawal time; vendors' address and description.

Revision ID: 781e9489b786
Revises: 01867b3c161d
Create Date: 2026-11-23 15:02:16.222444

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "781e9489b786"
down_revision = "01867b3c161d"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "bid_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bid_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("size_bytes > 0", name=op.f("ck_bid_attachment_size_positive")),
        sa.ForeignKeyConstraint(["bid_id"], ["bid.id"], name=op.f("fk_bid_attachment_bid_id_bid"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bid_attachment")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_bid_attachment_stored_name")),
    )
    with op.batch_alter_table("bid_attachment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bid_attachment_bid_id"), ["bid_id"], unique=False)

    # Existing rows get the defaults the models give new ones.
    with op.batch_alter_table("bid", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="1"))
        batch_op.create_check_constraint(op.f("ck_bid_revision_positive"), "revision >= 1")
    with op.batch_alter_table("bid", schema=None) as batch_op:
        batch_op.alter_column("revision", server_default=None)

    with op.batch_alter_table("vendor", schema=None) as batch_op:
        batch_op.add_column(sa.Column("postal_address", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("description", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("vendor", schema=None) as batch_op:
        batch_op.alter_column("postal_address", server_default=None)
        batch_op.alter_column("description", server_default=None)


def downgrade():
    with op.batch_alter_table("vendor", schema=None) as batch_op:
        batch_op.drop_column("description")
        batch_op.drop_column("postal_address")

    with op.batch_alter_table("bid", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_bid_revision_positive"), type_="check")
        batch_op.drop_column("revision")
        batch_op.drop_column("withdrawn_at")

    with op.batch_alter_table("bid_attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bid_attachment_bid_id"))

    op.drop_table("bid_attachment")
