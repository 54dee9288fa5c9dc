"""A mailed link must survive being read raw (an SMTP sink's output, `less` on a mailbox): no
quoted-printable `=3D` in it, no soft line break through it."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage as MimeMessage

import pytest

from adapters.email.senders import to_mime
from application import emails

TOKEN = "Qm9vdHN0cmFwLXRva2VuLWZvci10aGUtbWFpbC10ZXN0cw-_x"
LINK = f"https://inkwell.example.com/reset-password?token={TOKEN}"


def raw(mime: MimeMessage) -> bytes:
    """The message as an SMTP client puts it on the wire."""
    return mime.as_bytes(policy=email.policy.SMTP)


@pytest.mark.parametrize("name", ["Ada", "Zoë Ångström"])
def test_the_raw_mail_carries_the_link_verbatim_on_one_line(name: str) -> None:
    for message in (
        emails.verification("ada@example.com", name, LINK, "<1@inkwell>"),
        emails.password_reset("ada@example.com", name, LINK, 30, "<2@inkwell>"),
    ):
        wire = raw(to_mime(message, "Inkwell <no-reply@localhost>"))
        assert f"\r\n{LINK}\r\n".encode() in wire  # the text part: the link alone on a line
        assert f'href="{LINK}"'.encode() in wire  # the HTML part
        assert b"=3D" not in wire
        assert b"quoted-printable" not in wire.lower()
        assert max(len(line) for line in wire.split(b"\r\n")) <= 998  # RFC 5322's limit


def test_an_ascii_mail_is_7bit_and_a_non_ascii_one_8bit_and_both_read_back_intact() -> None:
    for name, cte in (("Ada", "7bit"), ("Zoë", "8bit")):
        message = emails.verification("ada@example.com", name, LINK, "<1@inkwell>")
        parsed = email.message_from_bytes(
            raw(to_mime(message, "Inkwell <no-reply@localhost>")), policy=email.policy.default
        )
        assert isinstance(parsed, MimeMessage)
        parts = [p for p in parsed.walk() if p.get_content_maintype() == "text"]
        assert [p["Content-Transfer-Encoding"] for p in parts] == [cte, cte]
        text = parts[0].get_content()
        assert f"Hello {name}," in text
        assert LINK in text.splitlines()


def test_a_body_with_a_line_too_long_for_smtp_is_still_sent_in_lines_smtp_accepts() -> None:
    message = emails.verification("ada@example.com", "Ada", LINK + "x" * 1000, "<1@inkwell>")
    wire = raw(to_mime(message, "Inkwell <no-reply@localhost>"))
    assert max(len(line) for line in wire.split(b"\r\n")) <= 998
