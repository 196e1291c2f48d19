"""What the app asks of Stripe where localstripe cannot answer (one-off invoices sent for payment on Stripe's hosted
page, credit notes): the real SDK's requests, each with its idempotency key, recorded by an HTTP client that answers
as Stripe's API reference documents."""

from __future__ import annotations

import json
import urllib.parse
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
import stripe

from coop.billing import adapters, services
from coop.billing.models import Invoice, InvoiceStatus
from coop.extensions import db

DUE = int(datetime(2026, 8, 1, tzinfo=UTC).timestamp())
HOSTED = "https://invoice.stripe.com/i/acct_test/live_abc"


class RecordingStripe(stripe.HTTPClient):
    """Stripe's API as far as billing uses it: answers each request with the object Stripe would return."""

    name = "recording"

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[tuple[str, str, dict, str | None]] = []

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        path = urllib.parse.urlsplit(url).path
        params = dict(urllib.parse.parse_qsl(post_data or ""))
        self.requests.append((method.upper(), path, params, (headers or {}).get("Idempotency-Key")))
        if path == "/v1/customers":
            body = {"id": "cus_test", "object": "customer"}
        elif path == "/v1/invoiceitems":
            body = {"id": f"ii_{len(self.requests)}", "object": "invoiceitem"}
        elif path.startswith("/v1/invoices"):
            sent = path.endswith(("/finalize", "/send"))
            body = {
                "id": "in_test",
                "object": "invoice",
                "status": "open" if sent else "draft",
                "amount_paid": 0,
                "hosted_invoice_url": HOSTED if sent else None,
                "due_date": DUE if sent else None,
            }
        elif path == "/v1/credit_notes":
            body = {"id": "cn_test", "object": "credit_note"}
        else:
            return json.dumps({"error": {"message": f"No such route {path}"}}), 404, {}
        return json.dumps(body), 200, {}

    def close(self):
        pass


@pytest.fixture
def recording(app, monkeypatch) -> RecordingStripe:
    monkeypatch.setitem(app.config, "STRIPE_API_KEY", "sk_test_recording")
    recorder = RecordingStripe()
    monkeypatch.setattr(adapters, "_client", lambda: stripe.StripeClient("sk_test_recording", http_client=recorder))
    return recorder


def test_dues_are_issued_as_invoices_sent_for_payment_with_stable_idempotency_keys(
    recording, make_schedule, make_district
):
    make_schedule(terms_days=30)
    district = make_district("Keyed District", enrollment=900)

    run = services.run_dues(None, 2026)

    invoice = db.session.scalars(sa.select(Invoice)).one()
    key = f"dues:2026:org:{district.id}"
    assert [(method, path, idempotency) for method, path, _, idempotency in recording.requests] == [
        ("POST", "/v1/customers", f"customer:org:{district.id}"),
        ("POST", "/v1/invoiceitems", f"{key}:line:1"),
        ("POST", "/v1/invoices", f"{key}:invoice"),
        ("POST", "/v1/invoices/in_test/finalize", f"{key}:finalize"),
        ("POST", "/v1/invoices/in_test/send", f"{key}:send"),
    ]
    created = recording.requests[2][2]
    assert {
        name: created[name]
        for name in (
            "collection_method",
            "days_until_due",
            "pending_invoice_items_behavior",
            "auto_advance",
            "metadata[coop_invoice_id]",
        )
    } == {
        "collection_method": "send_invoice",
        "days_until_due": "30",
        "pending_invoice_items_behavior": "include",
        "auto_advance": "false",
        "metadata[coop_invoice_id]": str(invoice.id),
    }
    line = recording.requests[1][2]
    assert (line["amount"], line["currency"], line["customer"]) == ("75000", "usd", "cus_test")
    assert run.issued == [invoice.id]
    assert (invoice.status, invoice.stripe_invoice_id, invoice.hosted_invoice_url, invoice.due_at) == (
        InvoiceStatus.OPEN,
        "in_test",
        HOSTED,
        datetime(2026, 8, 1, tzinfo=UTC),
    )

    services.run_dues(None, 2026)
    assert len(recording.requests) == 5  # nothing more is asked of Stripe


def test_a_cancelled_awards_credit_note_is_made_in_stripe_once(
    recording, make_schedule, make_published_round, make_district, make_vendor
):
    make_schedule()
    award_round = make_published_round({(make_district(), make_vendor()): 300_000})
    services.invoice_award_fees(award_round.id)
    award = award_round.awards[0]

    note = services.credit_cancelled_award(award.id, reason="Award cancelled")
    services.credit_cancelled_award(award.id, reason="Award cancelled")

    credit_requests = [request for request in recording.requests if request[1] == "/v1/credit_notes"]
    assert len(credit_requests) == 1
    _, _, params, idempotency = credit_requests[0]
    assert idempotency == f"credit:line:{note.invoice_line_id}"
    assert {
        name: params[name] for name in ("invoice", "lines[0][type]", "lines[0][unit_amount]", "lines[0][quantity]")
    } == {
        "invoice": "in_test",
        "lines[0][type]": "custom_line_item",
        "lines[0][unit_amount]": "6000",
        "lines[0][quantity]": "1",
    }
    assert "credit_amount" not in params  # open: the credit lowers what is due
    assert note.stripe_credit_note_id == "cn_test"
