"""Audit chains: a head row per chain, locked by every append, and a unique link per chain so that no chain forks.

Revision ID: 0e229a1b997d
Revises: 5e3c1a9d2b47
Create Date: 2026-12-05 13:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0e229a1b997d"
down_revision = "5e3c1a9d2b47"
branch_labels = None
depends_on = None


def upgrade():
    # Checked before any change, so that a refusal leaves the database as it was.
    forks = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT rfp_id, prev_hash, min(id), max(id) FROM audit_event GROUP BY rfp_id, prev_hash HAVING count(*) > 1 "
                "ORDER BY min(id)"
            )
        )
        .all()
    )
    if forks:
        # Re-linking them would rewrite every later hash, which is what tampering looks like: a person decides.
        raise RuntimeError(
            "Nothing was changed: the audit chains forked before this revision (events linked to the same "
            "predecessor) and need an administrator's decision first: "
            + "; ".join(
                f"events {first} and {last} ({'about no RFP' if rfp_id is None else f'RFP id {rfp_id}'}) "
                f"both link to {prev_hash[:12]}"
                for rfp_id, prev_hash, first, last in forks
            )
            + "."
        )

    op.create_table(
        "audit_chain",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_audit_chain")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chain", sa.String(length=40), nullable=True))

    # Existing events: the chain key the app gives new ones (coop.audit.models.chain_key), and each chain's
    # head at its last event.
    op.execute("UPDATE audit_event SET chain = 'global' WHERE rfp_id IS NULL")
    op.execute("UPDATE audit_event SET chain = 'rfp:' || CAST(rfp_id AS VARCHAR(20)) WHERE rfp_id IS NOT NULL")
    op.execute(
        "INSERT INTO audit_chain (key, last_hash) SELECT chain, hash FROM audit_event "
        "WHERE id IN (SELECT max(id) FROM audit_event GROUP BY chain)"
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.alter_column("chain", existing_type=sa.String(length=40), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_audit_event_chain_audit_chain"), "audit_chain", ["chain"], ["key"], ondelete="RESTRICT"
        )
        batch_op.create_unique_constraint(batch_op.f("uq_audit_event_chain_prev_hash"), ["chain", "prev_hash"])


def downgrade():
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_event_chain_prev_hash"), type_="unique")
        batch_op.drop_constraint(batch_op.f("fk_audit_event_chain_audit_chain"), type_="foreignkey")
        batch_op.drop_column("chain")

    op.drop_table("audit_chain")
