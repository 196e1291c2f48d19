"""Fixtures for the outbox: a real SMTP server on 127.0.0.1, signed-in clients."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message

import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Mailbox:
    """What the SMTP server received; ``refuse`` lists recipients it answers 550 to."""

    url: str
    messages: list[Message] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server() -> Iterator[Mailbox]:
    """A real aiosmtpd server on a free port of 127.0.0.1, for as long as the test runs."""
    from aiosmtpd.controller import Controller

    port = free_port()
    mailbox = Mailbox(url=f"smtp://127.0.0.1:{port}")
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()


@pytest.fixture
def dead_smtp_url() -> str:
    """An SMTP URL on a port of 127.0.0.1 where nothing listens."""
    return f"smtp://127.0.0.1:{free_port()}"
