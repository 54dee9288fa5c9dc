"""What a mail server receives: the link as one verbatim line of the raw message."""

from __future__ import annotations

import pytest

from application import emails
from tests.integration.smtp import SmtpServer

pytestmark = pytest.mark.integration

LINK = "http://127.0.0.1:8000/verify-email?token=txRVj4r4dUKi7SwvphfmnL1e3Shnnkj7uUdbfw5lsHY"


@pytest.mark.parametrize("name", ["Ada", "Zoë"])
async def test_the_raw_bytes_a_mail_server_receives_hold_the_exact_link(
    smtp: SmtpServer, name: str
) -> None:
    sender = smtp.sender()
    await sender.send(emails.verification("ada@example.com", name, LINK, "<1@inkwell>"))
    [raw] = smtp.mailbox.raw
    assert f"\r\n{LINK}\r\n".encode() in raw
    assert f'href="{LINK}"'.encode() in raw
    assert b"=3D" not in raw
    assert f"Hello {name},".encode() in raw
