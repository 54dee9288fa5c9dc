from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from application.errors import NotFound
from application.pagination import Cursors, Page
from application.ports.repositories import Keyset
from application.ports.system import Clock
from application.ports.uow import ReadUnitOfWork, UnitOfWork
from application.views import Actor
from domain.notification import Notification


@dataclass(frozen=True, slots=True)
class NotificationView:
    id: UUID
    kind: str
    payload: dict[str, Any]
    created_at: datetime
    read_at: datetime | None

    @classmethod
    def of(cls, n: Notification) -> NotificationView:
        return cls(n.id, n.kind, n.payload, n.created_at, n.read_at)


class ListNotifications:
    """The caller's own notifications, newest first."""

    def __init__(self, uow: ReadUnitOfWork, cursors: Cursors) -> None:
        self._uow = uow
        self._cursors = cursors

    async def execute(
        self, actor: Actor, *, limit: int, cursor: str | None
    ) -> Page[NotificationView]:
        scope = f"notifications:{actor.user_id}"
        after = self._cursors.decode(cursor, scope)
        async with self._uow as uow:
            rows = await uow.notifications.list_for(actor.user_id, after=after, limit=limit + 1)
        return self._cursors.page(
            rows, limit, lambda n: Keyset(n.created_at, n.id), NotificationView.of, scope
        )


class MarkNotificationRead:
    """Only the recipient may mark a notification read (others get NotFound); twice is fine."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, actor: Actor, notification_id: UUID) -> None:
        async with self._uow as uow:
            if not await uow.notifications.mark_read(
                notification_id, actor.user_id, self._clock.now()
            ):
                raise NotFound("Notification not found.")
            await uow.commit()
