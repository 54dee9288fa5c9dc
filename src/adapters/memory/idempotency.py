from __future__ import annotations

from adapters.memory.bounded import BoundedDict
from application.ports.idempotency import IdempotencyClaim, IdempotencyStore, StoredResponse
from application.ports.system import Clock


class InProcessIdempotencyStore(IdempotencyStore):
    def __init__(self, clock: Clock, max_keys: int = 100_000) -> None:
        self._clock = clock
        self._entries: BoundedDict[str, tuple[str, StoredResponse | None, float]] = BoundedDict(
            max_keys
        )

    async def claim(self, key: str, fingerprint: str, ttl_seconds: int) -> IdempotencyClaim:
        now = self._clock.now().timestamp()
        entry = self._entries.get(key)
        if entry is not None and entry[2] > now:
            return IdempotencyClaim(False, entry[0], entry[1])
        self._entries[key] = (fingerprint, None, now + ttl_seconds)
        return IdempotencyClaim(True, fingerprint, None)

    def completed(self, key: str) -> IdempotencyClaim | None:
        entry = self._entries.get(key)
        if entry is None or entry[1] is None or entry[2] <= self._clock.now().timestamp():
            return None
        return IdempotencyClaim(False, entry[0], entry[1])

    async def complete(
        self, key: str, response: StoredResponse, ttl_seconds: int, fingerprint: str = ""
    ) -> None:
        first = self._entries.get(key)
        self._entries[key] = (
            first[0] if first else fingerprint,
            response,
            self._clock.now().timestamp() + ttl_seconds,
        )

    async def release(self, key: str) -> None:
        self._entries.pop(key, None)
