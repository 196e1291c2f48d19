"""Billing fixtures: a fee schedule, published award rounds inserted as rows, signed Stripe events, and a real
localstripe server for the real ``stripe`` SDK."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import stripe
from flask import Flask
from support import free_port

from coop import clock
from coop.awards.models import Award, AwardRound, AwardRoundStatus
from coop.bids.models import Bid, BidLine, BidStatus
from coop.billing.models import FeeSchedule
from coop.extensions import db
from coop.orgs.models import District, Vendor
from coop.rfps.models import Rfp, RfpStatus

WEBHOOK_SECRET = "whsec_test_coop_billing"
API_KEY = "sk_test_coop_billing"
DUES_BANDS = [
    {"max_enrollment": 2500, "dues_cents": 75000},
    {"max_enrollment": 10000, "dues_cents": 150000},
    {"max_enrollment": None, "dues_cents": 300000},
]

_events = itertools.count(1)


@pytest.fixture
def make_schedule(make_admin) -> Callable[..., FeeSchedule]:
    def make(*, percent: str = "2.00", min_cents: int = 2500, terms_days: int = 30) -> FeeSchedule:
        schedule = FeeSchedule(
            dues_bands=DUES_BANDS,
            admin_fee_percent=Decimal(percent),
            admin_fee_min_cents=min_cents,
            currency="USD",
            payment_terms_days=terms_days,
            created_by_id=make_admin().id,
        )
        db.session.add(schedule)
        db.session.flush()
        return schedule

    return make


@pytest.fixture
def make_published_round(make_rfp) -> Callable[..., AwardRound]:
    """``make_published_round({(district, vendor): cost_cents, ...})``: a published round of an awarded RFP, one award
    per pair on the RFP's first line, inserted as rows (as the award-round use case leaves them)."""

    def make(costs: dict[tuple[District, Vendor], int], *, status=AwardRoundStatus.PUBLISHED) -> AwardRound:
        rfp: Rfp = make_rfp(status=RfpStatus.AWARDED)
        line = rfp.lines[0]
        award_round = AwardRound(
            rfp=rfp,
            status=status,
            options={},
            total_cost_cents=sum(costs.values()),
            published_at=clock.utcnow() if status == AwardRoundStatus.PUBLISHED else None,
        )
        bid_lines: dict[int, BidLine] = {}
        for (district, vendor), cost_cents in costs.items():
            if vendor.id not in bid_lines:
                bid = Bid(rfp=rfp, vendor=vendor, status=BidStatus.SUBMITTED, submitted_at=clock.utcnow())
                bid_lines[vendor.id] = BidLine(bid=bid, rfp_line=line, product=f"{vendor.name} laptop")
            award_round.awards.append(
                Award(
                    rfp_line=line,
                    district=district,
                    vendor=vendor,
                    bid_line=bid_lines[vendor.id],
                    quantity=40,
                    unit_price=Decimal(cost_cents) / 4000,
                    cost_cents=cost_cents,
                )
            )
        db.session.add(award_round)
        db.session.flush()
        return award_round

    return make


def sign(payload: bytes, *, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    """A ``Stripe-Signature`` header as Stripe writes it: ``t=<unix time>,v1=<HMAC-SHA256 of "t.body">``."""
    at = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{at}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def invoice_event(
    stripe_invoice_id: str,
    status: str,
    *,
    type_: str | None = None,
    event_id: str | None = None,
    amount_paid: int = 0,
    metadata: dict | None = None,
) -> dict:
    """A Stripe event about an invoice, as Stripe sends it (the fields billing reads, and a few it does not)."""
    return {
        "id": event_id or f"evt_test_{next(_events):06d}",
        "object": "event",
        "api_version": "2025-01-27",
        "created": int(time.time()),
        "livemode": False,
        "type": type_ or {"paid": "invoice.paid", "open": "invoice.finalized", "void": "invoice.voided"}[status],
        "data": {
            "object": {
                "id": stripe_invoice_id,
                "object": "invoice",
                "status": status,
                "amount_paid": amount_paid,
                "metadata": metadata or {},
                "hosted_invoice_url": f"https://invoice.stripe.com/i/{stripe_invoice_id}",
                "due_date": None,
            }
        },
    }


@pytest.fixture
def post_event(client) -> Callable[..., object]:
    """``post_event(event)``: deliver it to the webhook, signed with the configured secret, as Stripe does."""

    def post(event: dict, *, signature: str | None = None, body: bytes | None = None):
        body = body if body is not None else json.dumps(event).encode()
        return client.post(
            "/stripe/webhook",
            data=body,
            content_type="application/json",
            headers={"Stripe-Signature": signature if signature is not None else sign(body)},
        )

    return post


@pytest.fixture
def webhook_secret(app: Flask, monkeypatch) -> str:
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    return WEBHOOK_SECRET


@pytest.fixture(scope="session")
def localstripe(tmp_path_factory) -> Iterator[str]:
    """The base URL of a localstripe server on 127.0.0.1, for the whole session; it needs no network."""
    port = free_port()
    # Its tracebacks go to a file: a pipe nobody reads would fill up and stop the server.
    log_path = tmp_path_factory.mktemp("localstripe") / "localstripe.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("localstripe_server.py")), str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                server.wait()
                raise RuntimeError(f"localstripe did not start: {log_path.read_text()[-2000:]}") from None
            time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def stripe_on(app: Flask, localstripe: str, monkeypatch) -> stripe.StripeClient:
    """Billing through Stripe, that is localstripe; returns a client for what a test does as Stripe's customer."""
    monkeypatch.setitem(app.config, "STRIPE_API_KEY", API_KEY)
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", localstripe)
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    return stripe.StripeClient(API_KEY, base_addresses={"api": localstripe})
