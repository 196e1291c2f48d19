"""Billing against localstripe: the real ``stripe`` SDK, real HTTP, webhooks delivered by localstripe through its
webhook configuration with real signatures, to the app served on 127.0.0.1.

What localstripe (1.15) lacks, and how each part is tested instead:

- one-off invoices: ``POST /v1/invoices`` makes only a subscription's next invoice, and refuses
  ``collection_method``/``days_until_due`` (a 500); ``/finalize`` and ``/send`` do not exist, nor
  ``hosted_invoice_url``. The issuing run is tested here up to that refusal (the customer and the invoice lines are
  made in localstripe by the app; the invoice stays a draft and the run says why). The Stripe invoice the app would
  have made is then made the way localstripe can (a subscription's invoice carrying the app's pending lines) and
  linked as :func:`coop.billing.services.issue` links it.
- credit notes: no ``/v1/credit_notes``; the credit stays in the books and reconciliation names what it could not
  do (tested here); the amounts are tested with Stripe off (tests/billing/test_invoices.py).
- idempotency keys: accepted and ignored; the database's unique keys are tested in test_invoices.py.
- ``invoice.payment_failed``: an invoice paid with a declined card stays open, but localstripe sends no event
  about it; the failed payment's notice is tested with events signed in the test (tests/billing/test_webhook.py).
- duplicate, concurrent and reordered deliveries: localstripe sends each event once, in order; tested with events
  signed in the test (tests/billing/test_webhook.py).
"""

from __future__ import annotations

import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
import stripe
from billing.conftest import WEBHOOK_SECRET
from werkzeug.serving import make_server

from coop.billing import services
from coop.billing.models import BillingCustomer, Invoice, InvoiceStatus, StripeEvent
from coop.extensions import db

GOOD_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000341"  # attaches to the customer, declined when charged


@pytest.fixture
def live_webhook(app, committed_db, localstripe) -> Iterator[threading.Event]:
    """The app served on 127.0.0.1 and localstripe's webhook pointed at it. Deliveries wait for the returned gate:
    a test opens it once it has stored what the app would have stored when issuing the invoice."""
    gate = threading.Event()
    answering = threading.Condition()
    requests_in_app = 0

    def gated(environ, start_response):
        nonlocal requests_in_app
        with answering:
            requests_in_app += 1
        try:
            if environ["PATH_INFO"] == "/stripe/webhook":
                gate.wait(timeout=30)
            return app(environ, start_response)
        finally:
            with answering:
                requests_in_app -= 1
                answering.notify_all()

    server = make_server("127.0.0.1", 0, gated, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="billing-live-server", daemon=True)
    thread.start()
    configure_webhook(localstripe, f"http://127.0.0.1:{server.server_port}/stripe/webhook")
    try:
        yield gate
    finally:
        gate.set()
        # The test's last reads left its transaction open; on SQLite it holds the write lock (BEGIN IMMEDIATE), so a
        # delivery still coming in would wait for it, and the wait below would last its whole timeout.
        db.session.rollback()
        server.shutdown()
        # A delivery the gate let through may still be writing: it must have committed before committed_db cleans
        # up, or its event lands after the cleanup and every later test counts one event too many.
        with answering:
            answering.wait_for(lambda: requests_in_app == 0, timeout=30)
        server.server_close()
        thread.join(timeout=10)


def configure_webhook(localstripe: str, url: str) -> None:
    """localstripe's own endpoint for where, and with which secret, it signs and sends its events."""
    body = urllib.parse.urlencode({"url": url, "secret": WEBHOOK_SECRET}).encode()
    with urllib.request.urlopen(f"{localstripe}/_config/webhooks/coop", data=body, timeout=10) as response:
        assert response.status == 200


