from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.user import User


@dataclass(kw_only=True)
class Notification:
    """At most one per (event, recipient): the event id makes re-delivery harmless."""

    id: UUID
    recipient_id: UUID
    kind: str
    payload: dict[str, Any]
    event_id: UUID
    created_at: datetime
    read_at: datetime | None = None


@dataclass(kw_only=True)
class EmailToken:
    """A single-use token mailed to `email` (verify) or to reset a password. Only its
    digest is stored; the raw token is derived again from the event when mailing."""

    id: UUID
    event_id: UUID
    user_id: UUID
    purpose: str  # "verify" | "reset"
    email: str
    token_hash: str
    token_version: int  # the user's, when mailed: a later email or password change kills it
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None

    def usable(self, now: datetime) -> bool:
        return self.used_at is None and now < self.expires_at

    def belongs_to(self, user: User) -> bool:
        """Still the user's: same address, and no email or password change since mailing."""
        return (
            user.is_active
            and user.email.value == self.email
            and user.token_version == self.token_version
        )
