"""Notifications in memory."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from adapters.memory.store import MemoryState, keyset_page
from application.ports.repositories import Keyset, NotificationRepository
from domain.notification import Notification


class InMemoryNotificationRepository(NotificationRepository):
    def __init__(self, state: MemoryState) -> None:
        self._s = state

    async def add_many(self, notifications: Sequence[Notification]) -> int:
        existing = {(n.event_id, n.recipient_id) for n in self._s.notifications.values()}
        added = 0
        for n in notifications:
            if (n.event_id, n.recipient_id) not in existing:
                self._s.notifications[n.id] = dataclasses.replace(n)
                existing.add((n.event_id, n.recipient_id))
                added += 1
        return added

    async def list_for(
        self, recipient_id: UUID, *, after: Keyset | None, limit: int
    ) -> Sequence[Notification]:
        mine = (n for n in self._s.notifications.values() if n.recipient_id == recipient_id)
        page = keyset_page(mine, lambda n: (n.created_at, n.id), after, limit, newest_first=True)
        return [dataclasses.replace(n) for n in page]

    async def mark_read(self, notification_id: UUID, recipient_id: UUID, now: datetime) -> bool:
        n = self._s.notifications.get(notification_id)
        if n is None or n.recipient_id != recipient_id:
            return False
        if n.read_at is None:
            self._s.notifications[notification_id] = dataclasses.replace(n, read_at=now)
        return True
