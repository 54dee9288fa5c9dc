"""Value objects: validated on construction, immutable, compared by value."""

from __future__ import annotations

import encodings.idna
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import ClassVar

from domain.errors import (
    DomainError,
    InvalidBody,
    InvalidEmail,
    InvalidName,
    InvalidTitle,
    WeakPassword,
)

# Deliberately simple: one "@", a dotted domain with no empty label, no spaces and no control
# characters (SMTP refuses them, so such an address could never get its verification mail).
# Deliverability is proven by the verification email, not by a regular expression.
_EMAIL = re.compile(
    r"^[^@\s\x00-\x1f\x7f-\x9f]+@[^@.\s\x00-\x1f\x7f-\x9f]+(?:\.[^@.\s\x00-\x1f\x7f-\x9f]+)+$"
)
EMAIL_MAX = 254

# Characters that render as nothing (Unicode category Cf and the other
# Default_Ignorable_Code_Points): "ad\u200da@example.com" reads as ada@example.com.
INVISIBLE = (
    0xAD, 0x34F, (0x600, 0x605), 0x61C, 0x6DD, 0x70F, (0x890, 0x891), 0x8E2, (0x115F, 0x1160),
    (0x17B4, 0x17B5), (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x2064),
    (0x2066, 0x206F), 0x3164, (0xFE00, 0xFE0F), 0xFEFF, 0xFFA0, (0xFFF9, 0xFFFB), 0x110BD,
    0x110CD, (0x13430, 0x13438), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), 0xE0001,
    (0xE0020, 0xE007F), (0xE0100, 0xE01EF),
)  # fmt: skip
_INVISIBLE = frozenset(
    chr(c)
    for code in INVISIBLE
    for c in (range(code[0], code[1] + 1) if isinstance(code, tuple) else (code,))
)
# Quoted strings ("ada"@example.com, a\"b), comments (ada(x)@...), routes and domain
# literals (ada@[192.0.2.1]): other spellings of a mailbox, so never part of an address here.
QUOTING = '"\\'
SPECIALS = "()<>[]:;,"


def normalise_address(raw: str) -> str:
    """One spelling per mailbox: NFKC, case-folded (not just lower-cased: "ß" is "ss"),
    trimmed. NFKC again after folding, since folding can undo it; twice changes nothing."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", raw).casefold())
    return folded.strip()


def is_storable_text(text: str) -> bool:
    """No NUL (databases refuse it) and no lone surrogates (not encodable as UTF-8)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def address_problem(raw: str) -> str | None:
    """Why `raw` is not an acceptable address, as the end of a sentence about the field
    ("email must not contain invisible characters"), or None when it is acceptable."""
    if not is_storable_text(raw):
        return ADDRESS_NOT_VALID
    normalised = normalise_address(raw)
    if any(c in _INVISIBLE for c in raw) or any(c in _INVISIBLE for c in normalised):
        return (
            "must not contain invisible characters (such as a zero-width joiner or a soft hyphen)"
        )
    if any(c in QUOTING for c in normalised):
        return "must not have a quoted local part: write it without quotes or backslashes"
    if any(c in SPECIALS for c in normalised):
        return "must not hold comments, routes or domain literals: none of ( ) < > [ ] : ; or ,"
    if "" in normalised.rpartition("@")[2].split(".")[:-1]:
        # No host name has an empty label, so no mail can reach ada@example..com: the mail
        # library reads such a recipient as no address at all, and the job failed every try.
        return EMPTY_DOMAIN_LABEL
    if len(normalised) > EMAIL_MAX or not _EMAIL.match(normalised):
        return ADDRESS_NOT_VALID
    return None


ADDRESS_NOT_VALID = "must be a valid email address"
EMPTY_DOMAIN_LABEL = (
    "must have a domain of names between dots, none of them empty (example.com, not "
    "example..com or .example.com)"
)


@dataclass(frozen=True, slots=True)
class Email:
    """An address, normalised (see normalise_address) so that uniqueness ignores case and
    width; refused when it holds invisible characters or quoting (see address_problem).
    Lookalikes of other accounts' addresses are the application's rule (a skeleton port)."""

    value: str

    def __post_init__(self) -> None:
        problem = address_problem(self.value)
        if problem is not None:
            raise InvalidEmail(f"The email address {problem}.")
        object.__setattr__(self, "value", normalise_address(self.value))

    def __str__(self) -> str:
        return self.value

    @property
    def as_read(self) -> str:
        """The address as a mail client may show it, "xn--" domain labels decoded
        ("ada@xn--xample-2of.com" shows as ada@\u0435xample.com, with a Cyrillic e): what
        lookalike checks compare. The address itself stays as it was given."""
        local, _, domain = self.value.rpartition("@")
        return f"{local}@{'.'.join(_u_label(label) for label in domain.split('.'))}"


def _u_label(label: str) -> str:
    if not label.startswith("xn--"):
        return label
    try:
        return encodings.idna.ToUnicode(label)
    except UnicodeError:
        return label  # not a valid A-label: compared as written


def address_key(raw: str) -> str:
    """The one key per mailbox for throttles and fingerprints: the normalised address, so
    spelling variants share it; text that is no address is normalised alike (bounded)."""
    try:
        return Email(raw).value
    except InvalidEmail:
        return normalise_address(raw)[:320] if is_storable_text(raw) else "invalid"


@dataclass(frozen=True, slots=True)
class _BoundedText:
    """Trimmed, storable text of 1 to `high` characters; a subclass names its `error`."""

    value: str
    high: ClassVar[int]
    error: ClassVar[type[DomainError]]

    def __post_init__(self) -> None:
        what, text = type(self).__name__, self.value
        if not is_storable_text(text):
            raise self.error(f"{what} contains characters that cannot be stored.")
        text = text.strip()
        if not 1 <= len(text) <= self.high:
            raise self.error(f"{what} must be 1 to {self.high} characters long.")
        object.__setattr__(self, "value", text)


@dataclass(frozen=True, slots=True)
class Name(_BoundedText):
    high = 100
    error = InvalidName


@dataclass(frozen=True, slots=True)
class Title(_BoundedText):
    high = 200
    error = InvalidTitle


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
