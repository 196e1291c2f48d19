"""Users: a session version, raised to end every session of the user (sign-out, password change, disabling).

Revision ID: 5e3c1a9d2b47
Revises: 4f1c2a9e7d30
Create Date: 2026-12-05 13:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5e3c1a9d2b47"
down_revision = "4f1c2a9e7d30"
branch_labels = None
depends_on = None


def upgrade():
    # Existing rows get the default the model gives new ones.
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.alter_column("session_version", server_default=None)


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("session_version")
