from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID


class PasswordHasher(Protocol):
    """Slow, salted password hashing. Implementations never block the event loop."""

    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str, password: str) -> bool:
        """True when the password matches; False (never an exception) otherwise."""
        ...

    async def burn(self, password: str) -> None:
        """Spend the time of one verification, so unknown accounts cost what known ones do."""
        ...

    def needs_rehash(self, password_hash: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: UUID
    token_version: int
    jti: str
    session_id: UUID
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class IssuedAccessToken:
    token: str
    claims: AccessClaims
    expires_in: int


class AccessTokenService(Protocol):
    """Signed, short-lived bearer tokens."""

    def issue(self, user_id: UUID, token_version: int, session_id: UUID) -> IssuedAccessToken: ...

    def decode(self, token: str) -> AccessClaims:
        """Return the verified claims or raise application.errors.InvalidToken."""
        ...


class RefreshTokenCodec(Protocol):
    """Opaque refresh secrets: generated at random, stored only as a one-way digest."""

    def generate(self) -> str: ...

    def digest(self, token: str) -> str: ...


class Fingerprints(Protocol):
    """A keyed one-way digest, short and stable: equal inputs give equal fingerprints, so
    audit rows can correlate attempts on one unknown address without storing the address.
    Without the key nobody can test a guessed address against it."""

    def of(self, value: str) -> str: ...


class DeviceTokens(Protocol):
    """Device cookies (OWASP "Slow Down Online Guessing Attacks with Device Cookies"): a
    successful login hands the client a token bound to the account it signed in to, under the
    account's current credentials; a client that presents it again is a device known to that
    account. Tokens are signed, so a client cannot make one up, and expire. They are bound to
    the account's `token_version`, which a password change or reset and a deactivation bump:
    every token issued before dies with the credentials it was earned with."""

    def issue(self, account: str, token_version: int) -> str:
        """A new token for `account` (the normalised address) under its `token_version`, with
        a device id of its own."""
        ...

    def verify(self, token: str, account: str, token_version: int | None) -> str | None:
        """The token's device id, when the token was issued for `account` under
        `token_version` and has not expired; None for anything else (never an exception,
        whatever the input). `token_version` None means the address has no account: no token
        is valid, yet checking it costs what checking a known address's does."""
        ...
