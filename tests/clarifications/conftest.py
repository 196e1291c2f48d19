"""Fixtures for questions and addenda: open RFPs built straight from the models, vendors, bids, a frozen clock."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from flask import render_template_string, session
from flask_login import login_user

from coop import clock
from coop.bids.models import Bid, BidStatus
from coop.extensions import db
from coop.rfps.models import Rfp, RfpDocument, RfpLine, RfpStatus, VendorInterest

_references = itertools.count(1)
LAPTOP_SPEC = {"screen_in": 11.6, "ram_gb": 8, "storage_gb": 64, "battery_hours": 10, "warranty_years": 3}


@pytest.fixture
def make_rfp(app, make_item, now) -> Callable[..., Rfp]:
    """An RFP with two laptop lines, open (published) until ``deadline_in`` from the frozen now, unless told otherwise."""
    template = app.extensions["coop.rfp_templates"]["student-laptops"]

    def make(*, status: RfpStatus = RfpStatus.OPEN, deadline_in: timedelta = timedelta(days=30),
             template_key: str = "student-laptops", quantities=(120, 40), title: str = "Student laptops 2027") -> Rfp:
        number = next(_references)
        first_item = make_item(f"LAPTOP-{number}-A", category="student-laptops", name="11-inch student laptop")
        rfp = Rfp(
            reference=f"RFP-T-{number:04d}", title=title, category=first_item.category, status=status,
            template_key=template_key,
            terms={"delivery_days": template.delivery_days, "delivery": template.delivery_terms,
                   "warranty": template.warranty_terms, "criteria": [{"key": "price", "weight": 100}]},
            bid_deadline=now() + deadline_in,
            published_at=now() - timedelta(days=10) if status != RfpStatus.DRAFT else None,
        )
        items = [first_item] + [make_item(f"LAPTOP-{number}-{chr(66 + i)}", category="student-laptops",
                                          name="14-inch student laptop") for i in range(len(quantities) - 1)]
        for line_no, (item, quantity) in enumerate(zip(items, quantities), start=1):
            rfp.lines.append(RfpLine(line_no=line_no, item=item, quantity=quantity, spec=dict(LAPTOP_SPEC),
                                     description="Student device for 1:1 programmes."))
        db.session.add(rfp)
        db.session.flush()
        db.session.add(RfpDocument(rfp_id=rfp.id, version=1, html="<p>version 1</p>"))
        db.session.flush()
        return rfp

    return make


@pytest.fixture
def make_bid() -> Callable[..., Bid]:
    def make(rfp: Rfp, vendor, status: BidStatus = BidStatus.SUBMITTED) -> Bid:
        bid = Bid(rfp_id=rfp.id, vendor_id=vendor.id, status=status,
                  submitted_at=clock.utcnow() if status == BidStatus.SUBMITTED else None)
        db.session.add(bid)
        db.session.flush()
        return bid

    return make


@pytest.fixture
def follow() -> Callable:
    def do(rfp: Rfp, vendor) -> VendorInterest:
        interest = VendorInterest(rfp_id=rfp.id, vendor_id=vendor.id)
        db.session.add(interest)
        db.session.flush()
        return interest

    return do


@pytest.fixture
def rfp(make_rfp) -> Rfp:
    return make_rfp()


@pytest.fixture
def admin(make_admin):
    return make_admin()


@pytest.fixture
def acme(make_vendor):
    return make_vendor("Acme Learning Supply")


@pytest.fixture
def acme_rep(make_user, acme):
    from coop.accounts.models import Role

    return make_user(acme, Role.VENDOR_REP, email="quinn@acme-learning.example", name="Quinn Asker")


@pytest.fixture
def globex_rep(make_vendor_rep, make_vendor):
    return make_vendor_rep(make_vendor("Globex Devices"))


@pytest.fixture
def panel_html(app) -> Callable[..., str]:
    """The board's clarifications panel for ``rfp`` as ``user`` (or the public) sees it, rendered as the board includes it."""

    def render(rfp: Rfp, user=None) -> str:
        with app.test_request_context(f"/rfps/{rfp.reference}"):
            if user is not None:
                login_user(user)
            return render_template_string('{% include "clarifications/_rfp_panel.html" ignore missing %}',
                                          rfp=db.session.get(Rfp, rfp.id))

    return render
