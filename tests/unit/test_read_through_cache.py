from __future__ import annotations

import asyncio

import pytest

from adapters.memory.cache import InProcessCache
from adapters.system.clock import FrozenClock
from application.errors import NotFound
from entrypoints.http.caching import RESPONSE_FORMAT, ReadThrough


async def test_a_burst_of_misses_loads_once_and_errors_are_not_cached() -> None:
    cache = InProcessCache(FrozenClock())
    reads = ReadThrough(cache, ttl_seconds=60)
    loads = 0

    async def load() -> bytes:
        nonlocal loads
        loads += 1
        await asyncio.sleep(0.01)
        return b"value"

    results = await asyncio.gather(*(reads.get("ns", "k", load) for _ in range(20)))
    assert results == [b"value"] * 20
    assert loads == 1
    assert await reads.get("ns", "k", load) == b"value"
    assert loads == 1

    async def missing() -> bytes:
        raise NotFound("gone")

    for _ in range(2):
        with pytest.raises(NotFound):
            await reads.get("other", "k", missing)


async def test_a_load_that_started_before_an_invalidation_is_never_served() -> None:
    clock = FrozenClock()
    cache = InProcessCache(clock)
    before = await cache.lookup("post:1", "")
    await cache.invalidate(["post:1"])  # a write committed while we were loading
    await cache.store(before, b"old", 60)
    assert (await cache.lookup("post:1", "")).value is None
    fresh = await cache.lookup("post:1", "")
    await cache.store(fresh, b"new", 60)
    assert (await cache.lookup("post:1", "")).value == b"new"
    from datetime import timedelta

    clock.advance(timedelta(seconds=61))
    assert (await cache.lookup("post:1", "")).value is None


async def test_a_waiter_that_goes_away_cancels_neither_the_load_nor_the_others() -> None:
    cache = InProcessCache(FrozenClock())
    reads = ReadThrough(cache, ttl_seconds=60)
    release = asyncio.Event()
    loads = 0

    async def load() -> bytes:
        nonlocal loads
        loads += 1
        await release.wait()
        return b"value"

    first = asyncio.create_task(reads.get("ns", "k", load))
    second = asyncio.create_task(reads.get("ns", "k", load))
    await asyncio.sleep(0.01)
    first.cancel()  # its client disconnected
    await asyncio.sleep(0)
    release.set()
    assert await second == b"value"
    with pytest.raises(asyncio.CancelledError):
        await first
    assert loads == 1
    assert (await cache.lookup("ns", f"{RESPONSE_FORMAT}:k")).value == b"value"  # stored anyway


async def test_bytes_cached_by_a_release_with_another_response_format_are_never_served() -> None:
    """A rolling deploy: an old replica cached a post without `version` under the same
    namespace and key; a new replica reading through the same cache must load its own."""
    cache = InProcessCache(FrozenClock())
    await cache.store(await cache.lookup("post:1", "", ()), b"old shape", 60)
    reads = ReadThrough(cache, ttl_seconds=60)

    async def load() -> bytes:
        return b"new shape"

    assert await reads.get("post:1", "", load) == b"new shape"
    assert (await cache.lookup("post:1", "", ())).value == b"old shape"  # the old release's
