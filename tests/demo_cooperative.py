"""Reading the demo cooperative in the tests of what it holds: its RFPs by plan, their bids, its people."""

from __future__ import annotations

import sqlalchemy as sa

from coop.accounts.models import User
from coop.bids.models import Bid
from coop.demo import rfps as demo_rfps
from coop.extensions import db
from coop.rfps.models import Rfp

EVERGREEN = "Evergreen Learning Technologies"
HIGH_DESERT = "High Desert Digital"
WILLAMETTE = "Willamette Network Systems"
NORTHWEST = "Northwest K-12 Software"


def demo_rfp(plan: demo_rfps.DemoRfp) -> Rfp:
    return db.session.scalars(sa.select(Rfp).where(Rfp.title == plan.title)).one()


def bids_on(rfp: Rfp) -> dict[str, Bid]:
    """The RFP's bids by vendor name."""
    return {bid.vendor.name: bid for bid in db.session.scalars(sa.select(Bid).where(Bid.rfp_id == rfp.id))}


def user(email: str) -> User:
    return db.session.scalars(sa.select(User).where(User.email == email)).one()
