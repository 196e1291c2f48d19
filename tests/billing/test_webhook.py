"""The Stripe webhook with events signed in the test: the signature over the raw body, each event applied once
(also when copies arrive at the same moment, on PostgreSQL), order-independent outcomes, unknown types
acknowledged; CSRF and the rate limit exempt on this route alone."""

from __future__ import annotations

import json
import random
import threading
import time

import pytest
import sqlalchemy as sa
from billing.conftest import invoice_event, sign
from concurrency import start_and_join

from coop import config
from coop.audit.models import AuditEvent
from coop.billing.models import Invoice, InvoiceKind, InvoiceStatus, StripeEvent
from coop.extensions import csrf, db, limiter

BAD_SIGNATURE_PAGE = "The request does not carry a valid Stripe signature."


@pytest.fixture
def open_invoice(make_district, webhook_secret):
    """A dues invoice issued through Stripe as ``in_test_open``, waiting for payment."""
    invoice = Invoice(
        organisation=make_district("Webhook District"),
        kind=InvoiceKind.DUES,
        idempotency_key="dues:2026:webhook",
        description="Membership dues 2026\u201327",
        currency="USD",
        payment_terms_days=30,
        total_cents=75000,
        status=InvoiceStatus.OPEN,
        stripe_invoice_id="in_test_open",
    )
    db.session.add(invoice)
    db.session.flush()
    return invoice


def events_stored() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(StripeEvent))


def paid_audit_events(invoice_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "invoice.paid", AuditEvent.entity_id == invoice_id)
    )


def test_a_signed_payment_marks_the_invoice_paid(open_invoice, post_event):
    response = post_event(invoice_event("in_test_open", "paid", amount_paid=75000))

    assert response.status_code == 200 and response.json == {"received": True, "outcome": "processed"}
    db.session.refresh(open_invoice)
    assert (open_invoice.status, open_invoice.amount_paid_cents, open_invoice.amount_due_cents) == (
        InvoiceStatus.PAID,
        75000,
        0,
    )
    assert open_invoice.hosted_invoice_url == "https://invoice.stripe.com/i/in_test_open"
    assert paid_audit_events(open_invoice.id) == 1


@pytest.mark.parametrize("case", ["wrong secret", "stale", "tampered body", "no header", "not json"])
def test_a_bad_or_stale_signature_is_answered_400_and_changes_nothing(open_invoice, post_event, case):
    event = invoice_event("in_test_open", "paid", amount_paid=75000)
    body = json.dumps(event).encode()
    if case == "wrong secret":
        response = post_event(event, signature=sign(body, secret="whsec_someone_else"))
    elif case == "stale":  # Stripe's tolerance is 300 seconds
        response = post_event(event, signature=sign(body, at=int(time.time()) - 301))
    elif case == "tampered body":
        response = post_event(event, body=body.replace(b'"paid"', b'"void"'), signature=sign(body))
    elif case == "no header":
        response = post_event(event, signature="")
    else:
        response = post_event(event, body=b"paid, honestly")

    assert response.status_code == 400
    assert BAD_SIGNATURE_PAGE in response.get_data(as_text=True)
    db.session.refresh(open_invoice)
    assert open_invoice.status == InvoiceStatus.OPEN
    assert events_stored() == 0


