from __future__ import annotations

import logging
from dataclasses import dataclass, field
from email.message import EmailMessage as MimeMessage
from email.utils import parseaddr

import aiosmtplib

from application.ports.jobs import EmailMessage, EmailSender, UndeliverableEmail

log = logging.getLogger("inkwell.email")


# RFC 5322: no line of a message may be longer, whatever its transfer encoding says.
MAX_LINE_OCTETS = 998


def _transfer_encoding(body: str) -> str | None:
    """7bit (ASCII) or 8bit, so the link stays one line, verbatim, in the raw message: left to
    the library, a line over 78 characters (a link always is) made the part quoted-printable,
    and a token copied from the raw mail then carried `=3D` and soft line breaks. A body with
    a line too long for either (none we write) is left to the library's choice."""
    lines = body.encode().splitlines()
    if max((len(line) for line in lines), default=0) > MAX_LINE_OCTETS:
        return None
    return "7bit" if body.isascii() else "8bit"


def to_mime(message: EmailMessage, sender: str) -> MimeMessage:
    mime = MimeMessage()
    mime["From"] = sender
    mime["To"] = message.to
    mime["Subject"] = message.subject
    mime["Message-ID"] = message.message_id
    mime.set_content(message.text, cte=_transfer_encoding(message.text))
    mime.add_alternative(message.html, subtype="html", cte=_transfer_encoding(message.html))
    return mime


# Refusals no retry can change: the library will not write the address on an SMTP command
# line (ValueError), or it needs SMTPUTF8 and the server does not offer it. A 5xx refusal of
# every recipient is permanent too (RFC 5321 4.2.1); a 4xx one, and any other failure, is
# retried.
_NEVER_DELIVERABLE = (ValueError, aiosmtplib.SMTPNotSupported)


@dataclass(frozen=True, slots=True, kw_only=True)
class SmtpEmailSender(EmailSender):
    host: str
    port: int
    sender: str
    tls: str
    username: str | None
    password: str | None = field(repr=False)
    timeout: float

    async def send(self, message: EmailMessage) -> None:
        client = aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            username=self.username,
            password=self.password,
            use_tls=self.tls == "ssl",
            start_tls=self.tls == "starttls",
            timeout=self.timeout,
        )
        await client.connect()
        try:
            # The envelope is written from the address the account holds, not read back out
            # of the headers: a header parser that reads an address differently (or as none,
            # "<>") must not decide where the mail goes.
            await client.send_message(
                to_mime(message, self.sender),
                sender=parseaddr(self.sender)[1] or self.sender,
                recipients=[message.to],
            )
        except _NEVER_DELIVERABLE as exc:
            client.close()
            raise UndeliverableEmail(f"{type(exc).__name__}: {exc}") from exc
        except aiosmtplib.SMTPRecipientsRefused as exc:
            client.close()
            if all(refusal.code >= 500 for refusal in exc.recipients):
                raise UndeliverableEmail(f"SMTPRecipientsRefused: {exc}") from exc
            raise
        except BaseException:
            # No polite QUIT after a failure (aiosmtplib.send would send one): a server that
            # stopped answering would hold a cancelled job, e.g. at worker shutdown, for the
            # whole timeout.
            client.close()
            raise
        try:
            await client.quit()
        except aiosmtplib.SMTPException:
            pass  # the mail was accepted; a failed goodbye changes nothing
        finally:
            client.close()


class ConsoleEmailSender(EmailSender):
    """Embedded mode: the mail, link included, goes to the console instead of a mailbox."""

    def __init__(self, sender: str) -> None:
        self.sender = sender

    async def send(self, message: EmailMessage) -> None:
        print(
            f"\n----- email (console backend) -----\nFrom: {self.sender}\nTo: {message.to}\n"
            f"Subject: {message.subject}\n\n{message.text}-----------------------------------\n",
            flush=True,
        )


class MemoryEmailSender(EmailSender):
    def __init__(self) -> None:
        self.outbox: list[EmailMessage] = []

    async def send(self, message: EmailMessage) -> None:
        self.outbox.append(message)
