"""Value objects: validated on construction, immutable, compared by value."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

from domain.errors import InvalidBody, InvalidEmail, InvalidName, InvalidTitle, WeakPassword

# Deliberately simple: one "@", a dotted domain, no spaces and no control characters (SMTP
# refuses them, so such an address could never get its verification mail). Deliverability is
# proven by the verification email, not by a regular expression.
_EMAIL = re.compile(
    r"^[^@\s\x00-\x1f\x7f-\x9f]+@[^@\s\x00-\x1f\x7f-\x9f]+\.[^@\s.\x00-\x1f\x7f-\x9f]+$"
)
EMAIL_MAX = 254


def is_storable_text(text: str) -> bool:
    """No NUL (databases refuse it) and no lone surrogates (not encodable as UTF-8)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class Email:
    """An address, normalised (trimmed, NFKC, lower-cased) so that uniqueness ignores case."""

    value: str

    def __post_init__(self) -> None:
        if not is_storable_text(self.value):
            raise InvalidEmail("Not a valid email address.")
        normalised = unicodedata.normalize("NFKC", self.value).strip().lower()
        if len(normalised) > EMAIL_MAX or not _EMAIL.match(normalised):
            raise InvalidEmail("Not a valid email address.")
        object.__setattr__(self, "value", normalised)

    def __str__(self) -> str:
        return self.value


def _bounded_text(raw: str, *, low: int, high: int, what: str) -> str:
    if not is_storable_text(raw):
        raise ValueError(f"{what} contains characters that cannot be stored.")
    text = raw.strip()
    if not low <= len(text) <= high:
        raise ValueError(f"{what} must be {low} to {high} characters long.")
    return text


@dataclass(frozen=True, slots=True)
class Name:
    value: str

    def __post_init__(self) -> None:
        try:
            object.__setattr__(
                self, "value", _bounded_text(self.value, low=1, high=100, what="Name")
            )
        except ValueError as exc:
            raise InvalidName(str(exc)) from None


@dataclass(frozen=True, slots=True)
class Title:
    value: str

    def __post_init__(self) -> None:
        try:
            object.__setattr__(
                self, "value", _bounded_text(self.value, low=1, high=200, what="Title")
            )
        except ValueError as exc:
            raise InvalidTitle(str(exc)) from None


@dataclass(frozen=True, slots=True)
class Body:
    """Post body; kept verbatim (no trimming) but never blank."""

    value: str

    def __post_init__(self) -> None:
        if not self.value.strip() or len(self.value) > 50_000:
            raise InvalidBody("Body must be 1 to 50000 characters long and not blank.")
        if not is_storable_text(self.value):
            raise InvalidBody("Body contains characters that cannot be stored.")


PASSWORD_MIN = 8
PASSWORD_MAX = 128


@cache
def common_passwords() -> frozenset[str]:
    """The ~1,000 most common leaked passwords, shipped in the package (common_passwords.txt),
    normalised like the candidates they are compared with."""
    text = resources.files(__package__).joinpath("common_passwords.txt").read_text("utf-8")
    lines = (line.strip() for line in text.splitlines())
    return frozenset(_comparable(line) for line in lines if line and not line.startswith("#"))


def _comparable(password: str) -> str:
    return unicodedata.normalize("NFKC", password).casefold()


def check_password_policy(raw: str) -> str:
    """NIST 800-63B style: length (8..128), no composition rules, never truncated, and not one
    of the most common leaked passwords (compared ignoring case and Unicode width)."""
    if not PASSWORD_MIN <= len(raw) <= PASSWORD_MAX:
        raise WeakPassword(f"Password must be {PASSWORD_MIN} to {PASSWORD_MAX} characters long.")
    if not is_storable_text(raw):
        raise WeakPassword("Password contains characters that cannot be used.")
    if _comparable(raw) in common_passwords():
        raise WeakPassword(
            "This password is one of the most commonly used ones, which attackers try first; "
            "choose another."
        )
    return raw
