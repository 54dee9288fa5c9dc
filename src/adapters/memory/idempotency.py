from __future__ import annotations

from datetime import datetime

from adapters.memory.store import MemoryState
from application.errors import IdempotencyKeyInUse
from application.ports.idempotency import (
    IdempotencyKey,
    IdempotencyKeyRepository,
    IdempotencyRecord,
)


class InMemoryIdempotencyKeyRepository(IdempotencyKeyRepository):
    """Units of work hold the database lock for their whole life, so a concurrent request
    with the same key waits and then finds the committed record, as on SQL."""

    def __init__(self, state: MemoryState) -> None:
        self._s = state

    async def add(self, record: IdempotencyRecord) -> None:
        held = self._s.idempotency_keys.get(record.key)
        if held is not None and held.expires_at > record.created_at:
            raise IdempotencyKeyInUse("A request with this Idempotency-Key is in progress.")
        self._s.idempotency_keys[record.key] = record  # frozen: nothing mutates it

    async def get(self, key: IdempotencyKey) -> IdempotencyRecord | None:
        return self._s.idempotency_keys.get(key)

    async def purge_expired(self, now: datetime, limit: int) -> int:
        expired = [k for k, r in self._s.idempotency_keys.items() if r.expires_at <= now][:limit]
        for key in expired:
            del self._s.idempotency_keys[key]
        return len(expired)
