from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

from application.ports.cache import Cache, CacheLookup
from application.ports.system import Clock


class InProcessCache(Cache):
    """Bounded LRU in this process: the embedded mode's cache. Never a fallback for Redis
    (another replica's writes could not invalidate it)."""

    def __init__(self, clock: Clock, max_entries: int = 10_000) -> None:
        self._clock = clock
        self._max = max_entries
        self._generations: dict[str, int] = {}
        self._entries: OrderedDict[tuple[str, str, str], tuple[bytes, float]] = OrderedDict()

    async def lookup(self, namespace: str, key: str) -> CacheLookup:
        generation = str(self._generations.get(namespace, 0))
        slot = (namespace, generation, key)
        entry = self._entries.get(slot)
        if entry is None or entry[1] <= self._clock.now().timestamp():
            self._entries.pop(slot, None)
            return CacheLookup(None, generation)
        self._entries.move_to_end(slot)
        return CacheLookup(entry[0], generation)

    async def store(
        self, namespace: str, key: str, generation: str, value: bytes, ttl_seconds: int
    ) -> None:
        if generation != str(self._generations.get(namespace, 0)):
            return  # written before an invalidation: never readable, do not keep it
        self._entries[(namespace, generation, key)] = (
            value,
            self._clock.now().timestamp() + ttl_seconds,
        )
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    async def invalidate(self, namespaces: Iterable[str]) -> None:
        for namespace in namespaces:
            self._generations[namespace] = self._generations.get(namespace, 0) + 1
