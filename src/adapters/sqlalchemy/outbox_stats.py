from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy.tables import outbox
from application.ports.jobs import OutboxCounts, OutboxStats


class SqlAlchemyOutboxStats(OutboxStats):
    """One aggregate over the outbox table (bounded by its retention period); the caller
    bounds it with a timeout too. Runs on an autocommit connection: no transaction."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def counts(self) -> OutboxCounts:
        c = outbox.c
        unfinished = c.processed_at.is_(None) & c.dead_at.is_(None)
        stmt = select(
            func.count().filter(unfinished & c.dispatched_at.is_(None)),
            func.count().filter(unfinished & c.dispatched_at.is_not(None)),
            func.count().filter(c.processed_at.is_not(None) & c.dead_at.is_(None)),
            func.count().filter(c.dead_at.is_not(None)),
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(stmt)).one()
        return OutboxCounts(int(row[0]), int(row[1]), int(row[2]), int(row[3]))