def test_without_a_webhook_secret_every_event_is_refused(open_invoice, post_event, app, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", None)
    assert post_event(invoice_event("in_test_open", "paid")).status_code == 400
    assert events_stored() == 0


def test_an_event_delivered_twice_is_applied_once(open_invoice, post_event):
    event = invoice_event("in_test_open", "paid", amount_paid=75000)

    first, second = post_event(event), post_event(event)

    assert (first.json["outcome"], second.json["outcome"]) == ("processed", "duplicate")
    assert second.status_code == 200  # acknowledged, so that Stripe stops retrying
    assert events_stored() == 1
    assert paid_audit_events(open_invoice.id) == 1


def test_paid_stays_paid_whatever_order_events_arrive_in(open_invoice, post_event):
    post_event(invoice_event("in_test_open", "paid", amount_paid=75000))
    post_event(invoice_event("in_test_open", "open", type_="invoice.finalized"))
    post_event(invoice_event("in_test_open", "open", type_="invoice.payment_failed"))
    post_event(invoice_event("in_test_open", "uncollectible", type_="invoice.marked_uncollectible"))

    db.session.refresh(open_invoice)
    assert open_invoice.status == InvoiceStatus.PAID
    assert open_invoice.last_payment_error is None
    assert events_stored() == 4


def test_a_failed_payment_is_shown_and_the_invoice_stays_open(open_invoice, post_event, now):
    post_event(invoice_event("in_test_open", "open", type_="invoice.payment_failed"))
    db.session.refresh(open_invoice)
    assert open_invoice.status == InvoiceStatus.OPEN
    assert open_invoice.last_payment_error == f"A payment attempt failed on {now():%Y-%m-%d %H:%M} UTC."


def test_unknown_event_types_and_unknown_invoices_are_acknowledged_and_ignored(open_invoice, post_event):
    customer = {
        "id": "evt_customer",
        "type": "customer.created",
        "data": {"object": {"id": "cus_1", "object": "customer"}},
    }
    assert post_event(customer).json == {"received": True, "outcome": "ignored"}
    assert post_event(invoice_event("in_someone_else", "paid")).json["outcome"] == "ignored"
    assert events_stored() == 2
    db.session.refresh(open_invoice)
    assert open_invoice.status == InvoiceStatus.OPEN


def test_an_event_ahead_of_the_issuing_answer_finds_the_invoice_by_its_metadata(open_invoice, post_event):
    open_invoice.stripe_invoice_id = None
    db.session.flush()
    post_event(
        invoice_event("in_test_early", "paid", amount_paid=75000, metadata={"coop_invoice_id": str(open_invoice.id)})
    )
    db.session.refresh(open_invoice)
    assert (open_invoice.stripe_invoice_id, open_invoice.status) == ("in_test_early", InvoiceStatus.PAID)


def test_csrf_and_the_rate_limit_are_exempt_on_the_webhook_alone(
    app, client, log_in, make_admin, open_invoice, monkeypatch, post_event
):
    assert csrf._exempt_views == {"coop.billing.views.stripe_webhook"}
    assert set(limiter._route_exemptions) == {"coop.billing.views.stripe_webhook.stripe_webhook"}
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)

    assert post_event(invoice_event("in_test_open", "paid", amount_paid=75000)).status_code == 200

    log_in(make_admin())
    refused = client.post("/admin/billing/dues", data={"year": "2026"})
    assert refused.status_code == 400  # the token is missing


@pytest.mark.skipif(
    not (config.test_database_url() or "").startswith("postgresql"),
    reason="concurrent deliveries need PostgreSQL's concurrent transactions: set COOP_TEST_DATABASE_URL",
)
def test_copies_and_reorderings_delivered_at_the_same_moment_apply_each_event_once(
    app, committed_db, make_district, webhook_secret
):
    invoice = Invoice(
        organisation=make_district("Race District"),
        kind=InvoiceKind.DUES,
        idempotency_key="dues:2026:race",
        description="Membership dues",
        currency="USD",
        payment_terms_days=30,
        total_cents=75000,
        status=InvoiceStatus.OPEN,
        stripe_invoice_id="in_test_race",
    )
    db.session.add(invoice)
    db.session.commit()
    invoice_id = invoice.id
    db.session.remove()
    paid = invoice_event("in_test_race", "paid", amount_paid=75000)
    others = [
        invoice_event("in_test_race", "open", type_="invoice.finalized"),
        invoice_event("in_test_race", "open", type_="invoice.payment_failed"),
        invoice_event("in_test_race", "open", type_="invoice.sent"),
    ]
    deliveries = [paid] * 6 + others * 2  # Stripe retries, and events overtaking each other
    random.Random(20261205).shuffle(deliveries)
    start = threading.Barrier(len(deliveries))
    outcomes: list[tuple[int, str]] = []

    def deliver(event: dict) -> None:
        body = json.dumps(event).encode()
        client = app.test_client()
        start.wait()
        response = client.post(
            "/stripe/webhook", data=body, content_type="application/json", headers={"Stripe-Signature": sign(body)}
        )
        outcomes.append((response.status_code, response.json["outcome"] if response.is_json else ""))

    threads = [threading.Thread(target=deliver, args=(event,)) for event in deliveries]
    start_and_join(threads, timeout_s=60)

    assert sorted(outcomes) == sorted([(200, "processed")] * 4 + [(200, "duplicate")] * 8)
    assert events_stored() == 4
    stored = db.session.get(Invoice, invoice_id)
    assert (stored.status, stored.amount_paid_cents, stored.last_payment_error) == (InvoiceStatus.PAID, 75000, None)
    assert paid_audit_events(invoice_id) == 1
