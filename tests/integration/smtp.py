"""A real SMTP server on loopback (aiosmtpd) that tests can make slow or refusing."""

from __future__ import annotations

import asyncio
import email
import time
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller

from adapters.email.senders import SmtpEmailSender


@dataclass
class Mailbox:
    messages: list[Message] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)  # each message as the server received it
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)  # MAIL FROM, RCPT TO
    refuse: bool = False
    rcpt_reply: str | None = None  # e.g. "550 5.1.1 no such user": RCPT TO refused with it
    ehlo_delay: float = 0.0
    connections: int = 0

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        self.connections += 1
        if self.ehlo_delay:
            await asyncio.sleep(self.ehlo_delay)
        session.host_name = hostname
        return responses

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.rcpt_reply is not None:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return "550 5.7.1 Mail refused by this test"
        self.raw.append(envelope.original_content)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]

    @staticmethod
    def text(message: Message) -> str:
        for part in message.walk():
            if part.get_content_type() == "text/plain":
                payload = part.get_payload(decode=True)
                assert isinstance(payload, bytes)
                return payload.decode()
        raise AssertionError("no text part")

    def wait_for(self, count: int, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)


class SmtpServer:
    def __init__(self, port: int, *, smtputf8: bool = True) -> None:
        self.mailbox = Mailbox()
        self.port = port
        self._controller = Controller(
            self.mailbox, hostname="127.0.0.1", port=port, enable_SMTPUTF8=smtputf8
        )

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def sender(self) -> SmtpEmailSender:
        """Inkwell's SMTP adapter, pointed at this server (plain SMTP, no login)."""
        return SmtpEmailSender(
            host="127.0.0.1",
            port=self.port,
            sender="Inkwell <no-reply@localhost>",
            tls="none",
            username=None,
            password=None,
            timeout=5,
        )
