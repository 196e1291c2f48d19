"""Queueing e-mail in the outbox, and delivering it.

:func:`queue_email` adds a message to the caller's transaction, so that an
e-mail announces only a change that was committed. :func:`deliver_outbox`
sends what is queued by SMTP when ``COOP_SMTP_URL`` is set; without it the
messages stay in the outbox, where an administrator can read them.

Delivery is safe to run in any number of processes at once: a deliverer first
claims the messages it will send, in one UPDATE (PostgreSQL skips the rows
another deliverer is claiming; SQLite runs one writer at a time), and sends only
those. A claim lapses after :data:`CLAIM_LEASE`, so that the messages of a
deliverer that died are sent by the next one. A failed attempt is retried
:data:`FIRST_RETRY_DELAY` later, each retry waiting twice as long as the one
before, and after :data:`MAX_ATTEMPTS` attempts the message is failed for good.
"""

from __future__ import annotations

import secrets
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from urllib.parse import unquote, urlsplit

import sqlalchemy as sa
from flask import current_app, has_app_context
from redis.exceptions import RedisError

from coop import clock
from coop.extensions import db
from coop.notifications.models import OutboundEmail

MAX_ATTEMPTS = 5
FIRST_RETRY_DELAY = timedelta(minutes=1)
CLAIM_LEASE = timedelta(minutes=15)
SMTP_TIMEOUT_S = 30


def queue_email(to_address: str, subject: str, body: str, *, sealed_rfp_id: int | None = None) -> OutboundEmail:
    """Add a message to the outbox in the current transaction (the caller commits).

    ``sealed_rfp_id``: the RFP whose vendors the message is for; administrators see it only once
    :func:`unseal_rfp_mail` is called at its opening.
    """
    message = OutboundEmail(to_address=to_address, subject=subject, body=body, sealed_rfp_id=sealed_rfp_id)
    db.session.add(message)
    return message


def email_vendors(recipients: dict[int, list[str]], subject: str, body_for, *, sealed_rfp_id: int) -> None:
    """Queue one message per address of each vendor in ``recipients`` (vendor id -> addresses), sealed in the outbox
    until the RFP's opening; ``body_for(vendor_id)`` writes the body."""
    for vendor_id, addresses in recipients.items():
        body = body_for(vendor_id)
        for address in addresses:
            queue_email(address, subject, body, sealed_rfp_id=sealed_rfp_id)


def unseal_rfp_mail(rfp_id: int) -> None:
    """Show administrators the mail to an RFP's vendors, in the caller's transaction: its bids are being opened."""
    db.session.execute(
        sa.update(OutboundEmail)
        .where(OutboundEmail.sealed_rfp_id == rfp_id)
        .values(sealed_rfp_id=None)
        .execution_options(synchronize_session=False)
    )


def _due(now: datetime):
    """Messages a deliverer may take at ``now``: unsent, not given up, due, and not claimed by a live deliverer."""
    return sa.and_(
        OutboundEmail.sent_at.is_(None),
        OutboundEmail.failed_at.is_(None),
        sa.or_(OutboundEmail.next_attempt_at.is_(None), OutboundEmail.next_attempt_at <= now),
        sa.or_(OutboundEmail.claimed_until.is_(None), OutboundEmail.claimed_until <= now),
    )


@dataclass(frozen=True)
class _Claimed:
    """A message as read when it was claimed: sending it needs no open transaction."""

    id: int
    to_address: str
    subject: str
    body: str
    message_id: str  # the same on every attempt: a receiver can tell a repeat
    attempts: int


