from __future__ import annotations

from application.ports.idempotency import IdempotencyClaim, IdempotencyStore, StoredResponse
from application.ports.system import Clock


class InProcessIdempotencyStore(IdempotencyStore):
    def __init__(self, clock: Clock, max_keys: int = 100_000) -> None:
        self._clock = clock
        self._max = max_keys
        self._entries: dict[str, tuple[str, StoredResponse | None, float]] = {}

    async def claim(self, key: str, fingerprint: str, ttl_seconds: int) -> IdempotencyClaim:
        now = self._clock.now().timestamp()
        entry = self._entries.get(key)
        if entry is not None and entry[2] > now:
            return IdempotencyClaim(False, entry[0], entry[1])
        if len(self._entries) >= self._max:
            self._entries = {k: e for k, e in self._entries.items() if e[2] > now}
        self._entries[key] = (fingerprint, None, now + ttl_seconds)
        return IdempotencyClaim(True, fingerprint, None)

    async def complete(self, key: str, response: StoredResponse, ttl_seconds: int) -> None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries[key] = (entry[0], response, self._clock.now().timestamp() + ttl_seconds)

    async def release(self, key: str) -> None:
        self._entries.pop(key, None)
