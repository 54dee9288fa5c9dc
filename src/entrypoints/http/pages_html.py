"""The HTML of the pages a mailed link opens (routes in routers/pages.py): self-contained
documents with no script and nothing loaded from anywhere, under a Content-Security-Policy
that allows exactly their one inline style (by its hash) and forms posting back here."""

from __future__ import annotations

import base64
import hashlib
from html import escape

from fastapi.responses import HTMLResponse

from domain.values import PASSWORD_MAX, PASSWORD_MIN

STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f6f6f4;color:#1d1d1b}"
    "main{max-width:26rem;margin:4rem auto;padding:2rem;background:#fff;border-radius:.5rem;"
    "box-shadow:0 1px 3px #0002}"
    "h1{font-size:1.4rem;margin-top:0}"
    "label{display:block;margin-top:1rem;font-weight:600}"
    "input{box-sizing:border-box;width:100%;padding:.5rem;font:inherit;margin-top:.25rem}"
    "button{margin-top:1.5rem;padding:.6rem 1.2rem;font:inherit;border:0;border-radius:.3rem;"
    "background:#1d4ed8;color:#fff;cursor:pointer}"
    ".error{color:#b91c1c}"
)
_STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
# The token is in the address: no Referer may carry it off, and no cache may keep the page.
_HEADERS = {"Content-Security-Policy": CONTENT_SECURITY_POLICY, "Cache-Control": "no-store"}

MISSING_LINK_TEXT = "This link has no token. Open the link from the mail exactly as it was sent."


def page(status: int, title: str, body: str, headers: dict[str, str] | None = None) -> HTMLResponse:
    """A whole document; `title` is text, `body` is markup built from escaped parts."""
    document = (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="robots" content="noindex">\n'
        f"<title>{escape(title)} - Inkwell</title>\n<style>{STYLE}</style>\n</head>\n"
        f"<body>\n<main>\n<h1>{escape(title)}</h1>\n{body}\n</main>\n</body>\n</html>\n"
    )
    return HTMLResponse(document, status_code=status, headers={**_HEADERS, **(headers or {})})


def paragraph(text: str, *, error: bool = False) -> str:
    attribute = ' class="error" role="alert"' if error else ""
    return f"<p{attribute}>{escape(text)}</p>"


def _token_field(token: str) -> str:
    return f'<input type="hidden" name="token" value="{escape(token)}">'


def verify_form(token: str) -> str:
    """A button, not an automatic confirmation: mail scanners open links, people press."""
    return (
        paragraph("Press the button to confirm this email address for your Inkwell account.")
        + '\n<form method="post" action="verify-email">\n'
        + _token_field(token)
        + '\n<button type="submit">Confirm my address</button>\n</form>'
    )


def _password_field(name: str, label: str) -> str:
    return (
        f'<label for="{name}">{label}</label>\n'
        f'<input type="password" name="{name}" id="{name}" required '
        f'minlength="{PASSWORD_MIN}" maxlength="{PASSWORD_MAX}" autocomplete="new-password">'
    )


def reset_form(token: str, error: str | None = None) -> str:
    notice = paragraph(error, error=True) if error else ""
    return (
        notice
        + paragraph(f"Choose a new password of {PASSWORD_MIN} to {PASSWORD_MAX} characters.")
        + '\n<form method="post" action="reset-password">\n'
        + _token_field(token)
        + "\n"
        + _password_field("new_password", "New password")
        + "\n"
        + _password_field("confirm_password", "The same password again")
        + '\n<button type="submit">Set my new password</button>\n</form>'
    )
