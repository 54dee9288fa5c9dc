"""The outbox in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Row, and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sqlalchemy.tables import outbox
from application.operations.outbox import OutboxMessage, OutboxRecord
from application.ports.repositories import OutboxRepository


def _message(row: Any) -> OutboxMessage:
    m = row._mapping
    return OutboxMessage(m["id"], m["topic"], m["payload"], m["occurred_at"])


def _record(row: Row[Any]) -> OutboxRecord:
    m = row._mapping
    return OutboxRecord(
        _message(row),
        m["dispatched_at"],
        m["processed_at"],
        m["dead_at"],
        m["attempts"],
        m["last_error"],
    )


class SqlAlchemyOutboxRepository(OutboxRepository):
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def claim_due(
        self, limit: int, *, stale_before: datetime | None = None
    ) -> Sequence[OutboxRecord]:
        o = outbox.c
        due: ColumnElement[bool] = o.dispatched_at.is_(None)
        if stale_before is not None:
            lost = and_(
                o.processed_at.is_(None), o.dead_at.is_(None), o.dispatched_at < stale_before
            )
            due = or_(due, lost)
        stmt = select(outbox).where(due).order_by(o.occurred_at).limit(limit)
        if self._conn.dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        return [_record(r) for r in await self._conn.execute(stmt)]

    async def mark_dispatched(self, ids: Sequence[UUID], now: datetime) -> None:
        if ids:
            await self._conn.execute(
                update(outbox)
                .where(outbox.c.id.in_(ids))
                .values(dispatched_at=now, attempts=outbox.c.attempts + 1)
            )

    async def release_unfinished(self) -> int:
        o = outbox.c
        result = await self._conn.execute(
            update(outbox)
            .where(o.dispatched_at.is_not(None), o.processed_at.is_(None), o.dead_at.is_(None))
            .values(dispatched_at=None)
        )
        return result.rowcount

    async def get(self, message_id: UUID) -> OutboxRecord | None:
        row = (await self._conn.execute(select(outbox).where(outbox.c.id == message_id))).first()
        return _record(row) if row else None

    async def mark_processed(self, message_id: UUID, now: datetime) -> None:
        await self._conn.execute(
            update(outbox).where(outbox.c.id == message_id).values(processed_at=now)
        )

    async def mark_dead(self, message_id: UUID, error: str, attempts: int, now: datetime) -> None:
        await self._conn.execute(
            update(outbox)
            .where(outbox.c.id == message_id)
            .values(dead_at=now, last_error=error[:2000], attempts=attempts)
        )

    async def list_dead(self, limit: int) -> Sequence[OutboxRecord]:
        stmt = (
            select(outbox)
            .where(outbox.c.dead_at.is_not(None))
            .order_by(outbox.c.dead_at.desc())
            .limit(limit)
        )
        return [_record(r) for r in await self._conn.execute(stmt)]

    async def requeue_dead(self) -> int:
        result = await self._conn.execute(
            update(outbox)
            .where(outbox.c.dead_at.is_not(None))
            .values(dead_at=None, dispatched_at=None, attempts=0, last_error=None)
        )
        return result.rowcount

    async def purge_processed(self, before: datetime) -> int:
        result = await self._conn.execute(
            delete(outbox).where(outbox.c.processed_at.is_not(None), outbox.c.processed_at < before)
        )
        return result.rowcount
