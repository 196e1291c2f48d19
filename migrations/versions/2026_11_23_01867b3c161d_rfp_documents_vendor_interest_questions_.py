"""Joint RFPs: published document versions, vendor interest, questions and answers, addenda, the e-mail outbox.

Revision ID: 01867b3c161d
Revises: 3b66612835b9
Create Date: 2026-11-23 12:59:14.077485

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "01867b3c161d"
down_revision = "3b66612835b9"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "outbound_email",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_email")),
    )
    with op.batch_alter_table("outbound_email", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbound_email_sent_at"), ["sent_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbound_email_to_address"), ["to_address"], unique=False)

    op.create_table(
        "addendum",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rfp_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("document_version", sa.Integer(), nullable=False),
        sa.Column("bid_deadline_before", sa.DateTime(timezone=True), nullable=True),
        sa.Column("bid_deadline_after", sa.DateTime(timezone=True), nullable=True),
        sa.Column("bids_returned_to_draft", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["issued_by_id"], ["user.id"], name=op.f("fk_addendum_issued_by_id_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["rfp_id"], ["rfp.id"], name=op.f("fk_addendum_rfp_id_rfp"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_addendum")),
        sa.UniqueConstraint("rfp_id", "number", name=op.f("uq_addendum_rfp_id_number")),
    )
    with op.batch_alter_table("addendum", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_addendum_rfp_id"), ["rfp_id"], unique=False)

    op.create_table(
        "question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rfp_id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("asked_by_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending", "answered", "dismissed", name="question_status", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["answered_by_id"], ["user.id"], name=op.f("fk_question_answered_by_id_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["asked_by_id"], ["user.id"], name=op.f("fk_question_asked_by_id_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["rfp_id"], ["rfp.id"], name=op.f("fk_question_rfp_id_rfp"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["vendor_id"], ["vendor.organisation_id"], name=op.f("fk_question_vendor_id_vendor"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question")),
    )
    with op.batch_alter_table("question", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_question_rfp_id"), ["rfp_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_question_vendor_id"), ["vendor_id"], unique=False)

    op.create_table(
        "rfp_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rfp_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["rfp_id"], ["rfp.id"], name=op.f("fk_rfp_document_rfp_id_rfp"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rfp_document")),
        sa.UniqueConstraint("rfp_id", "version", name=op.f("uq_rfp_document_rfp_id_version")),
    )
    with op.batch_alter_table("rfp_document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rfp_document_rfp_id"), ["rfp_id"], unique=False)

    op.create_table(
        "vendor_interest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rfp_id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["rfp_id"], ["rfp.id"], name=op.f("fk_vendor_interest_rfp_id_rfp"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["vendor_id"],
            ["vendor.organisation_id"],
            name=op.f("fk_vendor_interest_vendor_id_vendor"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vendor_interest")),
        sa.UniqueConstraint("rfp_id", "vendor_id", name=op.f("uq_vendor_interest_rfp_id_vendor_id")),
    )
    with op.batch_alter_table("vendor_interest", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vendor_interest_rfp_id"), ["rfp_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_vendor_interest_vendor_id"), ["vendor_id"], unique=False)


def downgrade():
    with op.batch_alter_table("vendor_interest", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vendor_interest_vendor_id"))
        batch_op.drop_index(batch_op.f("ix_vendor_interest_rfp_id"))

    op.drop_table("vendor_interest")
    with op.batch_alter_table("rfp_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rfp_document_rfp_id"))

    op.drop_table("rfp_document")
    with op.batch_alter_table("question", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_question_vendor_id"))
        batch_op.drop_index(batch_op.f("ix_question_rfp_id"))

    op.drop_table("question")
    with op.batch_alter_table("addendum", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_addendum_rfp_id"))

    op.drop_table("addendum")
    with op.batch_alter_table("outbound_email", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbound_email_to_address"))
        batch_op.drop_index(batch_op.f("ix_outbound_email_sent_at"))

    op.drop_table("outbound_email")
