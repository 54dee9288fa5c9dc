from __future__ import annotations

from datetime import datetime

from application.ports.security import RevokedAccessTokens
from application.ports.system import Clock


class InProcessRevokedAccessTokens(RevokedAccessTokens):
    """Revoked jtis kept in this process until they expire. Right for one process (embedded
    mode, tests); replicas share the Redis-backed store instead."""

    def __init__(self, clock: Clock, max_entries: int = 100_000) -> None:
        self._clock = clock
        self._max = max_entries
        self._revoked: dict[str, datetime] = {}

    async def revoke(self, jti: str, expires_at: datetime) -> None:
        if len(self._revoked) >= self._max:
            self._purge()
        self._revoked[jti] = expires_at

    async def is_revoked(self, jti: str) -> bool:
        expires_at = self._revoked.get(jti)
        return expires_at is not None and expires_at > self._clock.now()

    def _purge(self) -> None:
        now = self._clock.now()
        self._revoked = {jti: exp for jti, exp in self._revoked.items() if exp > now}
