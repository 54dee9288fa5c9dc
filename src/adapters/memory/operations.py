"""The outbox in memory."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from adapters.memory.store import MemoryState
from application.operations.outbox import OutboxMessage, OutboxRecord
from application.ports.repositories import OutboxRepository


class InMemoryOutboxRepository(OutboxRepository):
    def __init__(self, state: MemoryState) -> None:
        self._s = state

    def append(self, message: OutboxMessage) -> None:
        self._s.outbox[message.id] = OutboxRecord(message, None, None, None, 0, None)

    def _update(self, message_id: UUID, **changes: object) -> None:
        record = self._s.outbox.get(message_id)
        if record is not None:
            self._s.outbox[message_id] = dataclasses.replace(record, **changes)  # type: ignore[arg-type]

    async def claim_due(
        self, limit: int, *, stale_before: datetime | None = None
    ) -> Sequence[OutboxRecord]:
        def due(r: OutboxRecord) -> bool:
            if r.dispatched_at is None:
                return True
            unfinished = r.processed_at is None and r.dead_at is None
            return stale_before is not None and unfinished and r.dispatched_at < stale_before

        pending = [r for r in self._s.outbox.values() if due(r)]
        return sorted(pending, key=lambda r: r.message.occurred_at)[:limit]

    async def mark_dispatched(self, ids: Sequence[UUID], now: datetime) -> None:
        for message_id in ids:
            record = self._s.outbox[message_id]
            self._update(message_id, dispatched_at=now, attempts=record.attempts + 1)

    async def release_unfinished(self) -> int:
        unfinished = [
            k
            for k, r in self._s.outbox.items()
            if r.dispatched_at is not None and r.processed_at is None and r.dead_at is None
        ]
        for key in unfinished:
            self._update(key, dispatched_at=None)
        return len(unfinished)

    async def get(self, message_id: UUID) -> OutboxRecord | None:
        return self._s.outbox.get(message_id)

    async def mark_processed(self, message_id: UUID, now: datetime) -> None:
        self._update(message_id, processed_at=now)

    async def mark_dead(self, message_id: UUID, error: str, attempts: int, now: datetime) -> None:
        self._update(message_id, dead_at=now, last_error=error, attempts=attempts)

    async def list_dead(self, limit: int) -> Sequence[OutboxRecord]:
        return [r for r in self._s.outbox.values() if r.dead_at is not None][:limit]

    async def requeue_dead(self) -> int:
        dead = [k for k, r in self._s.outbox.items() if r.dead_at is not None]
        for key in dead:
            self._update(key, dead_at=None, dispatched_at=None, attempts=0, last_error=None)
        return len(dead)

    async def purge_processed(self, before: datetime) -> int:
        old = [
            k
            for k, r in self._s.outbox.items()
            if r.processed_at is not None and r.processed_at < before
        ]
        for key in old:
            del self._s.outbox[key]
        return len(old)
