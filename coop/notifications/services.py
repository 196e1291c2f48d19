"""Queueing e-mail in the outbox, and delivering it.

:func:`queue_email` adds a message to the caller's transaction, so that an
e-mail announces only a change that was committed. :func:`deliver_outbox`
sends what is queued by SMTP when ``COOP_SMTP_URL`` is set; without it the
messages stay in the outbox, where an administrator can read them.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

import sqlalchemy as sa
from flask import current_app, has_app_context
from redis.exceptions import RedisError

from coop import clock
from coop.extensions import db
from coop.notifications.models import OutboundEmail


def queue_email(to_address: str, subject: str, body: str) -> OutboundEmail:
    """Add a message to the outbox in the current transaction (the caller commits)."""
    message = OutboundEmail(to_address=to_address, subject=subject, body=body)
    db.session.add(message)
    return message


def deliver_outbox(*, batch_size: int = 100) -> int:
    """Send queued messages by SMTP; returns how many were sent. A job: commits its own work."""
    smtp_url = current_app.config.get("COOP_SMTP_URL")
    if not smtp_url:
        return 0
    queued = db.session.scalars(
        sa.select(OutboundEmail).where(OutboundEmail.sent_at.is_(None)).order_by(OutboundEmail.id).limit(batch_size)
    ).all()
    if not queued:
        return 0
    url = urlsplit(smtp_url)
    sent = 0
    with smtplib.SMTP(url.hostname, url.port or 25, timeout=30) as smtp:
        if url.scheme == "smtp+starttls":
            smtp.starttls()
        if url.username:
            smtp.login(unquote(url.username), unquote(url.password or ""))
        for message in queued:
            email = EmailMessage()
            email["From"] = current_app.config["COOP_MAIL_FROM"]
            email["To"] = message.to_address
            email["Subject"] = message.subject
            email.set_content(message.body)
            try:
                smtp.send_message(email)
            except smtplib.SMTPException as error:
                message.last_error = str(error)
            else:
                message.sent_at = clock.utcnow()
                message.last_error = None
                sent += 1
    db.session.commit()
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

