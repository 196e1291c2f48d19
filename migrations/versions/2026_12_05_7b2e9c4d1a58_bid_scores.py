"""Evaluation: each submitted bid's points and comment on each non-price criterion of its RFP.

Revision ID: 7b2e9c4d1a58
Revises: c5575f3580c3
Create Date: 2026-12-05 16:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7b2e9c4d1a58"
down_revision = "c5575f3580c3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "bid_score",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bid_id", sa.Integer(), nullable=False),
        sa.Column("criterion_key", sa.String(length=60), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("scored_by_id", sa.Integer(), nullable=True),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("points >= 0 AND points <= 100", name=op.f("ck_bid_score_points_0_to_100")),
        sa.ForeignKeyConstraint(["bid_id"], ["bid.id"], name=op.f("fk_bid_score_bid_id_bid"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["scored_by_id"], ["user.id"], name=op.f("fk_bid_score_scored_by_id_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bid_score")),
        sa.UniqueConstraint("bid_id", "criterion_key", name=op.f("uq_bid_score_bid_id_criterion_key")),
    )
    with op.batch_alter_table("bid_score", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bid_score_bid_id"), ["bid_id"], unique=False)


def downgrade():
    with op.batch_alter_table("bid_score", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bid_score_bid_id"))

    op.drop_table("bid_score")