def wait_for(condition: Callable[[], bool], *, timeout_s: float = 20) -> None:
    """Poll the database until ``condition()``; each look ends its transaction, so that the server can write."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if condition():
                return
        finally:
            db.session.rollback()
        assert time.monotonic() < deadline, "the webhook did not arrive in time"
        time.sleep(0.2)


@pytest.fixture
def dues_in_localstripe(stripe_on, make_schedule, make_district, make_admin):
    """A member district's dues run through the app with localstripe as Stripe: returns (the run, the invoice's id,
    the district's Stripe customer id)."""
    make_schedule()
    district = make_district("Stripe District", enrollment=900)
    admin = make_admin()
    db.session.commit()
    run = services.run_dues(admin, 2026)
    invoice = db.session.scalars(sa.select(Invoice)).one()
    customer_id = db.session.scalar(
        sa.select(BillingCustomer.stripe_customer_id).where(BillingCustomer.organisation_id == district.id)
    )
    return run, invoice.id, customer_id


def pay_as_the_customer(client: stripe.StripeClient, customer_id: str, card: str) -> None:
    method = client.v1.payment_methods.create(
        params={"type": "card", "card": {"number": card, "exp_month": 12, "exp_year": 2035, "cvc": "123"}}
    )
    client.v1.payment_methods.attach(method["id"], params={"customer": customer_id})
    client.v1.customers.update(customer_id, params={"invoice_settings": {"default_payment_method": method["id"]}})


def localstripe_invoice(client: stripe.StripeClient, customer_id: str) -> str:
    """The Stripe invoice localstripe can make: a subscription's (at $0) with the customer's pending lines, charged
    to the customer's default card at once. A declined card fails the request, but the invoice is made."""
    plan = client.v1.plans.create(
        params={"amount": 0, "currency": "usd", "interval": "year", "product": {"name": "Membership"}}
    )
    try:
        client.v1.subscriptions.create(params={"customer": customer_id, "items": [{"plan": plan["id"]}]})
    except stripe.CardError:
        pass
    return client.v1.invoices.list(params={"customer": customer_id})["data"][0]["id"]


def link(invoice_id: int, stripe_invoice_id: str) -> None:
    """What :func:`coop.billing.services.issue` stores when Stripe has made, finalised and sent the invoice."""
    invoice = db.session.get(Invoice, invoice_id)
    invoice.stripe_invoice_id, invoice.status = stripe_invoice_id, InvoiceStatus.OPEN
    db.session.commit()


def test_the_dues_run_makes_the_customer_and_lines_in_localstripe_and_keeps_a_draft_where_it_stops(
    dues_in_localstripe, stripe_on
):
    run, invoice_id, customer_id = dues_in_localstripe

    customer = stripe_on.v1.customers.retrieve(customer_id)
    assert (customer["name"], customer["email"]) == ("Stripe District", "pat@example.org")
    lines = stripe_on.v1.invoice_items.list(params={"customer": customer_id})["data"]
    assert [(line["amount"], line["description"]) for line in lines] == [
        (75000, "Membership dues 2026\u201327 (900 students)")
    ]
    invoice = db.session.get(Invoice, invoice_id)
    assert run.issued == [] and len(run.failures) == 1
    assert run.failures[0].startswith(f"{invoice.number}: Stripe could not create the invoice: ")
    assert (invoice.status, invoice.stripe_invoice_id) == (InvoiceStatus.DRAFT, None)

    # The second run records nothing new and makes no second customer.
    again = services.run_dues(None, 2026)
    assert again.recorded == [] and again.already_recorded == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BillingCustomer)) == 1


def test_a_card_payment_comes_back_through_localstripes_signed_webhook(dues_in_localstripe, stripe_on, live_webhook):
    _, invoice_id, customer_id = dues_in_localstripe
    pay_as_the_customer(stripe_on, customer_id, GOOD_CARD)
    stripe_invoice_id = localstripe_invoice(stripe_on, customer_id)
    link(invoice_id, stripe_invoice_id)

    live_webhook.set()
    wait_for(lambda: db.session.get(Invoice, invoice_id).status == InvoiceStatus.PAID)

    invoice = db.session.get(Invoice, invoice_id)
    assert (invoice.amount_paid_cents, invoice.amount_due_cents) == (75000, 0)
    types = set(db.session.scalars(sa.select(StripeEvent.type).where(StripeEvent.invoice_id == invoice_id)))
    assert "invoice.payment_succeeded" in types


