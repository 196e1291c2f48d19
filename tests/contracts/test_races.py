"""Requests at the same moment: two administrators publishing two rounds of one RFP leave one notice of intent,
never two; a vendor's protest sent twice at once is filed once."""

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


def test_a_protest_sent_twice_at_the_same_moment_is_filed_once(
    app, committed_db, opened_rfp, make_round, make_admin, vendors, log_in
):
    from coop.contracts import services
    from coop.contracts.models import Protest

    notice = services.publish_round(
        make_admin(), make_round(opened_rfp).id, services.PublishInput(protest_days=None, confirm=False, reason="")
    )
    db.session.commit()
    cookie = log_in(vendors["Cedar"]).get_cookie("session").value
    clients = [app.test_client() for _ in range(2)]
    for client in clients:
        client.set_cookie("session", cookie)
    path, notice_id = f"/rfps/{opened_rfp.reference}/protest", notice.id
    db.session.remove()  # on SQLite an open transaction would hold the write lock
    start = threading.Barrier(len(clients))
    responses = [None] * len(clients)

    def protest(index):
        start.wait()
        responses[index] = clients[index].post(path, data={"grounds": "Birch was priced on a tier it never reached."})

    threads = [threading.Thread(target=protest, args=(index,)) for index in range(len(clients))]
    assert not start_and_join(threads, timeout_s=120)
    assert all(response.status_code in (302, 409) for response in responses), [r.status_code for r in responses]
    assert len(db.session.scalars(sa.select(Protest).where(Protest.notice_id == notice_id)).all()) == 1
