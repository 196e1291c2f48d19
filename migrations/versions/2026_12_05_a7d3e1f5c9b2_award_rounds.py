"""Award rounds: numbered per RFP, their rule, progress, heartbeat, cancellation, error and explanation;
awards' support costs and discounts.

Revision ID: a7d3e1f5c9b2
Revises: 7eecb3349584
Create Date: 2026-12-05 16:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a7d3e1f5c9b2"
down_revision = "7eecb3349584"
branch_labels = None
depends_on = None

OLD_STATUSES = ("queued", "running", "solved", "failed", "published")
NEW_STATUSES = ("queued", "running", "solved", "failed", "cancelled", "published")


# The data as it stands at this revision.
award_round = sa.table(
    "award_round",
    sa.column("id", sa.Integer),
    sa.column("rfp_id", sa.Integer),
    sa.column("number", sa.Integer),
    sa.column("status", sa.String),
)


def _number_existing_rounds():
    connection = op.get_bind()
    numbers: dict[int, int] = {}
    for round_id, rfp_id in connection.execute(
        sa.select(award_round.c.id, award_round.c.rfp_id).order_by(award_round.c.id)
    ).all():
        numbers[rfp_id] = numbers.get(rfp_id, 0) + 1
        connection.execute(award_round.update().where(award_round.c.id == round_id).values(number=numbers[rfp_id]))


# Foreign keys are off while migrations run on SQLite (migrations/env.py), so copying award_round to change its
# CHECK constraint does not cascade to its awards and shares.
def upgrade():
    with op.batch_alter_table("award_round", schema=None) as batch_op:
        batch_op.add_column(sa.Column("number", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("rule", sa.String(length=30), nullable=False, server_default="capped_equal_price")
        )
        batch_op.add_column(sa.Column("rerun_of_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("phase", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("best_cost_cents", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("lower_bound_cents", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("progress_gap", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("elapsed_s", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("started_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("cancel_requested_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("error", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("explanation_html", sa.Text(), nullable=True))
    _number_existing_rounds()
    with op.batch_alter_table("award_round", schema=None) as batch_op:
        batch_op.alter_column("number", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("rule", existing_type=sa.String(length=30), server_default=None)
        batch_op.drop_constraint(batch_op.f("ck_award_round_award_round_status"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_award_round_award_round_status"), sa.column("status").in_(NEW_STATUSES)
        )
        batch_op.create_unique_constraint(batch_op.f("uq_award_round_rfp_id_number"), ["rfp_id", "number"])
        batch_op.create_foreign_key(
            batch_op.f("fk_award_round_rerun_of_id_award_round"),
            "award_round",
            ["rerun_of_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("award", schema=None) as batch_op:
        batch_op.add_column(sa.Column("support_cost_cents", sa.BigInteger(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("discount_cents", sa.BigInteger(), nullable=False, server_default="0"))
    with op.batch_alter_table("award", schema=None) as batch_op:
        batch_op.alter_column("support_cost_cents", existing_type=sa.BigInteger(), server_default=None)
        batch_op.alter_column("discount_cents", existing_type=sa.BigInteger(), server_default=None)


def downgrade():
    with op.batch_alter_table("award", schema=None) as batch_op:
        batch_op.drop_column("discount_cents")
        batch_op.drop_column("support_cost_cents")

    # A cancelled round was never solved: before this revision it reads as a failed one.
    op.execute(award_round.update().where(award_round.c.status == "cancelled").values(status="failed"))
    with op.batch_alter_table("award_round", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_award_round_rerun_of_id_award_round"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_award_round_rfp_id_number"), type_="unique")
        batch_op.drop_constraint(batch_op.f("ck_award_round_award_round_status"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_award_round_award_round_status"), sa.column("status").in_(OLD_STATUSES)
        )
        batch_op.drop_column("explanation_html")
        batch_op.drop_column("error")
        batch_op.drop_column("cancel_requested_at")
        batch_op.drop_column("finished_at")
        batch_op.drop_column("heartbeat_at")
        batch_op.drop_column("started_at")
        batch_op.drop_column("elapsed_s")
        batch_op.drop_column("progress_gap")
        batch_op.drop_column("lower_bound_cents")
        batch_op.drop_column("best_cost_cents")
        batch_op.drop_column("phase")
        batch_op.drop_column("rerun_of_id")
        batch_op.drop_column("rule")
        batch_op.drop_column("number")
