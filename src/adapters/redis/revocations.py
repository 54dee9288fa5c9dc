from __future__ import annotations

import math
from datetime import datetime

from redis.asyncio import Redis

from adapters.redis.circuit import RedisCircuit
from application.ports.security import RevokedAccessTokens
from application.ports.system import Clock


class RedisRevokedAccessTokens(RevokedAccessTokens):
    """Revoked jtis shared by all replicas until the token expires. Every revocation is also
    kept in this process, which answers while Redis is down. The durable guarantee is the
    session check in the database (AuthenticateAccessToken), which survives Redis restarts."""

    def __init__(
        self, circuit: RedisCircuit, prefix: str, local: RevokedAccessTokens, clock: Clock
    ) -> None:
        self._circuit = circuit
        self._prefix = f"{prefix}revoked:"
        self._local = local
        self._clock = clock

    async def revoke(self, jti: str, expires_at: datetime) -> None:
        await self._local.revoke(jti, expires_at)
        ttl = math.ceil((expires_at - self._clock.now()).total_seconds())
        if ttl <= 0:
            return

        async def op(client: Redis) -> None:
            await client.set(self._prefix + jti, b"1", ex=ttl)

        async def nothing() -> None:
            return None

        await self._circuit.run(op, nothing)

    async def is_revoked(self, jti: str) -> bool:
        if await self._local.is_revoked(jti):
            return True

        async def op(client: Redis) -> bool:
            return bool(await client.exists(self._prefix + jti))

        async def unknown() -> bool:
            return False

        return await self._circuit.run(op, unknown)
