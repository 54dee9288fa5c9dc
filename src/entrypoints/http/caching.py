"""Cache-aside for ready-to-send JSON bytes, with single-flight per entry in this process
(a burst of misses for one entry costs one database load, not one per request)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from application.ports.cache import Cache

MAX_CACHED_BYTES = 256 * 1024  # bigger answers are served, not cached


class ReadThrough:
    def __init__(self, cache: Cache, ttl_seconds: int) -> None:
        self._cache = cache
        self._ttl = ttl_seconds
        self._inflight: dict[tuple[str, str, str], asyncio.Future[bytes]] = {}

    async def get(
        self,
        namespace: str,
        key: str,
        load: Callable[[], Awaitable[bytes]],
        also: Sequence[str] = (),
    ) -> bytes:
        """The cached bytes, or `load()`'s, stored under the generation seen before loading.
        Errors from `load` (e.g. NotFound) reach every waiter and are not cached."""
        found = await self._cache.lookup(namespace, key, also)
        if found.value is not None:
            return found.value
        slot = (namespace, found.generation, key)
        pending = self._inflight.get(slot)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._inflight[slot] = future
        try:
            value = await load()
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved here, so an unawaited future logs nothing
            raise
        finally:
            self._inflight.pop(slot, None)
        future.set_result(value)
        if len(value) <= MAX_CACHED_BYTES:
            await self._cache.store(namespace, key, found.generation, value, self._ttl, also)
        return value
