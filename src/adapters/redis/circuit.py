from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from redis.asyncio import BlockingConnectionPool, Redis
from redis.exceptions import RedisError

T = TypeVar("T")
log = logging.getLogger("inkwell.redis")


def short_wait_pool(url: str, *, timeout: float, max_connections: int) -> BlockingConnectionPool:
    """Every wait is short: connecting, reading, and waiting for a pooled connection."""
    return BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=timeout,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
    )


def create_redis(url: str, *, timeout: float, max_connections: int) -> Redis:
    """Sync construction, no I/O until first use."""
    return Redis(
        connection_pool=short_wait_pool(url, timeout=timeout, max_connections=max_connections)
    )


class RedisCircuit:
    """Keeps a dead Redis from costing every request a timeout.

    Closed: calls go to Redis, each bounded by `timeout`. The first failure opens the
    circuit: for `cooldown` seconds every call takes its fallback at once. Then one call
    probes; success closes the circuit, failure opens it again. Never raises Redis errors.
    """

    def __init__(self, client: Redis, *, timeout: float, cooldown: float) -> None:
        self.client = client
        self._timeout = timeout
        self._cooldown = cooldown
        self._open_until = 0.0
        self._probing = False
        self._trips = 0  # bumped on every failure: calls started before it cannot close

    @property
    def is_open(self) -> bool:
        return time.monotonic() < self._open_until

    async def run(
        self,
        op: Callable[[Redis], Awaitable[T]],
        fallback: Callable[[], Awaitable[T]],
        *,
        bounded: bool = False,
    ) -> T:
        """`bounded`: the op enforces its own deadline (the pipelined connection does), so
        no timer is armed here for it."""
        if self.is_open or (self._open_until and self._probing):
            return await fallback()
        probing = self._open_until > 0
        self._probing = self._probing or probing
        trips = self._trips
        try:
            if bounded:
                result = await op(self.client)
            else:
                async with asyncio.timeout(self._timeout * 2):  # no extra task, unlike wait_for
                    result = await op(self.client)
        except (RedisError, OSError, TimeoutError) as exc:
            if not self.is_open:
                log.warning("redis unavailable (%s); using fallbacks", type(exc).__name__)
            self._trips += 1
            self._open_until = time.monotonic() + self._cooldown
            return await fallback()
        finally:
            if probing:
                self._probing = False
        if probing or trips == self._trips:  # a late success from before a failure proves nothing
            if self._open_until:
                log.info("redis is back")
            self._open_until = 0.0
        return result

    async def ping(self) -> bool:
        async def ok() -> bool:
            return False

        async def ping(client: Redis) -> bool:
            return bool(await client.ping())

        return await self.run(ping, ok)

    async def close(self) -> None:
        await self.client.aclose()
