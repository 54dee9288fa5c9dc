"""What goes on the SMTP envelope is the address the account holds, written by us, not read
back from the mail's headers; and an address the server can never take ends the job at once."""

from __future__ import annotations

import pytest
from aiosmtplib import SMTPRecipientsRefused

from application import emails
from application.ports.jobs import UndeliverableEmail
from tests.integration.conftest import _free_port
from tests.integration.smtp import SmtpServer

pytestmark = pytest.mark.integration

LINK = "http://127.0.0.1:8000/verify-email?token=t"


@pytest.mark.parametrize("address", ["ada@example.com", "a.d.a+x@mail.example.co.uk"])
async def test_the_envelope_holds_the_sender_and_the_accounts_address(
    smtp: SmtpServer, address: str
) -> None:
    await smtp.sender().send(emails.verification(address, "Ada", LINK, "<1@inkwell>"))
    [envelope] = smtp.mailbox.envelopes
    assert envelope == ("no-reply@localhost", [address])


async def test_a_non_ascii_address_travels_as_smtputf8_when_the_server_offers_it(
    smtp: SmtpServer,
) -> None:
    address = "z\u00f6e@b\u00fccher.de"
    await smtp.sender().send(emails.verification(address, "Zo\u00eb", LINK, "<1@inkwell>"))
    assert smtp.mailbox.envelopes == [("no-reply@localhost", [address])]
    [raw] = smtp.mailbox.raw
    assert f"\r\nTo: {address}\r\n".encode() in raw  # UTF-8 as written, no encoded-word


async def test_a_non_ascii_address_a_server_cannot_take_is_undeliverable_not_retried() -> None:
    """A server without SMTPUTF8 cannot have a non-ASCII local part written on its envelope,
    today or after any number of retries."""
    server = SmtpServer(_free_port(), smtputf8=False)
    server.start()
    try:
        message = emails.verification("z\u00f6e@example.com", "Zo\u00eb", LINK, "<1@inkwell>")
        with pytest.raises(UndeliverableEmail, match="SMTPUTF8"):
            await server.sender().send(message)
    finally:
        server.stop()
    assert server.mailbox.messages == []


async def test_a_recipient_refused_for_good_is_undeliverable_and_a_busy_one_is_retried(
    smtp: SmtpServer,
) -> None:
    message = emails.verification("ada@example.com", "Ada", LINK, "<1@inkwell>")
    smtp.mailbox.rcpt_reply = "550 5.1.1 no such user"
    with pytest.raises(UndeliverableEmail, match="no such user"):
        await smtp.sender().send(message)
    smtp.mailbox.rcpt_reply = "450 4.2.1 mailbox busy, try later"
    with pytest.raises(SMTPRecipientsRefused) as busy:
        await smtp.sender().send(message)
    assert not isinstance(busy.value, UndeliverableEmail)
    assert smtp.mailbox.messages == []
