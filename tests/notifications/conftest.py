"""Fixtures for the outbox: a real SMTP server on 127.0.0.1 (plain, STARTTLS or implicit TLS), signed-in clients."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import pytest
from support import free_port


@dataclass
class Mailbox:
    """What the SMTP server received; ``refuse`` lists recipients it answers 550 to.

    ``recipients_tried`` lists every RCPT TO it was given, refused or not; ``delay_s`` is how long it takes to
    accept each message (a slow server keeps two deliverers busy at the same time).
    """

    url: str
    messages: list[Message] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    recipients_tried: list[str] = field(default_factory=list)
    delay_s: float = 0.0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.recipients_tried.append(address)
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay_s)
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def make_smtp_server() -> Iterator[Callable[..., Mailbox]]:
    """``make_smtp_server(tls=None | "starttls" | "smtps", certificate=...)``: a real aiosmtpd server on a free port
    of 127.0.0.1, for as long as the test runs; with TLS it presents ``certificate`` (a trustme leaf)."""
    from aiosmtpd.controller import Controller

    controllers = []

    def start(tls: str | None = None, certificate=None) -> Mailbox:
        port = free_port()
        scheme = {None: "smtp", "starttls": "smtp+starttls", "smtps": "smtps"}[tls]
        mailbox = Mailbox(url=f"{scheme}://127.0.0.1:{port}")
        options = {}
        if tls is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            certificate.configure_cert(context)
            options = (
                {"tls_context": context, "require_starttls": True} if tls == "starttls" else {"ssl_context": context}
            )
        controller = Controller(mailbox, hostname="127.0.0.1", port=port, **options)
        controller.start()
        controllers.append(controller)
        return mailbox

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def smtp_server(make_smtp_server) -> Mailbox:
    """A real plain-SMTP aiosmtpd server on a free port of 127.0.0.1."""
    return make_smtp_server()


@dataclass
class SelfSignedAuthority:
    """A certificate authority nobody trusts unless told to, and a certificate it issued for 127.0.0.1."""

    certificate: object
    ca_file: Path


@pytest.fixture
def self_signed(tmp_path) -> SelfSignedAuthority:
    trustme = pytest.importorskip("trustme")
    authority = trustme.CA()
    ca_file = tmp_path / "private-ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    return SelfSignedAuthority(certificate=authority.issue_cert("127.0.0.1"), ca_file=ca_file)


@pytest.fixture
def dead_smtp_url() -> str:
    """An SMTP URL on a port of 127.0.0.1 where nothing listens."""
    return f"smtp://127.0.0.1:{free_port()}"
