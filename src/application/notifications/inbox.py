from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from application.errors import NotFound
from application.pagination import Page, PagedRead, PageQuery
from application.ports.repositories import Keyset
from application.use_cases import Write
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


@dataclass(frozen=True, slots=True)
class ListNotifications(PagedRead):
    """The caller's own notifications, newest first."""

    async def execute(self, query: PageQuery) -> Page[NotificationView]:
        recipient = query.actor.user_id
        return await self._page(
            f"notifications:{recipient}",
            query,
            lambda uow, after, n: uow.notifications.list_for(recipient, after=after, limit=n),
            lambda n: Keyset(n.created_at, n.id),
            NotificationView.of,
        )


@dataclass(frozen=True, slots=True)
class MarkNotificationReadCommand:
    actor: Actor
    notification_id: UUID


@dataclass(frozen=True, slots=True)
class MarkNotificationRead(Write):
    """Only the recipient may mark a notification read (others get NotFound); twice is fine."""

    async def execute(self, cmd: MarkNotificationReadCommand) -> None:
        async with self.uow as uow:
            if not await uow.notifications.mark_read(
                cmd.notification_id, cmd.actor.user_id, self.clock.now()
            ):
                raise NotFound("Notification not found.")
            await uow.commit()
