from __future__ import annotations

from datetime import UTC, datetime

from adapters.memory.bounded import BoundedDict
from adapters.memory.cache import InProcessCache
from adapters.memory.limits import InProcessRateLimiter
from adapters.system.clock import FrozenClock
from application.ports.limits import Rate


def test_a_bounded_dict_forgets_the_least_recently_written() -> None:
    d: BoundedDict[str, int] = BoundedDict(2)
    d["a"], d["b"], d["a"], d["c"] = 1, 2, 3, 4
    assert dict(d) == {"a": 3, "c": 4}


async def test_the_limiter_stays_bounded_whatever_keys_clients_invent() -> None:
    limiter = InProcessRateLimiter(FrozenClock(), max_keys=100)
    for i in range(1_000):
        await limiter.hit(f"k{i}", Rate(1, 60))
    assert len(limiter._windows) == 100
    assert not (await limiter.hit("k999", Rate(1, 60))).allowed


async def test_the_cache_is_bounded_by_bytes_and_skips_giants() -> None:
    cache = InProcessCache(FrozenClock(datetime(2026, 1, 1, tzinfo=UTC)), max_bytes=8_000)
    for i in range(10):
        found = await cache.lookup(f"ns{i}", "")
        await cache.store(found, b"x" * 900, 60)
    assert cache._bytes <= 8_000
    assert (await cache.lookup("ns9", "")).value is not None
    assert (await cache.lookup("ns0", "")).value is None
    giant = await cache.lookup("big", "")
    await cache.store(giant, b"x" * 2_000, 60)
    assert (await cache.lookup("big", "")).value is None


async def test_many_tiny_entries_fill_the_budget_too() -> None:
    """Keys and per-entry bookkeeping count, not only values: a flood of empty answers
    cannot grow the process past the budget."""
    cache = InProcessCache(FrozenClock(datetime(2026, 1, 1, tzinfo=UTC)), max_bytes=100_000)
    for i in range(5_000):
        found = await cache.lookup("posts", f"key-{i}")
        await cache.store(found, b"[]", 60)
    assert cache._bytes <= 100_000
    assert len(cache._entries) < 400


async def test_forgetting_generations_never_makes_a_stale_entry_current() -> None:
    cache = InProcessCache(FrozenClock(), max_namespaces=2)
    old = await cache.lookup("post:1", "")
    await cache.store(old, b"v1", 60)
    await cache.invalidate(["post:1"])  # v1 is stale now
    await cache.invalidate(["post:2", "post:3"])  # post:1's generation is forgotten
    assert (await cache.lookup("post:1", "")).value is None
