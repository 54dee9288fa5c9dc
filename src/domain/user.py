from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from uuid import UUID

from domain.aggregate import Aggregate
from domain.events import EmailVerificationRequested, UserRegistered
from domain.values import Email, Name


class SessionsEnd(Enum):
    """Which sessions a change to an account ends."""

    OTHERS = "others"  # every session but the one that made the change, if it is the user's
    ALL = "all"


@dataclass(eq=False, kw_only=True)
class User(Aggregate):
    """An account. `token_version` invalidates every access token issued before it changed.

    The session rule lives here, once: a credential change (a new email address or password)
    ends every other session of the user, and a deactivation ends all of them. Each bumps
    `token_version` and leaves `ending_sessions` for the application, which revokes the
    refresh tokens with the change (`pull_ending_sessions`)."""

    email: Email
    name: Name
    password_hash: str
    is_active: bool = True
    is_admin: bool = False
    email_verified_at: datetime | None = None
    token_version: int = 0
    created_at: datetime
    updated_at: datetime
    version: int = 1
    ending_sessions: SessionsEnd | None = field(default=None, repr=False, compare=False)

    @classmethod
    def register(
        cls,
        id: UUID,
        email: Email,
        name: Name,
        password_hash: str,
        *,
        now: datetime,
        is_admin: bool = False,
    ) -> User:
        user = cls(
            id=id,
            email=email,
            name=name,
            password_hash=password_hash,
            is_admin=is_admin,
            created_at=now,
            updated_at=now,
        )
        user.events.append(UserRegistered(occurred_at=now, user_id=id, email=email.value))
        return user

    def _end_sessions(self, which: SessionsEnd) -> None:
        self.token_version += 1  # access tokens carry the old one
        if self.ending_sessions is not SessionsEnd.ALL:
            self.ending_sessions = which

    def pull_ending_sessions(self) -> SessionsEnd | None:
        """The sessions the changes since the last pull end (None: none)."""
        ending, self.ending_sessions = self.ending_sessions, None
        return ending

    def _touch(self, now: datetime) -> None:
        self.updated_at = now
        self.version += 1

    def rename(self, name: Name, *, now: datetime) -> None:
        self.name = name
        self._touch(now)

    def change_email(self, email: Email, *, now: datetime) -> None:
        """A new address is unverified and, like a new password, ends the other sessions."""
        if email != self.email:
            self.email = email
            self.email_verified_at = None
            self._end_sessions(SessionsEnd.OTHERS)
            self._touch(now)
            self.request_verification(now=now)

    def request_verification(self, *, now: datetime) -> None:
        if self.email_verified_at is None:
            self.events.append(
                EmailVerificationRequested(occurred_at=now, user_id=self.id, email=self.email.value)
            )

    def change_password(self, password_hash: str, *, now: datetime) -> None:
        """A new password ends the other sessions."""
        self.password_hash = password_hash
        self._end_sessions(SessionsEnd.OTHERS)
        self._touch(now)

    def rehash_password(self, password_hash: str, *, now: datetime) -> None:
        """Same password, stronger parameters: sessions stay valid."""
        self.password_hash = password_hash
        self._touch(now)

    def set_active(self, active: bool, *, now: datetime) -> None:
        if active != self.is_active:
            self.is_active = active
            if not active:
                self._end_sessions(SessionsEnd.ALL)
            self._touch(now)

    def set_admin(self, admin: bool, *, now: datetime) -> None:
        if admin != self.is_admin:
            self.is_admin = admin
            self._touch(now)

    def verify_email(self, *, now: datetime) -> None:
        if self.email_verified_at is None:
            self.email_verified_at = now
            self._touch(now)
