from __future__ import annotations

import asyncio
import itertools
import secrets
from collections.abc import Iterable, Sequence

from redis.asyncio import Redis

from adapters.redis.circuit import RedisCircuit
from adapters.redis.pipelined import PipelinedRedis, Script
from application.ports.cache import Cache, CacheLookup

# The epoch starts at a random value (ARGV[3]) whenever Redis has none, e.g. after a restart
# empty: an entry stored late under a generation from before the restart is never current.
_LOOKUP = """
local e = redis.call('GET', KEYS[1])
if not e then
  redis.call('SET', KEYS[1], ARGV[3], 'NX')
  e = redis.call('GET', KEYS[1])
end
local g = e
for i = 2, #KEYS do
  g = g .. '.' .. (redis.call('GET', KEYS[i]) or '0')
end
return {g, redis.call('GET', ARGV[1] .. g .. ':' .. ARGV[2])}
"""
_GENERATION_TTL = 7 * 24 * 3600


class RedisCache(Cache):
    """Shared by all replicas. Entry keys embed a global epoch and the namespace generation
    (see application.ports.cache). An invalidation this replica could not send (Redis
    unreachable) is not dropped: every lookup here misses, and a background task retries
    until it can bump the epoch, which retires every entry for every replica at once."""

    def __init__(
        self, circuit: RedisCircuit, redis: PipelinedRedis, prefix: str, retry_seconds: float
    ) -> None:
        self._circuit = circuit  # its timeouts and fallbacks; the commands go through `redis`
        self._redis = redis
        self._prefix = prefix
        self._epoch_key = f"{prefix}cache:epoch"
        self._retry_seconds = retry_seconds
        self._missed = 0  # invalidations not yet covered by an epoch bump
        self._retrying: asyncio.Task[None] | None = None
        self._lookup = Script(_LOOKUP)
        # A new epoch's start value: random per process, never the same twice within it.
        self._epoch_seed = secrets.randbelow(2**51)
        self._seeds = itertools.count()

    def _generation_key(self, namespace: str) -> str:
        return f"{self._prefix}cache:gen:{namespace}"

    def _entry_prefix(self, namespace: str) -> str:
        return f"{self._prefix}cache:entry:{namespace}:"

    async def _recovered(self) -> bool:
        """True when the cache can be trusted (again)."""
        missed = self._missed
        if not missed:
            return True

        async def bump(_client: Redis) -> bool:
            await self._redis.execute("INCR", self._epoch_key)
            return True

        async def still_down() -> bool:
            return False

        if await self._circuit.run(bump, still_down, bounded=True):
            if self._missed == missed:  # nothing new was missed while we were bumping
                self._missed = 0
            return True
        return False

    async def _retry_until_recovered(self) -> None:
        while not await self._recovered():  # noqa: ASYNC110 - polling Redis, not a local flag
            await asyncio.sleep(self._retry_seconds)

    def _remember_missed(self) -> None:
        self._missed += 1
        if self._retrying is None or self._retrying.done():
            self._retrying = asyncio.get_running_loop().create_task(self._retry_until_recovered())

    async def close(self) -> None:
        if self._retrying is not None:
            self._retrying.cancel()
        await self._redis.close()

    async def lookup(self, namespace: str, key: str, also: Sequence[str] = ()) -> CacheLookup:
        async def miss() -> CacheLookup:
            return CacheLookup(None, "", namespace, key, also)

        if self._missed and not await self._recovered():
            return await miss()

        async def op(_client: Redis) -> CacheLookup:
            generation, value = await self._redis.evalsha(
                self._lookup,
                [self._epoch_key, *map(self._generation_key, (namespace, *also))],
                [self._entry_prefix(namespace), key, self._epoch_seed + next(self._seeds)],
            )
            return CacheLookup(value, generation.decode(), namespace, key, also)

        return await self._circuit.run(op, miss, bounded=True)

    async def store(self, found: CacheLookup, value: bytes, ttl_seconds: int) -> None:
        # The generation (from lookup) already encodes `also`: entries live under it.
        if not found.generation:
            return

        async def op(_client: Redis) -> None:
            entry = f"{self._entry_prefix(found.namespace)}{found.generation}:{found.key}"
            await self._redis.execute("SET", entry, value, "EX", ttl_seconds)

        await self._circuit.run(op, _nothing, bounded=True)

    async def invalidate(self, namespaces: Iterable[str]) -> None:
        keys = [self._generation_key(n) for n in namespaces]
        if not keys:
            return

        async def op(_client: Redis) -> None:
            commands = [
                c for key in keys for c in (("INCR", key), ("EXPIRE", key, _GENERATION_TTL))
            ]
            await self._redis.pipeline(*commands)

        async def remember() -> None:
            self._remember_missed()

        await self._circuit.run(op, remember, bounded=True)


async def _nothing() -> None:
    return None
