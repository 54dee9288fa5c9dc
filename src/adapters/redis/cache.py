from __future__ import annotations

from collections.abc import Iterable

from redis.asyncio import Redis

from adapters.redis.circuit import RedisCircuit
from application.ports.cache import Cache, CacheLookup

_LOOKUP = """
local g = (redis.call('GET', KEYS[1]) or '0') .. '.' .. (redis.call('GET', KEYS[2]) or '0')
return {g, redis.call('GET', ARGV[1] .. g .. ':' .. ARGV[2])}
"""
_GENERATION_TTL = 7 * 24 * 3600


class RedisCache(Cache):
    """Shared by all replicas. Entry keys embed a global epoch and the namespace generation
    (see application.ports.cache). While Redis is unreachable every lookup misses and the
    invalidations this replica could not send are remembered; before it trusts the cache
    again it bumps the epoch, which retires every entry at once."""

    def __init__(self, circuit: RedisCircuit, prefix: str) -> None:
        self._circuit = circuit
        self._prefix = prefix
        self._epoch_key = f"{prefix}cache:epoch"
        self._missed_invalidations = False
        self._lookup = circuit.client.register_script(_LOOKUP)

    def _generation_key(self, namespace: str) -> str:
        return f"{self._prefix}cache:gen:{namespace}"

    def _entry_prefix(self, namespace: str) -> str:
        return f"{self._prefix}cache:entry:{namespace}:"

    async def _recovered(self) -> bool:
        """True when the cache can be trusted (again)."""
        if not self._missed_invalidations:
            return True

        async def bump(client: Redis) -> bool:
            await client.incr(self._epoch_key)
            return True

        async def still_down() -> bool:
            return False

        if await self._circuit.run(bump, still_down):
            self._missed_invalidations = False
            return True
        return False

    async def lookup(self, namespace: str, key: str) -> CacheLookup:
        async def miss() -> CacheLookup:
            return CacheLookup(None, "")

        if not await self._recovered():
            return await miss()

        async def op(_client: Redis) -> CacheLookup:
            generation, value = await self._lookup(
                keys=[self._epoch_key, self._generation_key(namespace)],
                args=[self._entry_prefix(namespace), key],
            )
            return CacheLookup(value, generation.decode())

        return await self._circuit.run(op, miss)

    async def store(
        self, namespace: str, key: str, generation: str, value: bytes, ttl_seconds: int
    ) -> None:
        if not generation:
            return

        async def op(client: Redis) -> None:
            entry = f"{self._entry_prefix(namespace)}{generation}:{key}"
            await client.set(entry, value, ex=ttl_seconds)

        await self._circuit.run(op, _nothing)

    async def invalidate(self, namespaces: Iterable[str]) -> None:
        keys = [self._generation_key(n) for n in namespaces]
        if not keys:
            return

        async def op(client: Redis) -> None:
            async with client.pipeline(transaction=False) as pipe:
                for key in keys:
                    pipe.incr(key)
                    pipe.expire(key, _GENERATION_TTL)
                await pipe.execute()

        async def remember() -> None:
            self._missed_invalidations = True

        await self._circuit.run(op, remember)


async def _nothing() -> None:
    return None
