"""Delivering the outbox safely: each message sent once however many deliverers run, only to a mail server whose
certificate is trusted, with a Date and a Message-ID, and retried a bounded number of times, later and later."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
import sqlalchemy as sa
from concurrency import start_and_join
from support import text_of

from coop.extensions import db
from coop.notifications import services
from coop.notifications.models import OutboundEmail


def queue(*messages: tuple[str, str, str]) -> None:
    for message in messages:
        services.queue_email(*message)
    db.session.commit()


def rows() -> list[OutboundEmail]:
    db.session.expire_all()
    return db.session.scalars(sa.select(OutboundEmail).order_by(OutboundEmail.id)).all()


MESSAGES = 12


def test_two_deliverers_at_once_send_every_message_exactly_once(app, committed_db, monkeypatch, smtp_server):
    monkeypatch.setitem(app.config, "COOP_SMTP_URL", smtp_server.url)
    smtp_server.delay_s = 0.05  # a slow server: both deliverers are busy at the same time
    queue(*((f"vendor{number}@example.test", f"Message {number}", "Body") for number in range(MESSAGES)))
    db.session.remove()
    start = threading.Barrier(2)
    sent: list[int] = []
    errors: list[BaseException] = []

    def deliver() -> None:
        with app.app_context():
            try:
                start.wait()
                sent.append(services.deliver_outbox())
            except BaseException as error:  # noqa: BLE001 - reported by the assertion below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    start_and_join(threads, timeout_s=60)
    assert errors == []
    assert sorted(message["Subject"] for message in smtp_server.messages) == sorted(
        f"Message {number}" for number in range(MESSAGES)
    )
    assert sum(sent) == MESSAGES
    assert all(message.sent_at is not None for message in rows())


@pytest.mark.parametrize("tls", ["starttls", "smtps"])
def test_a_mail_server_with_a_certificate_nobody_trusts_gets_nothing(
    app, monkeypatch, make_smtp_server, self_signed, now, log_in, make_admin, tls
):
    server = make_smtp_server(tls, self_signed.certificate)
    monkeypatch.setitem(app.config, "COOP_SMTP_URL", server.url)
    queue(("sam@acme.example", "Addendum 1", "Private to Acme."))
    assert services.deliver_outbox() == 0
    assert server.messages == []
    [message] = rows()
    assert message.sent_at is None and "certificate verify failed" in message.last_error
    page = text_of(log_in(make_admin()).get("/admin/outbox?state=queued"))
    assert "certificate verify failed" in page

    # Told to trust the authority, the way OpenSSL is told (SSL_CERT_FILE), the same server gets the message.
    monkeypatch.setenv("SSL_CERT_FILE", str(self_signed.ca_file))
    now(message.next_attempt_at)
    assert services.deliver_outbox() == 1
    assert [received["Subject"] for received in server.messages] == ["Addendum 1"]


def test_every_message_carries_a_date_and_a_message_id_of_its_own(app, monkeypatch, smtp_server, now):
    monkeypatch.setitem(app.config, "COOP_SMTP_URL", smtp_server.url)
    moment = now(datetime(2026, 12, 5, 9, 30, tzinfo=UTC))
    queue(("sam@acme.example", "One", "x"), ("lee@globex.example", "Two", "y"))
    assert services.deliver_outbox() == 2
    assert [parsedate_to_datetime(received["Date"]) for received in smtp_server.messages] == [moment, moment]
    message_ids = [received["Message-ID"] for received in smtp_server.messages]
    assert all(re.fullmatch(r"<[^<>@\s]+@coop\.example>", message_id) for message_id in message_ids), message_ids
    assert len(set(message_ids)) == 2


def test_a_failing_message_is_retried_later_and_later_then_failed_with_its_reason(
    app, monkeypatch, smtp_server, now, log_in, make_admin
):
    monkeypatch.setitem(app.config, "COOP_SMTP_URL", smtp_server.url)
    smtp_server.refuse.add("nobody@acme.example")
    queue(("nobody@acme.example", "Bounce", "x"))
    client = log_in(make_admin())
    waits = []
    for attempt in range(1, services.MAX_ATTEMPTS + 1):
        assert services.deliver_outbox() == 0
        assert services.deliver_outbox() == 0  # not tried again before its time
        assert len(smtp_server.recipients_tried) == attempt
        [message] = rows()
        if attempt < services.MAX_ATTEMPTS:
            waits.append(message.next_attempt_at - now())
            queued = text_of(client.get("/admin/outbox?state=queued"))
            assert (
                f"nobody@acme.example Bounce x {message.created_at:%Y-%m-%d %H:%M} Queued attempt {attempt} of 5 failed, "
                f"next attempt {message.next_attempt_at:%Y-%m-%d %H:%M}"
            ) in queued
            assert "550 5.1.1 No such mailbox here" in queued
            now(message.next_attempt_at)
    assert waits == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4), timedelta(minutes=8)]

    # Given up: shown as failed with the server's answer, and never tried again.
    failed = text_of(client.get("/admin/outbox?state=failed"))
    assert "Failed (1)" in failed
    assert "nobody@acme.example Bounce" in failed and "Failed after 5 attempts" in failed
    assert "550 5.1.1 No such mailbox here" in failed
    assert "nobody@acme.example" not in text_of(client.get("/admin/outbox?state=queued"))
    now(now() + timedelta(days=30))
    assert services.deliver_outbox() == 0
    assert len(smtp_server.recipients_tried) == services.MAX_ATTEMPTS
