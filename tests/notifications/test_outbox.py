"""The e-mail outbox: what the app queued, what was sent by SMTP, inline or by an RQ worker, and who may read it."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from support import text_of

from coop import jobs
from coop.extensions import db
from coop.notifications import services
from coop.notifications.models import OutboundEmail
from coop.orgs.models import OrganisationStatus


def queue(*messages: tuple[str, str, str]) -> list[OutboundEmail]:
    queued = [services.queue_email(*message) for message in messages]
    db.session.commit()
    return queued


def rows() -> list[OutboundEmail]:
    db.session.expire_all()
    return db.session.scalars(sa.select(OutboundEmail).order_by(OutboundEmail.id)).all()


def test_the_outbox_lists_queued_mail_when_no_smtp_is_configured(log_in, admin, app, monkeypatch):
    monkeypatch.setitem(app.config, "COOP_SMTP_URL", None)
    queue(("pat@lakeview.example", "Your need is pooled", "Body one"), ("sam@acme.example", "Addendum 1", "Body two"))
    services.send_queued()
    assert [message.sent_at for message in rows()] == [None, None]
    client = log_in(admin)
    response = client.get("/admin/outbox")
    assert response.status_code == 200
    page = text_of(response)
    assert "E-mail delivery is not configured (COOP_SMTP_URL is not set)" in page
    assert "sam@acme.example Addendum 1" in page and "pat@lakeview.example Your need is pooled" in page
    assert page.count("Queued") == 3  # the filter and both messages
    assert "Body one" in page  # readable: mail about an RFP's vendors is sealed, body and all, until the opening
    client.post("/admin/outbox/deliver")
    with client.session_transaction() as flashed:
        assert flashed["_flashes"] == [
            ("warning", "E-mail delivery is not configured (COOP_SMTP_URL is not set): messages stay queued here.")
        ]
    assert "sam@acme.example" not in text_of(client.get("/admin/outbox?state=sent"))


def test_delivery_through_a_real_smtp_server(log_in, admin, app, monkeypatch, smtp_server):
    monkeypatch.setitem(app.config, "COOP_SMTP_URL", smtp_server.url)
    queue(
        ("sam@acme.example", "RFP-1: addendum 1 issued", "Line 1 quantity 120 → 150."),
        ("lee@globex.example", "RFP-1: a question has been answered", "Question:\nWhich warranty?"),
    )
    assert services.deliver_outbox() == 2
    received = {message["To"]: message for message in smtp_server.messages}
    assert set(received) == {"sam@acme.example", "lee@globex.example"}
    assert received["sam@acme.example"]["Subject"] == "RFP-1: addendum 1 issued"
    assert received["sam@acme.example"]["From"] == app.config["COOP_MAIL_FROM"]
    assert received["sam@acme.example"].get_payload(decode=True).decode().strip() == "Line 1 quantity 120 → 150."
    assert "Which warranty?" in received["lee@globex.example"].get_payload(decode=True).decode()
    assert all(message.sent_at is not None and message.last_error is None for message in rows())
    page = text_of(log_in(admin).get("/admin/outbox?state=sent"))
    assert "sam@acme.example RFP-1: addendum 1 issued" in page and "Sent" in page
    assert services.deliver_outbox() == 0  # nothing is sent twice
    assert len(smtp_server.messages) == 2


def test_a_refused_recipient_stays_queued_with_the_servers_answer(log_in, admin, app, monkeypatch, smtp_server):
    monkeypatch.setitem(app.config, "COOP_SMTP_URL", smtp_server.url)
    smtp_server.refuse.add("nobody@acme.example")
    queue(("nobody@acme.example", "Bounce", "x"), ("sam@acme.example", "Fine", "y"))
    assert services.deliver_outbox() == 1
    refused, sent = rows()
    assert refused.sent_at is None and refused.last_error == "550 5.1.1 No such mailbox here"
    assert sent.sent_at is not None
    # Queued for another attempt (tests/notifications/test_delivery.py follows it to the last one).
    page = text_of(log_in(admin).get("/admin/outbox?state=queued"))
    assert "nobody@acme.example Bounce" in page and "attempt 1 of 5 failed" in page
    assert "550 5.1.1 No such mailbox here" in page
    assert "sam@acme.example" not in page


def test_the_deliver_button_sends_queued_mail(log_in, admin, app, monkeypatch, smtp_server):
    monkeypatch.setitem(app.config, "COOP_SMTP_URL", smtp_server.url)
    queue(("sam@acme.example", "Hello", "Body"))
    client = log_in(admin)
    assert client.post("/admin/outbox/deliver").status_code == 302
    assert [message["To"] for message in smtp_server.messages] == ["sam@acme.example"]
    assert rows()[0].sent_at is not None


def test_an_unreachable_mail_server_leaves_mail_queued(app, monkeypatch, caplog, dead_smtp_url):
    monkeypatch.setitem(app.config, "COOP_SMTP_URL", dead_smtp_url)
    queue(("sam@acme.example", "Hello", "Body"))
    services.send_queued()  # after a service's commit: a dead mail server must not turn success into an error
    assert rows()[0].sent_at is None
    assert any(record.getMessage().startswith("e-mail delivery deferred:") for record in caplog.records)


def test_a_real_rq_worker_delivers_the_outbox(app, monkeypatch, smtp_server):
    redis = pytest.importorskip("redis")
    rq = pytest.importorskip("rq")
    connection = redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=1)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis does not answer on 127.0.0.1:6379: the RQ worker test needs a real Redis")
    queue_name = f"coop-test-{uuid.uuid4().hex[:12]}"  # runs sharing one Redis do not take each other's jobs
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setitem(app.config, "RQ_QUEUE", queue_name)
    monkeypatch.setitem(app.config, "COOP_SMTP_URL", smtp_server.url)
    queue(("sam@acme.example", "Sent by a worker", "Through Redis and RQ."))
    rq_queue = rq.Queue(queue_name, connection=connection)
    try:
        jobs.enqueue(services.deliver_outbox_job)
        assert rows()[0].sent_at is None  # queued in Redis, not run inline
        assert rq_queue.count == 1
        worker = rq.SimpleWorker([rq_queue], connection=connection)
        assert worker.work(burst=True)
        assert [message["Subject"] for message in smtp_server.messages] == ["Sent by a worker"]
        assert rows()[0].sent_at is not None
    finally:
        rq_queue.delete(delete_jobs=True)
        connection.close()


PAGES = [("GET", "/admin/outbox"), ("POST", "/admin/outbox/deliver")]


@pytest.mark.parametrize(("method", "path"), PAGES)
def test_only_the_cooperative_reads_the_outbox(client, log_in, make_buyer, make_vendor_rep, method, path):
    queue(("sam@acme.example", "Private subject", "x"))

    def call(c):
        return c.get(path) if method == "GET" else c.post(path)

    response = call(client)
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in?next=")
    for user in (make_buyer(), make_vendor_rep(), make_vendor_rep(status=OrganisationStatus.PENDING)):
        response = call(log_in(user))
        assert response.status_code == 403
        assert "Private subject" not in response.get_data(as_text=True)


def test_mail_to_an_rfps_vendors_is_sealed_in_the_outbox_until_its_opening(log_in, admin, make_rfp):
    rfp = make_rfp()
    services.queue_email("pat@lakeview.example", "Your need is pooled", "x")
    services.queue_email("sam@acme.example", f"{rfp.reference}: addendum 1 issued", "y", sealed_rfp_id=rfp.id)
    db.session.commit()
    client = log_in(admin)
    for view in ("", "?state=queued"):
        page = text_of(client.get(f"/admin/outbox{view}"))
        assert "pat@lakeview.example Your need is pooled" in page and "Queued (1)" in page
        assert "sam@acme.example" not in page and "addendum 1" not in page
        assert "Sealed until the opening: e-mail to the vendors of an RFP" in page
    services.unseal_rfp_mail(rfp.id)  # as the opening does
    db.session.commit()
    page = text_of(client.get("/admin/outbox"))
    assert f"sam@acme.example {rfp.reference}: addendum 1 issued" in page and "Queued (2)" in page


def test_the_administrator_reads_a_message_s_body_but_not_a_sealed_one(log_in, admin, make_rfp):
    rfp = make_rfp()
    services.queue_email("pat@lakeview.example", "Your need is pooled", "Line 2 of RFP-1 pools your 40 laptops.")
    services.queue_email("sam@acme.example", f"{rfp.reference}: addendum 1", "Sealed words", sealed_rfp_id=rfp.id)
    db.session.commit()
    html = log_in(admin).get("/admin/outbox").get_data(as_text=True)
    assert (
        '<details><summary>Your need is pooled</summary><pre class="small text-wrap mb-0 mt-1">'
        "Line 2 of RFP-1 pools your 40 laptops.</pre></details>"
    ) in html
    assert "Sealed words" not in html
