"""Every address the API accepts can be put on an SMTP envelope: the recipient aiosmtplib
reads from the mail (and checks before it writes RCPT TO) is the address itself. A domain
with an empty label (ada@example..com, ada@.example.com) parsed as no address at all, and
aiosmtplib refused the job with `Address '<>' contains characters not permitted`."""

from __future__ import annotations

import re

import pytest
from aiosmtplib.email import extract_recipients, quote_address
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.email.senders import to_mime
from application import emails
from domain.errors import InvalidEmail
from domain.values import Email
from entrypoints.http.text_patterns import EMAIL

SENDER = "Inkwell <no-reply@localhost>"


def envelope_recipients(address: str) -> list[str]:
    message = emails.verification(address, "Ada", "https://x.example/v?token=t", "<1@inkwell>")
    recipients = extract_recipients(to_mime(message, SENDER))
    for recipient in recipients:
        quote_address(recipient)  # what RCPT TO runs: raises on what it cannot write
    return recipients


@pytest.mark.parametrize(
    "address",
    [
        "ada@example.com",
        "a.d.a@example.com",
        "ada+news@mail.example.co.uk",
        "o'brien@example.ie",
        "a!#$%&*+/=?^_`{|}~@example.com",
        "z\u00f6e@b\u00fccher.de",
        "\u7528\u6237@\u4f8b\u5b50.\u4e2d\u56fd",
    ],
)
def test_an_accepted_address_is_the_envelope_recipient_of_its_mail(address: str) -> None:
    assert envelope_recipients(Email(address).value) == [address]


@pytest.mark.parametrize(
    "address", ["ada@example..com", "ada@.example.com", "ada@mail..example.com", ".@..0"]
)
def test_a_domain_with_an_empty_label_is_refused(address: str) -> None:
    with pytest.raises(InvalidEmail, match="must have a domain of names between dots"):
        Email(address)
    assert not re.fullmatch(EMAIL, address)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.from_regex(EMAIL, fullmatch=True))
def test_every_address_the_schema_and_the_domain_accept_can_be_mailed(raw: str) -> None:
    try:
        address = Email(raw).value
    except InvalidEmail:
        return  # refused with a 422: never mailed
    assert envelope_recipients(address) == [address]
