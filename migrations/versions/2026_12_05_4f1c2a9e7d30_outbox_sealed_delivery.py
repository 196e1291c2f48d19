"""The outbox: mail to an RFP's vendors sealed until its opening; claims, attempts and a Message-ID for delivery.

Revision ID: 4f1c2a9e7d30
Revises: 781e9489b786
Create Date: 2026-12-05 13:18:16.999931

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "4f1c2a9e7d30"
down_revision = "781e9489b786"
branch_labels = None
depends_on = None


def upgrade():
    # Existing messages start with no attempt counted: a queued one is tried again, up to the limit.
    with op.batch_alter_table("outbound_email", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sealed_rfp_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("message_id", sa.String(length=250), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("claim_token", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint(op.f("ck_outbound_email_attempts_not_negative"), "attempts >= 0")
        batch_op.create_index(batch_op.f("ix_outbound_email_claim_token"), ["claim_token"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbound_email_sealed_rfp_id"), ["sealed_rfp_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_outbound_email_sealed_rfp_id_rfp"), "rfp", ["sealed_rfp_id"], ["id"], ondelete="CASCADE"
        )
    with op.batch_alter_table("outbound_email", schema=None) as batch_op:
        batch_op.alter_column("attempts", server_default=None)


def downgrade():
    with op.batch_alter_table("outbound_email", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_outbound_email_sealed_rfp_id_rfp"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_outbound_email_sealed_rfp_id"))
        batch_op.drop_index(batch_op.f("ix_outbound_email_claim_token"))
        batch_op.drop_constraint(op.f("ck_outbound_email_attempts_not_negative"), type_="check")
        batch_op.drop_column("failed_at")
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("claim_token")
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("attempts")
        batch_op.drop_column("message_id")
        batch_op.drop_column("sealed_rfp_id")
