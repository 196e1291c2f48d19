"""Fixtures for questions and addenda: open RFPs built straight from the models, vendors, bids, a frozen clock."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import render_template_string
from flask_login import login_user

from coop import clock
from coop.bids.models import Bid, BidStatus
from coop.extensions import db
from coop.rfps.models import Rfp, VendorInterest


@pytest.fixture
def make_bid() -> Callable[..., Bid]:
    def make(rfp: Rfp, vendor, status: BidStatus = BidStatus.SUBMITTED) -> Bid:
        bid = Bid(
            rfp_id=rfp.id,
            vendor_id=vendor.id,
            status=status,
            submitted_at=clock.utcnow() if status == BidStatus.SUBMITTED else None,
        )
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
def acme(make_vendor):
    return make_vendor("Acme Learning Supply")


@pytest.fixture
def acme_rep(make_user, acme):
    from coop.roles import Role

    return make_user(acme, Role.VENDOR_REP, email="quinn@acme-learning.example", name="Quinn Asker")


@pytest.fixture
def globex_rep(make_vendor_rep, make_vendor):
    return make_vendor_rep(make_vendor("Globex Devices"))


@pytest.fixture
def panel_html(app) -> Callable[..., str]:
    """The board's clarifications panel for ``rfp`` as ``user`` (or the public) sees it."""

    def render(rfp: Rfp, user=None) -> str:
        with app.test_request_context(f"/rfps/{rfp.reference}"):
            if user is not None:
                login_user(user)
            return render_template_string(
                '{% include "clarifications/_rfp_panel.html" %}', rfp=db.session.get(Rfp, rfp.id)
            )

    return render