def _claim(batch_size: int) -> tuple[str, list[_Claimed]]:
    """Claim up to ``batch_size`` due messages for this deliverer alone; returns the claim's token and the messages.

    Every write here and in :func:`_record` is the first statement of its transaction and no transaction stays
    open while mail is sent: SQLite then makes a second deliverer wait for the write lock, instead of failing
    the write of a transaction that read before the other's commit.
    """
    now = clock.utcnow()
    token = secrets.token_hex(16)
    due_ids = (
        sa.select(OutboundEmail.id)
        .where(_due(now))
        .order_by(OutboundEmail.id)
        .limit(batch_size)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    db.session.execute(
        sa.update(OutboundEmail)
        .where(OutboundEmail.id.in_(due_ids))
        .values(claim_token=token, claimed_until=now + CLAIM_LEASE)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    rows = db.session.execute(
        sa.select(
            OutboundEmail.id,
            OutboundEmail.to_address,
            OutboundEmail.subject,
            OutboundEmail.body,
            OutboundEmail.message_id,
            OutboundEmail.attempts,
        )
        .where(OutboundEmail.claim_token == token)
        .order_by(OutboundEmail.id)
    ).all()
    db.session.commit()
    domain = parseaddr(current_app.config["COOP_MAIL_FROM"])[1].rpartition("@")[2] or None
    return token, [
        _Claimed(id_, to_address, subject, body, message_id or make_msgid(domain=domain), attempts)
        for id_, to_address, subject, body, message_id, attempts in rows
    ]


def _record(message: _Claimed, token: str, **outcome) -> None:
    """Write an attempt's outcome, releasing the claim (unless it lapsed and another deliverer holds it now)."""
    db.session.execute(
        sa.update(OutboundEmail)
        .where(OutboundEmail.id == message.id, OutboundEmail.claim_token == token)
        .values(
            message_id=message.message_id,
            attempts=message.attempts + 1,
            claim_token=None,
            claimed_until=None,
            **outcome,
        )
        .execution_options(synchronize_session=False)
    )


def _reason(error: Exception) -> str:
    """What went wrong, as the mail server said it: "550 5.1.1 No such mailbox here"."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        answers = error.recipients.values()
    elif isinstance(error, smtplib.SMTPResponseException):
        answers = [(error.smtp_code, error.smtp_error)]
    else:
        return str(error) or type(error).__name__
    return "; ".join(
        f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}" for code, text in answers
    )


def _failure(message: _Claimed, error: Exception, now: datetime) -> dict:
    """A failed attempt's outcome: retried later, twice as late each time, or failed for good after the last."""
    attempts = message.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        return {"last_error": _reason(error), "failed_at": now, "next_attempt_at": None}
    return {"last_error": _reason(error), "next_attempt_at": now + FIRST_RETRY_DELAY * 2 ** (attempts - 1)}


def _connect(smtp_url: str) -> smtplib.SMTP:
    """An SMTP session, logged in when the URL has a user; TLS (``smtps``, ``smtp+starttls``) verifies the
    server's certificate and name against the system's trusted authorities (or ``SSL_CERT_FILE``)."""
    url = urlsplit(smtp_url)
    if url.scheme == "smtps":
        smtp = smtplib.SMTP_SSL(
            url.hostname, url.port or 465, timeout=SMTP_TIMEOUT_S, context=ssl.create_default_context()
        )
    else:
        smtp = smtplib.SMTP(url.hostname, url.port or 25, timeout=SMTP_TIMEOUT_S)
    try:
        if url.scheme == "smtp+starttls":
            smtp.starttls(context=ssl.create_default_context())
        if url.username:
            smtp.login(unquote(url.username), unquote(url.password or ""))
    except BaseException:
        smtp.close()
        raise
    return smtp


def _email(message: _Claimed, now: datetime) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["COOP_MAIL_FROM"]
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Date"] = format_datetime(now)
    email["Message-ID"] = message.message_id
    email.set_content(message.body)
    return email


def deliver_outbox(*, batch_size: int = 100) -> int:
    """Send the due messages this deliverer claims by SMTP; returns how many were sent. A job: commits its own work.

    A mail server that cannot be reached (or whose certificate is not trusted) counts as a failed attempt of
    every claimed message; it is logged, not raised.
    """
    smtp_url = current_app.config.get("COOP_SMTP_URL")
    if not smtp_url:
        return 0
    token, claimed = _claim(batch_size)
    if not claimed:
        return 0
    try:
        smtp = _connect(smtp_url)
    except (OSError, smtplib.SMTPException) as error:
        now = clock.utcnow()
        for message in claimed:
            _record(message, token, **_failure(message, error, now))
        db.session.commit()
        current_app.logger.warning("e-mail delivery deferred: %s", error)
        return 0
    sent = 0
    with smtp:
        for message in claimed:
            now = clock.utcnow()
            try:
                smtp.send_message(_email(message, now))
            except smtplib.SMTPException as error:
                _record(message, token, **_failure(message, error, now))
            else:
                _record(message, token, sent_at=now, last_error=None, next_attempt_at=None)
                sent += 1
            db.session.commit()  # each message's outcome at once: a crash later cannot send it again
    return sent


def deliver_outbox_job(batch_size: int = 100) -> int:
    """The delivery job as RQ runs it: a module-level function that makes its own app context when it has none.

    Inline (no ``REDIS_URL``) it runs inside the caller's context; on a worker
    process, which has no Flask app, it builds one from the environment.
    """
    if has_app_context():
        return deliver_outbox(batch_size=batch_size)
    from coop import create_app

    with create_app().app_context():
        return deliver_outbox(batch_size=batch_size)


def send_queued() -> None:
    """Hand queued messages to delivery, after the caller has committed them.

    The change the messages announce is already committed: a mail server or a
    Redis that does not answer must not turn that success into an error page.
    The messages stay queued in the outbox, where an administrator sees them.
    """
    from coop import jobs

    try:
        jobs.enqueue(deliver_outbox_job)
    except (OSError, smtplib.SMTPException, RedisError) as error:
        db.session.rollback()
        current_app.logger.warning("e-mail delivery deferred: %s", error)
