from __future__ import annotations

from adapters.memory.store import MemoryDatabase
from application.ports.jobs import OutboxCounts, OutboxStats


class InMemoryOutboxStats(OutboxStats):
    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db

    async def counts(self) -> OutboxCounts:
        pending = in_flight = processed = dead = 0
        for record in self._db.state.outbox.values():
            if record.dead_at is not None:
                dead += 1
            elif record.processed_at is not None:
                processed += 1
            elif record.dispatched_at is not None:
                in_flight += 1
            else:
                pending += 1
        return OutboxCounts(pending, in_flight, processed, dead)
