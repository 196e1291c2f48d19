"""Fixtures for the evaluation: an opened RFP with two non-price criteria, and submitted bids on it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from coop.bids import services as bid_services
from coop.bids.models import Bid, BidLine, BidStatus, PriceTier
from coop.extensions import db
from coop.rfps.models import RfpStatus

# Price 60, the rest 40: Wn / Wp = 2/3. Quality 60 and service 40 points make S = (25×60 + 15×40) / 40 = 52.5.
CRITERIA = [
    {"key": "price", "label": "Total cost of ownership", "weight": 60},
    {"key": "quality", "label": "Quality of the offer", "weight": 25},
    {"key": "service", "label": "Service and support", "weight": 15},
]


@pytest.fixture
def make_bid(make_vendor, now):
    def make(rfp, vendor_name: str, *, status: BidStatus = BidStatus.SUBMITTED) -> Bid:
        line = rfp.lines[0]
        bid = Bid(
            rfp=rfp,
            vendor=make_vendor(vendor_name),
            status=status,
            submitted_at=now() - timedelta(days=2) if status == BidStatus.SUBMITTED else None,
            lines=[
                BidLine(rfp_line=line, product="Model 14", tiers=[PriceTier(min_quantity=1, unit_price_cents=300_00)])
            ],
        )
        db.session.add(bid)
        db.session.flush()
        if status == BidStatus.SUBMITTED:
            bid.submitted_content = bid_services.content(bid)  # what submitting records
            bid.content_sha256 = bid_services.content_sha256(bid)
        db.session.commit()  # to the test's savepoint: a refused use case rolls back only its own work
        return bid

    return make


@pytest.fixture
def closed(make_rfp):
    """An RFP whose deadline passed yesterday, bids not yet opened; minimum score 60."""
    rfp = make_rfp(deadline_in=timedelta(days=-1))
    rfp.terms = {
        **rfp.terms,
        "criteria": [dict(criterion) for criterion in CRITERIA],
        "evaluation": {"minimum_score": 60},
    }
    db.session.commit()
    return rfp


@pytest.fixture
def opened(closed, now):
    closed.status = RfpStatus.OPENED
    closed.opened_at = now()
    db.session.commit()
    return closed


@pytest.fixture
def bids(opened, make_bid):
    """Two submitted bids, a draft set aside at the opening and a withdrawn one."""
    return {
        "acme": make_bid(opened, "Acme Devices"),
        "birch": make_bid(opened, "Birch Computing"),
        "draft": make_bid(opened, "Dogwood Drafts", status=BidStatus.DRAFT),
        "withdrawn": make_bid(opened, "Elm Withdrawn", status=BidStatus.WITHDRAWN),
    }
