"""Stripe, behind the few calls billing makes: the only module of ``coop`` that imports ``stripe``.

Every call that creates something carries an idempotency key derived from the invoice's own key, which is kept
in the database: a request repeated after a crash or a timeout returns the object the first one created.
Errors of Stripe come out as :class:`StripeUnavailable`, whose message a person can read.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

import stripe
from flask import current_app

# A signature older than this is refused (Stripe's own default): a captured request cannot be replayed later.
SIGNATURE_TOLERANCE_S = 300
NETWORK_RETRIES = 2


class StripeUnavailable(RuntimeError):
    """Stripe refused a request or could not be reached."""


class BadSignature(ValueError):
    """A webhook's body does not carry a valid, recent signature by the configured secret."""


@dataclass(frozen=True)
class RemoteInvoice:
    """What billing keeps of a Stripe invoice."""

    id: str
    status: str
    amount_paid_cents: int
    hosted_invoice_url: str | None
    due_date: int | None  # Unix time, as Stripe gives it


@dataclass(frozen=True)
class Line:
    description: str
    amount_cents: int
    metadata: dict


def enabled() -> bool:
    """Whether billing goes through Stripe: a key is configured."""
    return bool(current_app.config.get("STRIPE_API_KEY"))


def _client() -> stripe.StripeClient:
    base = current_app.config.get("STRIPE_API_BASE")
    return stripe.StripeClient(
        current_app.config["STRIPE_API_KEY"],
        max_network_retries=NETWORK_RETRIES,
        base_addresses={"api": base} if base else None,
    )


def _remote(invoice: stripe.Invoice) -> RemoteInvoice:
    data = invoice.to_dict()
    return RemoteInvoice(
        id=data["id"],
        status=data["status"],
        amount_paid_cents=data.get("amount_paid") or 0,
        hosted_invoice_url=data.get("hosted_invoice_url"),
        due_date=data.get("due_date"),
    )


def _stripe_call(what: str, call, *args, **kwargs):
    try:
        return call(*args, **kwargs)
    except stripe.StripeError as error:
        message = error.user_message or str(error) or type(error).__name__
        raise StripeUnavailable(f"Stripe could not {what}: {message}") from error


def create_customer(*, name: str, email: str, organisation_id: int) -> str:
    """A Stripe customer for an organisation; returns its id."""
    params = {"name": name, "metadata": {"coop_organisation_id": str(organisation_id)}}
    if email:
        params["email"] = email
    customer = _stripe_call(
        "create the customer",
        _client().v1.customers.create,
        params=params,
        options={"idempotency_key": f"customer:org:{organisation_id}"},
    )
    return customer["id"]


def issue_invoice(
    *,
    customer_id: str,
    key: str,
    lines: Iterable[Line],
    currency: str,
    days_until_due: int,
    description: str,
    metadata: dict,
) -> RemoteInvoice:
    """Create, finalise and send an invoice payable on Stripe's hosted invoice page.

    The lines are the customer's pending invoice items when the invoice is created; a repeat of the whole call
    (same ``key``) finds every object the first one made, within Stripe's idempotency window.
    """
    client = _client()
    for number, line in enumerate(lines, start=1):
        _stripe_call(
            "add an invoice line",
            client.v1.invoice_items.create,
            params={
                "customer": customer_id,
                "amount": line.amount_cents,
                "currency": currency.lower(),
                "description": line.description,
                "metadata": line.metadata,
            },
            options={"idempotency_key": f"{key}:line:{number}"},
        )
    invoice = _stripe_call(
        "create the invoice",
        client.v1.invoices.create,
        params={
            "customer": customer_id,
            "collection_method": "send_invoice",
            "days_until_due": days_until_due,
            "pending_invoice_items_behavior": "include",
            "auto_advance": False,
            "description": description,
            "metadata": metadata,
        },
        options={"idempotency_key": f"{key}:invoice"},
    )
    invoice = _stripe_call(
        "finalise the invoice",
        client.v1.invoices.finalize_invoice,
        invoice["id"],
        options={"idempotency_key": f"{key}:finalize"},
    )
    invoice = _stripe_call(
        "send the invoice", client.v1.invoices.send_invoice, invoice["id"], options={"idempotency_key": f"{key}:send"}
    )
    return _remote(invoice)


def retrieve_invoice(stripe_invoice_id: str) -> RemoteInvoice:
    return _remote(_stripe_call("read the invoice", _client().v1.invoices.retrieve, stripe_invoice_id))


def credit_invoice(*, stripe_invoice_id: str, key: str, amount_cents: int, description: str, paid: bool) -> str:
    """A credit note of ``amount_cents`` on an issued invoice; returns its id. On a ``paid`` invoice the credit goes
    to the customer's balance, which Stripe takes off its next invoice."""
    params = {
        "invoice": stripe_invoice_id,
        "lines": [{"type": "custom_line_item", "description": description, "quantity": 1, "unit_amount": amount_cents}],
    }
    if paid:
        params["credit_amount"] = amount_cents
    note = _stripe_call(
        "credit the invoice", _client().v1.credit_notes.create, params=params, options={"idempotency_key": key}
    )
    return note["id"]


def verified_event(payload: bytes, signature_header: str | None) -> dict:
    """The event a webhook delivered, once its signature (over the raw body) is checked against
    ``STRIPE_WEBHOOK_SECRET``.

    Raises
    ------
    BadSignature
        No secret is configured, or the signature is missing, wrong or older than :data:`SIGNATURE_TOLERANCE_S`.
    """
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        raise BadSignature("No STRIPE_WEBHOOK_SECRET is configured: no event can be verified.")
    try:
        stripe.WebhookSignature.verify_header(payload, signature_header, secret, tolerance=SIGNATURE_TOLERANCE_S)
    except stripe.SignatureVerificationError as error:
        raise BadSignature(str(error)) from error
    try:
        event = json.loads(payload)
    except ValueError as error:
        raise BadSignature("The signed body is not JSON.") from error
    if (
        not isinstance(event, dict)
        or not isinstance(event.get("id"), str)
        or not isinstance(event.get("type"), str)
        or not 0 < len(event["id"]) <= 255
    ):
        raise BadSignature("The signed body is not a Stripe event.")
    return event
