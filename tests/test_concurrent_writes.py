"""Simultaneous writes: every request is answered, a lost race with a 409 and a message, never a 500.

Real commits from real threads, one connection each, on SQLite (a file database,
so connections contend for its one write lock) and on PostgreSQL. One vendor's
eight browser tabs sending its first bid at the same moment end with one bid,
the audit chain of the RFP unbroken.
"""

from __future__ import annotations

import io
import threading

import pytest
import sqlalchemy as sa
from bids.conftest import bid_input  # noqa: F401  (a fixture)
from bids.test_bid_pages import form_fields
from concurrency import start_and_join
from support import text_of

from coop import clock, create_app
from coop.audit.models import AuditEvent
from coop.audit.services import verify_chain
from coop.bids import queries, sheets
from coop.bids.models import Bid
from coop.extensions import db
from coop.rfps.models import Rfp
from coop.transactions import LOST_RACE

TABS = 8


@pytest.fixture
def vendor_and_rfp(app, committed_db, make_rfp, make_region, make_vendor, make_vendor_rep):
    north = make_region("north")
    make_region("south")
    rfp = make_rfp()
    user = make_vendor_rep(make_vendor("Eight Tabs Ltd", regions=[north]))
    db.session.commit()
    return user, rfp


def tabs(app, log_in, user, count=TABS) -> list:
    """``count`` browsers signed in as ``user``, as many tabs sharing one session cookie."""
    cookie = log_in(user).get_cookie("session").value
    clients = [app.test_client() for _ in range(count)]
    for client in clients:
        client.set_cookie("session", cookie)
    return clients


def all_at_once(clients, send) -> list:
    """Send one request from every client at the same moment; their responses, in order.

    The test's own session ends first: on SQLite an open transaction holds the write lock.
    """
    db.session.remove()
    start = threading.Barrier(len(clients))
    responses = [None] * len(clients)

    def run(index, client):
        start.wait()
        responses[index] = send(client)

    threads = [threading.Thread(target=run, args=(index, client)) for index, client in enumerate(clients)]
    assert not start_and_join(threads, timeout_s=120)
    return responses


def assert_one_bid_and_clear_answers(rfp_id, vendor_id, responses, expected) -> None:
    for response in responses:
        assert response.status_code in (302, 409), (response.status_code, text_of(response)[:2000])
        if response.status_code == 409:
            assert LOST_RACE in text_of(response)
    bids = db.session.scalars(sa.select(Bid).where(Bid.rfp_id == rfp_id)).all()
    assert len(bids) == 1
    assert queries.as_input(bids[0]) == expected
    assert bids[0].vendor_id == vendor_id
    report = verify_chain(rfp_id)
    assert report.intact, report
    assert report.events_checked == 2  # bid.created and bid.saved: the other tabs saved what was already there


def test_eight_simultaneous_first_bid_sheet_uploads_make_one_bid(app, vendor_and_rfp, log_in, bid_input):
    user, rfp = vendor_and_rfp
    rfp_id, vendor_id = rfp.id, user.organisation.id
    data = bid_input(rfp, region_codes=("north",), min_award_quantity="0")  # as stored
    sheet = sheets.write_sheet(
        rfp,
        data,
        "csv",
        requirements=queries.requirements_by_line(rfp),
        deadline_text=clock.format_utc(rfp.bid_deadline),
    )
    url = f"/rfps/{rfp.reference}/bid/sheet"
    responses = all_at_once(
        tabs(app, log_in, user),
        lambda client: client.post(
            url, data={"revision": "", "file": (io.BytesIO(sheet), "bid.csv")}, content_type="multipart/form-data"
        ),
    )
    assert_one_bid_and_clear_answers(rfp_id, vendor_id, responses, data)


def test_eight_simultaneous_first_bids_from_the_form_make_one_bid(app, vendor_and_rfp, log_in, bid_input):
    user, rfp = vendor_and_rfp
    rfp_id, vendor_id = rfp.id, user.organisation.id
    data = bid_input(rfp, region_codes=("north",), min_award_quantity="0")  # as stored
    fields, url = form_fields(rfp, data), f"/rfps/{rfp.reference}/bid"
    responses = all_at_once(tabs(app, log_in, user), lambda client: client.post(url, data=fields))
    assert_one_bid_and_clear_answers(rfp_id, vendor_id, responses, data)


@pytest.fixture
def impatient_app(app, database):
    """The same database served by a second app whose requests give up on a lock at once (SQLite's busy
    timeout 0, PostgreSQL's lock_timeout 100 ms): what a request sees when another writer holds on too long."""
    url, options = database
    if url.startswith("sqlite"):
        options = {**options, "connect_args": {"timeout": 0}}
    else:
        options = {**options, "connect_args": {"options": options["connect_args"]["options"] + " -c lock_timeout=100"}}
    impatient = create_app(
        {
            key: app.config[key]
            for key in ("COOP_UPLOAD_DIR", "TESTING", "SQLALCHEMY_DATABASE_URI", "WTF_CSRF_ENABLED", "SECRET_KEY")
        }
        | {"SQLALCHEMY_ENGINE_OPTIONS": options}
    )
    impatient.test_client_class = app.test_client_class
    yield impatient
    with impatient.app_context():
        db.engine.dispose()


def test_a_request_that_cannot_get_a_lock_is_answered_409_and_writes_nothing(
    app, impatient_app, vendor_and_rfp, log_in, bid_input
):
    user, rfp = vendor_and_rfp
    rfp_id = rfp.id
    fields, url = form_fields(rfp, bid_input(rfp)), f"/rfps/{rfp.reference}/bid"
    cookie = log_in(user).get_cookie("session").value
    db.session.remove()
    client = impatient_app.test_client()
    client.set_cookie("session", cookie)
    with db.engine.connect() as holder:  # an administrator's addendum, say, holding the RFP
        holder.execute(sa.select(Rfp.id).where(Rfp.id == rfp_id).with_for_update())
        response = client.post(url, data=fields)
        holder.rollback()
    assert response.status_code == 409
    assert LOST_RACE in text_of(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Bid)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0
