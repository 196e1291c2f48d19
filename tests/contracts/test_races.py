"""Two administrators publishing two rounds of one RFP at the same moment: one notice of intent, never two."""

from __future__ import annotations

import threading

import sqlalchemy as sa
from concurrency import start_and_join
from support import text_of

from coop.audit.services import verify_chain
from coop.contracts.models import AwardNotice
from coop.extensions import db
from coop.transactions import LOST_RACE


def test_simultaneous_publications_leave_one_live_notice(app, committed_db, opened_rfp, make_round, make_admin, log_in):
    rounds = [make_round(opened_rfp), make_round(opened_rfp)]
    admins = [make_admin(), make_admin()]
    db.session.commit()
    cookies = [log_in(admin).get_cookie("session").value for admin in admins]
    clients = [app.test_client() for _ in admins]
    for client, cookie in zip(clients, cookies):
        client.set_cookie("session", cookie)
    paths = [f"/admin/rounds/{award_round.id}/publish" for award_round in rounds]
    rfp_id = opened_rfp.id
    db.session.remove()  # on SQLite an open transaction would hold the write lock
    start = threading.Barrier(len(clients))
    responses = [None] * len(clients)

    def publish(index):
        start.wait()
        responses[index] = clients[index].post(paths[index], data={"protest_days": "7"})

    threads = [threading.Thread(target=publish, args=(index,)) for index in range(len(clients))]
    assert not start_and_join(threads, timeout_s=120)

    notices = db.session.scalars(sa.select(AwardNotice).where(AwardNotice.rfp_id == rfp_id)).all()
    assert len(notices) == 1
    won = [response for response in responses if response.headers.get("Location") == f"/admin/notices/{notices[0].id}"]
    assert len(won) == 1
    [lost] = [response for response in responses if response is not won[0]]
    assert lost.status_code in (302, 409), text_of(lost)[:2000]
    if lost.status_code == 409:
        assert LOST_RACE in text_of(lost)
    else:
        assert lost.headers["Location"].endswith("/gate")
    assert verify_chain(rfp_id).intact
