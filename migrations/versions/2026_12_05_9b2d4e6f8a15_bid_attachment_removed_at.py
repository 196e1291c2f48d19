"""Bid attachments: removed from the draft but kept for the submitted version still in force.

Revision ID: 9b2d4e6f8a15
Revises: c5575f3580c3
Create Date: 2026-12-05 16:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9b2d4e6f8a15'
down_revision = 'c5575f3580c3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('bid_attachment', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    # An attachment removed from the draft is not part of the bid as it stands: without the column it goes.
    op.execute(sa.text("DELETE FROM bid_attachment WHERE removed_at IS NOT NULL"))
    with op.batch_alter_table('bid_attachment', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('removed_at')