def test_a_declined_card_leaves_the_invoice_open_until_a_good_one_pays(dues_in_localstripe, stripe_on, live_webhook):
    _, invoice_id, customer_id = dues_in_localstripe
    pay_as_the_customer(stripe_on, customer_id, DECLINED_CARD)
    stripe_invoice_id = localstripe_invoice(stripe_on, customer_id)
    link(invoice_id, stripe_invoice_id)
    assert stripe_on.v1.invoices.retrieve(stripe_invoice_id)["status"] == "open"

    live_webhook.set()
    pay_as_the_customer(stripe_on, customer_id, GOOD_CARD)
    stripe_on.v1.invoices.pay(stripe_invoice_id)
    wait_for(lambda: db.session.get(Invoice, invoice_id).status == InvoiceStatus.PAID)

    assert db.session.get(Invoice, invoice_id).amount_paid_cents == 75000


def test_reconcile_repairs_what_a_dropped_webhook_left_behind_and_then_finds_nothing(
    app, dues_in_localstripe, stripe_on, localstripe
):
    _, invoice_id, customer_id = dues_in_localstripe
    configure_webhook(localstripe, "http://127.0.0.1:9/stripe/webhook")  # nobody listens: every event is lost
    pay_as_the_customer(stripe_on, customer_id, GOOD_CARD)
    link(invoice_id, localstripe_invoice(stripe_on, customer_id))
    number = db.session.get(Invoice, invoice_id).number
    db.session.rollback()

    first = app.test_cli_runner().invoke(args=["billing", "reconcile"])
    second = app.test_cli_runner().invoke(args=["billing", "reconcile"])

    assert first.exit_code == 0, first.output
    assert first.output == f"{number} (Stripe District): open -> paid\n1 change(s).\n"
    assert second.output == "Nothing to change: every invoice agrees with Stripe.\n"
    assert db.session.get(Invoice, invoice_id).status == InvoiceStatus.PAID


def test_a_fee_invoices_credit_note_is_kept_and_reconciliation_says_localstripe_has_no_credit_notes(
    app, stripe_on, localstripe, make_schedule, make_published_round, make_district, make_vendor
):
    configure_webhook(localstripe, "http://127.0.0.1:9/stripe/webhook")
    make_schedule(percent="2.00", min_cents=2500)
    vendor = make_vendor("Stripe Vendor")
    award_round = make_published_round({(make_district(), vendor): 500_000, (make_district(), vendor): 300_000})
    db.session.commit()
    run = services.invoice_award_fees(award_round.id)
    invoice_id = run.recorded[0]
    customer_id = db.session.scalar(
        sa.select(BillingCustomer.stripe_customer_id).where(BillingCustomer.organisation_id == vendor.id)
    )
    lines = stripe_on.v1.invoice_items.list(params={"customer": customer_id})["data"]
    assert sorted(line["amount"] for line in lines) == [6000, 10000]
    pay_as_the_customer(stripe_on, customer_id, GOOD_CARD)
    link(invoice_id, localstripe_invoice(stripe_on, customer_id))

    note = services.credit_cancelled_award(award_round.awards[1].id, reason="Award cancelled")

    assert (note.amount_cents, note.stripe_credit_note_id) == (6000, None)
    number = db.session.get(Invoice, invoice_id).number
    db.session.rollback()
    output = app.test_cli_runner().invoke(args=["billing", "reconcile"]).output
    assert f"{number} (Stripe Vendor): open -> paid\n" in output
    assert f"{number} (Stripe Vendor): credit note not made in Stripe, Stripe could not credit the invoice: " in output
