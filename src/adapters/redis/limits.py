from __future__ import annotations

import math

from redis.asyncio import Redis

from adapters.redis.circuit import RedisCircuit
from application.ports.limits import Rate, RateDecision, RateLimiter

_HIT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('PTTL', KEYS[1])}
"""


class RedisRateLimiter(RateLimiter):
    """Fixed windows counted atomically in one Lua script, so N parallel attempts on any
    replicas never pass more than the limit. Falls back to the in-process limiter."""

    def __init__(self, circuit: RedisCircuit, prefix: str, fallback: RateLimiter) -> None:
        self._circuit = circuit
        self._prefix = f"{prefix}rate:"
        self._fallback = fallback
        self._hit = circuit.client.register_script(_HIT)

    @staticmethod
    def _decision(count: int, pttl_ms: int, rate: Rate) -> RateDecision:
        allowed = count <= rate.limit
        retry = max(1, math.ceil(pttl_ms / 1000)) if not allowed else 0
        return RateDecision(allowed, retry)

    async def hit(self, key: str, rate: Rate) -> RateDecision:
        async def op(_client: Redis) -> RateDecision:
            count, pttl = await self._hit(
                keys=[self._prefix + key], args=[rate.window_seconds * 1000]
            )
            return self._decision(int(count), int(pttl), rate)

        async def fallback() -> RateDecision:
            return await self._fallback.hit(key, rate)

        return await self._circuit.run(op, fallback)

    async def peek(self, key: str, rate: Rate) -> RateDecision:
        async def op(client: Redis) -> RateDecision:
            async with client.pipeline(transaction=False) as pipe:
                pipe.get(self._prefix + key)
                pipe.pttl(self._prefix + key)
                count, pttl = await pipe.execute()
            return self._decision(int(count or 0) + 1, int(pttl), rate)

        async def fallback() -> RateDecision:
            return await self._fallback.peek(key, rate)

        return await self._circuit.run(op, fallback)

    async def reset(self, key: str) -> None:
        async def op(client: Redis) -> None:
            await client.delete(self._prefix + key)

        async def fallback() -> None:
            await self._fallback.reset(key)

        await self._circuit.run(op, fallback)
