from __future__ import annotations

from datetime import datetime

from adapters.memory.bounded import BoundedDict
from application.ports.security import RevokedAccessTokens
from application.ports.system import Clock


class InProcessRevokedAccessTokens(RevokedAccessTokens):
    """Revoked jtis kept in this process until they expire (the oldest are forgotten past
    `max_entries`; the database session check still holds for them). Right for one process
    (embedded mode, tests); replicas share the Redis-backed store instead."""

    def __init__(self, clock: Clock, max_entries: int = 100_000) -> None:
        self._clock = clock
        self._revoked: BoundedDict[str, datetime] = BoundedDict(max_entries)

    async def revoke(self, jti: str, expires_at: datetime) -> None:
        self._revoked[jti] = expires_at

    async def is_revoked(self, jti: str) -> bool:
        expires_at = self._revoked.get(jti)
        return expires_at is not None and expires_at > self._clock.now()
