"""Fixtures for award rounds: an opened RFP with confirmed commitments and submitted bids, as the opening left it.

The districts and bids (money in cents):

* Alder (north): line 1, 60 laptops from two needs of 40 and 20; line 2, 20 laptops.
* Birch (north): line 1, 50 laptops; a proposed (unconfirmed) 30 on line 2, which does not count.
* Cedar (south): line 1, 30 laptops; line 2, 25 laptops; a withdrawn 15 more on line 1, which does not count.

* Acme Devices serves both regions: line 1 all units $300.00, $280.00 from 100, support $12.00 a year; line 2
  $450.00, $420.00 from 40; 2 % off its whole purchase from $25,000.00.
* Birch Computing serves the north only: line 1 incremental $295.00, $270.00 from 100 (no line 2).
* A draft and a withdrawn bid, far cheaper, are not bids.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from support import offer

from coop.bids.models import Bid, BidStatus, PricingKind
from coop.extensions import db
from coop.needs.models import NeedStatus
from coop.rfps.models import CommitmentStatus, Rfp, RfpLineNeed, RfpStatus


@pytest.fixture
def commit_need(make_need):
    def commit(rfp: Rfp, line_no: int, district, quantity: int, commitment=CommitmentStatus.CONFIRMED) -> RfpLineNeed:
        line = next(line for line in rfp.lines if line.line_no == line_no)
        need = make_need(district, item=line.item, quantity=quantity, status=NeedStatus.POOLED)
        link = RfpLineNeed(line=line, need=need, quantity=quantity, commitment=commitment)
        db.session.add(link)
        db.session.flush()
        return link

    return commit


@pytest.fixture
def districts(make_district, north, south):
    return {
        name: make_district(name, region=region)
        for name, region in (("Alder", north), ("Birch", north), ("Cedar", south))
    }


@pytest.fixture
def opened_rfp(make_rfp, now, districts, commit_need, make_bid, north, south) -> Rfp:
    """The RFP described above, its bids opened now; committed (to the test's savepoint)."""
    rfp = make_rfp(quantities=(140, 45), deadline_in=timedelta(days=-1))
    rfp.status = RfpStatus.OPENED
    rfp.opened_at = now()
    rfp.tco_years = 4
    commit_need(rfp, 1, districts["Alder"], 40)
    commit_need(rfp, 1, districts["Alder"], 20)
    commit_need(rfp, 2, districts["Alder"], 20)
    commit_need(rfp, 1, districts["Birch"], 50)
    commit_need(rfp, 2, districts["Birch"], 30, CommitmentStatus.PROPOSED)
    commit_need(rfp, 1, districts["Cedar"], 30)
    commit_need(rfp, 2, districts["Cedar"], 25)
    commit_need(rfp, 1, districts["Cedar"], 15, CommitmentStatus.WITHDRAWN)
    make_bid(
        rfp,
        "Acme Devices",
        {
            1: offer([(1, 300_00), (100, 280_00)], support_cents=12_00, regions=[north, south]),
            2: offer([(1, 450_00), (40, 420_00)], regions=[north, south]),
        },
        brackets=[(25_000_00, "2")],
    )
    make_bid(
        rfp,
        "Birch Computing",
        {
            1: offer([(1, 295_00), (100, 270_00)], pricing=PricingKind.INCREMENTAL, regions=[north]),
        },
    )
    make_bid(rfp, "Cheap Draft", {1: offer([(1, 1_00)])}, status=BidStatus.DRAFT)
    make_bid(rfp, "Cheap Withdrawn", {1: offer([(1, 1_00)])}, status=BidStatus.WITHDRAWN)
    db.session.commit()
    return rfp


@pytest.fixture
def bid_of():
    def find(rfp: Rfp, vendor_name: str) -> Bid:
        return next(
            bid
            for bid in db.session.scalars(db.select(Bid).where(Bid.rfp_id == rfp.id))
            if bid.vendor.name == vendor_name
        )

    return find
