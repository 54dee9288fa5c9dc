from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(kw_only=True)
class RefreshToken:
    """One link of a refresh-token family. Only the token's hash is ever stored.

    A token is spent once; presenting a spent token again means it leaked, so the whole
    family (every token rotated from the same login) is revoked.
    """

    id: UUID
    family_id: UUID
    user_id: UUID
    token_hash: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None

    def is_expired(self, now: datetime) -> bool:
        return now >= self.expires_at
