"""Bids: the record of the version submitted, the vendor's name included; attachments named by random keys.

Revision ID: c5575f3580c3
Revises: 0e229a1b997d
Create Date: 2026-12-05 13:20:00.000000

"""

import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c5575f3580c3"
down_revision = "0e229a1b997d"
branch_labels = None
depends_on = None


# SQLite cannot add or drop a column of 'bid' by copying the table: dropping the old copy would cascade to every
# bid line, bracket and attachment. It alters the table in place instead (SQLite 3.35 and later).
def upgrade():
    with op.batch_alter_table("bid", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("submitted_content", sa.JSON(), nullable=True))

    with op.batch_alter_table("bid_attachment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key", sa.String(length=32), nullable=True))
    _give_attachments_keys()
    _record_submitted_bids()
    with op.batch_alter_table("bid_attachment", schema=None) as batch_op:
        batch_op.alter_column("key", existing_type=sa.String(length=32), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_bid_attachment_key"), ["key"])


def downgrade():
    with op.batch_alter_table("bid_attachment", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_bid_attachment_key"), type_="unique")
        batch_op.drop_column("key")

    with op.batch_alter_table("bid", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("submitted_content")


# The data as it stands at this revision; the application's models may change later, these may not.
bid = sa.table(
    "bid",
    sa.column("id", sa.Integer),
    sa.column("rfp_id", sa.Integer),
    sa.column("vendor_id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("submitted_content", sa.JSON),
)
bid_attachment = sa.table(
    "bid_attachment",
    sa.column("id", sa.Integer),
    sa.column("bid_id", sa.Integer),
    sa.column("filename", sa.String),
    sa.column("sha256", sa.String),
    sa.column("key", sa.String),
)
bid_line = sa.table(
    "bid_line",
    sa.column("id", sa.Integer),
    sa.column("bid_id", sa.Integer),
    sa.column("rfp_line_id", sa.Integer),
    sa.column("product", sa.String),
    sa.column("spec_compliance", sa.JSON),
    sa.column("pricing_kind", sa.String),
    sa.column("annual_cost_per_unit_cents", sa.BigInteger),
    sa.column("capacity", sa.Integer),
    sa.column("min_award_quantity", sa.Integer),
)
price_tier = sa.table(
    "price_tier",
    sa.column("id", sa.Integer),
    sa.column("bid_line_id", sa.Integer),
    sa.column("min_quantity", sa.Integer),
    sa.column("unit_price_cents", sa.BigInteger),
)
discount_bracket = sa.table(
    "discount_bracket",
    sa.column("id", sa.Integer),
    sa.column("bid_id", sa.Integer),
    sa.column("min_value_cents", sa.BigInteger),
    sa.column("percent", sa.Numeric(5, 2)),
)
bid_line_region = sa.table("bid_line_region", sa.column("bid_line_id", sa.Integer), sa.column("region_id", sa.Integer))
region = sa.table("region", sa.column("id", sa.Integer), sa.column("code", sa.String))
rfp = sa.table("rfp", sa.column("id", sa.Integer), sa.column("reference", sa.String))
rfp_line = sa.table("rfp_line", sa.column("id", sa.Integer), sa.column("line_no", sa.Integer))
organisation = sa.table("organisation", sa.column("id", sa.Integer), sa.column("name", sa.String))


def _give_attachments_keys():
    connection = op.get_bind()
    for (attachment_id,) in connection.execute(sa.select(bid_attachment.c.id)).all():
        connection.execute(
            bid_attachment.update().where(bid_attachment.c.id == attachment_id).values(key=secrets.token_urlsafe(16))
        )


def _record_submitted_bids():
    """Record the bids submitted before this revision as their rows stand, in ``coop.bids.services.content``'s form.

    Their vendors' names are the names at the upgrade; their receipts were issued over the same content
    without the name.
    """
    connection = op.get_bind()
    submitted = connection.execute(
        sa.select(bid.c.id, bid.c.vendor_id, rfp.c.reference, organisation.c.name)
        .join(rfp, rfp.c.id == bid.c.rfp_id)
        .join(organisation, organisation.c.id == bid.c.vendor_id)
        .where(bid.c.status == "submitted")
    ).all()
    for bid_id, vendor_id, reference, vendor_name in submitted:
        lines = []
        for line in connection.execute(
            sa.select(bid_line, rfp_line.c.line_no)
            .join(rfp_line, rfp_line.c.id == bid_line.c.rfp_line_id)
            .where(bid_line.c.bid_id == bid_id)
            .order_by(rfp_line.c.line_no)
        ).mappings():
            tiers = connection.execute(
                sa.select(price_tier.c.min_quantity, price_tier.c.unit_price_cents)
                .where(price_tier.c.bid_line_id == line["id"])
                .order_by(price_tier.c.min_quantity)
            ).all()
            codes = connection.scalars(
                sa.select(region.c.code)
                .join(bid_line_region, bid_line_region.c.region_id == region.c.id)
                .where(bid_line_region.c.bid_line_id == line["id"])
                .order_by(region.c.code)
            )
            lines.append(
                {
                    "line_no": line["line_no"],
                    "product": line["product"],
                    "spec_compliance": dict(sorted((line["spec_compliance"] or {}).items())),
                    "pricing": line["pricing_kind"],
                    "tiers": [list(tier) for tier in tiers],
                    "annual_cost_per_unit_cents": line["annual_cost_per_unit_cents"],
                    "capacity": line["capacity"],
                    "min_award_quantity": line["min_award_quantity"],
                    "regions": list(codes),
                }
            )
        discounts = connection.execute(
            sa.select(discount_bracket.c.min_value_cents, discount_bracket.c.percent)
            .where(discount_bracket.c.bid_id == bid_id)
            .order_by(discount_bracket.c.min_value_cents)
        ).all()
        attachments = connection.execute(
            sa.select(bid_attachment.c.filename, bid_attachment.c.sha256)
            .where(bid_attachment.c.bid_id == bid_id)
            .order_by(bid_attachment.c.id)
        ).all()
        record = {
            "rfp": reference,
            "vendor_id": vendor_id,
            "vendor": vendor_name,
            "lines": lines,
            "discounts": [[value, str(percent)] for value, percent in discounts],
            "attachments": [list(attachment) for attachment in attachments],
        }
        connection.execute(bid.update().where(bid.c.id == bid_id).values(submitted_content=record))
