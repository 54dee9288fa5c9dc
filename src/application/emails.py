"""What the mails say. Plain text and HTML, with the one link the reader needs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from html import escape

from application.ports.jobs import EmailMessage

# The paths a mailed link opens, under the link base: the built-in pages serve them, and a
# front end that takes the links over serves the same ones.
VERIFY_PATH = "/verify-email"
RESET_PATH = "/reset-password"


@dataclass(frozen=True, slots=True)
class LinkPolicy:
    base_url: str  # no trailing slash
    verify_ttl: timedelta
    reset_ttl: timedelta

    def verify_link(self, token: str) -> str:
        return f"{self.base_url}{VERIFY_PATH}?token={token}"

    def reset_link(self, token: str) -> str:
        return f"{self.base_url}{RESET_PATH}?token={token}"


def verification(to: str, name: str, link: str, message_id: str) -> EmailMessage:
    text = (
        f"Hello {name},\n\nPlease confirm your email address for Inkwell:\n{link}\n\n"
        "If you did not sign up, ignore this message.\n"
    )
    html = (
        f"<p>Hello {escape(name)},</p><p>Please confirm your email address for Inkwell:</p>"
        f'<p><a href="{escape(link)}">Confirm my address</a></p>'
        "<p>If you did not sign up, ignore this message.</p>"
    )
    return EmailMessage(to, "Confirm your email address", text, html, message_id)


def password_reset(to: str, name: str, link: str, minutes: int, message_id: str) -> EmailMessage:
    text = (
        f"Hello {name},\n\nSomeone asked to reset your Inkwell password. To choose a new one, "
        f"open this link within {minutes} minutes:\n{link}\n\n"
        "If it was not you, ignore this message: your password stays as it is.\n"
    )
    html = (
        f"<p>Hello {escape(name)},</p><p>Someone asked to reset your Inkwell password. "
        f"To choose a new one, open this link within {minutes} minutes:</p>"
        f'<p><a href="{escape(link)}">Reset my password</a></p>'
        "<p>If it was not you, ignore this message: your password stays as it is.</p>"
    )
    return EmailMessage(to, "Reset your password", text, html, message_id)
