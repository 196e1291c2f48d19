"""A purchase order as a printable document (HTML, and PDF through the RFP documents' renderer) and as CSV."""

from __future__ import annotations

from flask import current_app

from coop import exports, money
from coop.contracts.models import PurchaseOrder
from coop.rfps.documents import render_pdf

ORDER_TEMPLATE = "contracts/order_document.html"
CSV_COLUMNS = [
    "po_number",
    "contract",
    "rfp",
    "district",
    "vendor",
    "line",
    "item_code",
    "item",
    "quantity",
    "unit_price",
    "cost",
    "support_cost",
    "discount",
    "total",
    "delivery_by",
    "terms",
    "status",
    "cancelled_on",
    "cancelled_reason",
    "order_total",
    "order_open_total",
]


def order_html(order: PurchaseOrder) -> str:
    """The order as one standalone printable HTML page."""
    return current_app.jinja_env.get_template(ORDER_TEMPLATE).render(order=order, rfp=order.contract.notice.rfp)


def order_pdf(order: PurchaseOrder) -> bytes:
    return render_pdf(order_html(order))


def order_csv(order: PurchaseOrder) -> bytes:
    """One row per line, amounts in dollars with their cents (the unit price with four places when it has them).

    Each row says whether its line is still open or was cancelled (when and why), and carries the order's total and
    its open total, as the order's page and PDF state them.
    """
    contract = order.contract
    rows = [CSV_COLUMNS] + [
        [
            order.number,
            contract.reference,
            contract.notice.rfp.reference,
            order.district.name,
            contract.vendor.name,
            line.line_no,
            line.item_code,
            line.item_name,
            line.quantity,
            str(money.exact_unit_price(line.unit_price)),
            money.plain_dollars(line.cost_cents),
            money.plain_dollars(line.support_cost_cents),
            money.plain_dollars(line.discount_cents),
            money.plain_dollars(line.total_cents),
            order.delivery_by.isoformat(),
            order.payment_terms,
            "cancelled" if line.cancelled_at else "open",
            line.cancelled_at.date().isoformat() if line.cancelled_at else None,
            line.cancelled_reason,
            money.plain_dollars(order.total_cents),
            money.plain_dollars(order.open_total_cents),
        ]
        for line in order.lines
    ]
    return exports.csv_bytes(rows)


def filename(order: PurchaseOrder, kind: str) -> str:
    return f"{order.number}.{kind}"
