from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence

from application.ports.cache import Cache, CacheLookup
from application.ports.system import Clock


class InProcessCache(Cache):
    """LRU in this process, bounded by bytes: the embedded mode's cache. Never a fallback for
    Redis (another replica's writes could not invalidate it).

    Generations come from one counter. A namespace whose generation was forgotten (bounded
    too) starts at `_floor`, the newest generation ever forgotten, so no entry stored before
    can become current again."""

    def __init__(
        self, clock: Clock, max_bytes: int = 64 * 1024 * 1024, max_namespaces: int = 100_000
    ) -> None:
        self._clock = clock
        self._max_bytes = max_bytes
        self._bytes = 0
        self._counter = 0
        self._floor = 0
        self._generations: OrderedDict[str, int] = OrderedDict()
        self._max_namespaces = max_namespaces
        self._entries: OrderedDict[tuple[str, str, str], tuple[bytes, float]] = OrderedDict()

    def _generation(self, namespace: str, also: Sequence[str] = ()) -> str:
        return ".".join(str(self._generations.get(n, self._floor)) for n in (namespace, *also))

    def _drop(self, slot: tuple[str, str, str]) -> None:
        entry = self._entries.pop(slot, None)
        if entry is not None:
            self._bytes -= _size(slot, entry[0])

    async def lookup(self, namespace: str, key: str, also: Sequence[str] = ()) -> CacheLookup:
        generation = self._generation(namespace, also)
        slot = (namespace, generation, key)
        entry = self._entries.get(slot)
        if entry is None or entry[1] <= self._clock.now().timestamp():
            self._drop(slot)
            return CacheLookup(None, generation, namespace, key, also)
        self._entries.move_to_end(slot)
        return CacheLookup(entry[0], generation, namespace, key, also)

    async def store(self, found: CacheLookup, value: bytes, ttl_seconds: int) -> None:
        generation = found.generation
        if (
            generation != self._generation(found.namespace, found.also)
            or len(value) > self._max_bytes // 8
        ):
            return  # stale (an invalidation came first) or too big to be worth a slot
        slot = (found.namespace, generation, found.key)
        self._drop(slot)
        self._entries[slot] = (value, self._clock.now().timestamp() + ttl_seconds)
        self._bytes += _size(slot, value)
        while self._bytes > self._max_bytes:
            self._drop(next(iter(self._entries)))

    async def invalidate(self, namespaces: Iterable[str]) -> None:
        for namespace in namespaces:
            self._counter += 1
            self._generations[namespace] = self._counter
            self._generations.move_to_end(namespace)
            while len(self._generations) > self._max_namespaces:
                _, forgotten = self._generations.popitem(last=False)
                self._floor = max(self._floor, forgotten)


_ENTRY_OVERHEAD = 256  # the slot tuple, its strings' headers and the dict node: measured ~240


def _size(slot: tuple[str, str, str], value: bytes) -> int:
    """What an entry costs, not only its value: many small entries must fill the budget too."""
    return len(value) + sum(map(len, slot)) + _ENTRY_OVERHEAD
