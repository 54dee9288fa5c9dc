"""Notifications in SQL."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import and_, bindparam, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sqlalchemy.statements import on_conflict_do_nothing
from adapters.sqlalchemy.tables import notifications
from application.ports.repositories import Keyset, NotificationRepository
from domain.notification import Notification


class SqlAlchemyNotificationRepository(NotificationRepository):
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add_many(self, batch: Sequence[Notification]) -> int:
        if not batch:
            return 0
        stmt = on_conflict_do_nothing(self._conn, notifications, "event_id", "recipient_id")
        result = await self._conn.execute(stmt, [dataclasses.asdict(n) for n in batch])
        return max(result.rowcount, 0)

    async def list_for(
        self, recipient_id: UUID, *, after: Keyset | None, limit: int
    ) -> Sequence[Notification]:
        n = notifications.c
        stmt = (
            select(notifications)
            .where(n.recipient_id == recipient_id)
            .order_by(n.created_at.desc(), n.id.desc())
            .limit(limit)
        )
        if after is not None:
            stmt = stmt.where(
                tuple_(n.created_at, n.id)
                < tuple_(*(_bound(after.at, n.created_at), _bound(after.id, n.id)))
            )
        return [Notification(**r._mapping) for r in await self._conn.execute(stmt)]

    async def mark_read(self, notification_id: UUID, recipient_id: UUID, now: datetime) -> bool:
        n = notifications.c
        mine = and_(n.id == notification_id, n.recipient_id == recipient_id)
        if (await self._conn.execute(select(n.id).where(mine))).first() is None:
            return False
        await self._conn.execute(
            update(notifications).where(mine, n.read_at.is_(None)).values(read_at=now)
        )
        return True


def _bound(value: Any, column: Any) -> Any:
    return bindparam(None, value, type_=column.type)
