"""Bids racing the deadline on PostgreSQL: many vendors submitting from many threads as the deadline passes.

Real commits, the real clock, one connection per thread. Every bid is either accepted
before the deadline (its receipt time is earlier) or refused with the deadline message;
none is lost and none is late, and the RFP's audit chain stays one unbroken line. The opening, tried as soon as the deadline passes, waits
for the submissions in flight and counts exactly the accepted ones. A double click —
the same vendor submitting the same bid twice at once — creates one bid.
"""

from __future__ import annotations

import random
import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from concurrency import start_and_join

from coop import clock, config
from coop.accounts.models import User
from coop.audit.services import verify_chain
from coop.bids import services
from coop.bids.models import Bid, BidStatus
from coop.errors import Refusal
from coop.extensions import db
from coop.rfps.models import Rfp, RfpStatus

pytestmark = pytest.mark.skipif(
    not (config.test_database_url() or "").startswith("postgresql"),
    reason="races need PostgreSQL's row locks and concurrent transactions: set COOP_TEST_DATABASE_URL",
)

VENDORS = 24
REAL_CLOCK = clock.utcnow  # make_rfp freezes the clock; a race needs it running


@pytest.fixture
def running_clock(monkeypatch, make_rfp):
    monkeypatch.setattr(clock, "utcnow", REAL_CLOCK)


def sleep_until(moment) -> None:
    time.sleep(max(0.0, (moment - clock.utcnow()).total_seconds()))


def test_bids_at_the_deadline_are_accepted_before_it_or_refused_none_lost_none_late(
    app, committed_db, make_rfp, running_clock, make_region, make_vendor, make_vendor_rep, make_admin, bid_input
):
    north = make_region("north")
    make_region("south")
    rfp = make_rfp(deadline_in=timedelta(seconds=3))
    users = [make_vendor_rep(make_vendor(f"Racer {number:02d}", regions=[north])) for number in range(VENDORS)]
    admin = make_admin()
    # Prepared before the race, so that each thread spends its time on the write itself.
    data = bid_input(rfp, region_codes=("north",))
    rfp.bid_deadline = clock.utcnow() + timedelta(seconds=3)
    db.session.commit()
    reference, rfp_id, deadline = rfp.reference, rfp.id, rfp.bid_deadline
    user_ids, admin_id = [user.id for user in users], admin.id
    db.session.remove()

    outcomes: dict[int, object] = {}
    opening: dict[str, object] = {}
    randomness = random.Random(20261123)
    # Some start well before (a write takes a while with two dozen threads on two cores), some around, some after.
    offsets = [timedelta(milliseconds=randomness.uniform(-1500, 300)) for _ in user_ids]

    def submit(index: int, user_id: int) -> None:
        with app.app_context():
            user = db.session.get(User, user_id)
            sleep_until(deadline + offsets[index])
            try:
                bid = services.save_bid(user, reference, data, revision=None, submit=True)
                outcomes[user_id] = ("accepted", bid.submitted_at)
            except Refusal as error:
                outcomes[user_id] = ("refused", str(error))
            finally:
                db.session.remove()

    def open_as_soon_as_possible() -> None:
        with app.app_context():
            admin_user = db.session.get(User, admin_id)
            sleep_until(deadline)
            give_up = time.monotonic() + 30
            while "result" not in opening and time.monotonic() < give_up:
                try:
                    opening["result"] = services.open_bids(admin_user, rfp_id)
                except Refusal:
                    db.session.remove()
                    admin_user = db.session.get(User, admin_id)
            db.session.remove()

    threads = [threading.Thread(target=submit, args=(index, user_id)) for index, user_id in enumerate(user_ids)]
    threads.append(threading.Thread(target=open_as_soon_as_possible))
    assert not start_and_join(threads, timeout_s=60)

    assert sorted(outcomes) == sorted(user_ids)  # every request got an answer
    accepted = {user_id for user_id, (kind, _detail) in outcomes.items() if kind == "accepted"}
    refused = {user_id for user_id, (kind, _detail) in outcomes.items() if kind == "refused"}
    assert accepted and refused, f"the race should straddle the deadline: {outcomes}"
    for kind, detail in outcomes.values():
        if kind == "accepted":
            assert detail < deadline
        else:
            assert detail in (services.deadline_passed(deadline), services.NOT_OPEN)

    with app.app_context():
        bids = db.session.scalars(sa.select(Bid).where(Bid.rfp_id == rfp_id)).all()
        rep_of = {user_id: db.session.get(User, user_id).organisation.id for user_id in user_ids}
        submitted_vendors = {bid.vendor_id for bid in bids if bid.status == BidStatus.SUBMITTED}
        assert submitted_vendors == {rep_of[user_id] for user_id in accepted}  # none lost
        assert all(bid.submitted_at < deadline for bid in bids if bid.status == BidStatus.SUBMITTED)  # none late
        assert not {bid.vendor_id for bid in bids} & {rep_of[user_id] for user_id in refused}
        assert opening["result"].submitted == len(accepted)
        assert db.session.get(Rfp, rfp_id).status == RfpStatus.OPENED
        report = verify_chain(rfp_id)
        assert report.intact, report
        assert report.events_checked > 2 * len(accepted)  # bid.created and bid.submitted per accepted bid, the opening


def test_a_double_submission_at_the_same_moment_creates_one_bid(
    app, committed_db, make_rfp, running_clock, make_region, make_vendor, make_vendor_rep, bid_input
):
    north = make_region("north")
    make_region("south")
    rfp = make_rfp(deadline_in=timedelta(days=1))
    user = make_vendor_rep(make_vendor("Double Clicker", regions=[north]))
    data = bid_input(rfp, region_codes=("north",))
    db.session.commit()
    reference, user_id, rfp_id = rfp.reference, user.id, rfp.id
    db.session.remove()
    start = threading.Barrier(4)
    receipts = []

    def click() -> None:
        with app.app_context():
            clicker = db.session.get(User, user_id)
            start.wait()
            bid = services.save_bid(clicker, reference, data, revision=None, submit=True)
            receipts.append((bid.id, bid.content_sha256))
            db.session.remove()

    threads = [threading.Thread(target=click) for _ in range(4)]
    start_and_join(threads, timeout_s=30)
    assert len(receipts) == 4 and len(set(receipts)) == 1
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Bid).where(Bid.rfp_id == rfp_id)) == 1
        assert verify_chain(rfp_id).intact
