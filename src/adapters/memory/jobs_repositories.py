from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from adapters.memory.store import MemoryState
from application.outbox import OutboxMessage, OutboxRecord
from application.ports.repositories import (
    EmailTokenRepository,
    Keyset,
    NotificationRepository,
    OutboxRepository,
)
from domain.notification import EmailToken, Notification


class InMemoryEmailTokenRepository(EmailTokenRepository):
    def __init__(self, state: MemoryState) -> None:
        self._s = state

    async def add(self, token: EmailToken) -> None:
        if not any(t.event_id == token.event_id for t in self._s.email_tokens.values()):
            self._s.email_tokens[token.id] = dataclasses.replace(token)

    async def get_by_hash(self, token_hash: str) -> EmailToken | None:
        found = (t for t in self._s.email_tokens.values() if t.token_hash == token_hash)
        return next((dataclasses.replace(t) for t in found), None)

    async def spend(self, token_id: UUID, now: datetime) -> bool:
        token = self._s.email_tokens.get(token_id)
        if token is None or token.used_at is not None:
            return False
        self._s.email_tokens[token_id] = dataclasses.replace(token, used_at=now)
        return True

    async def spend_all(self, user_id: UUID, purpose: str, now: datetime) -> None:
        for key, t in list(self._s.email_tokens.items()):
            if t.user_id == user_id and t.purpose == purpose and t.used_at is None:
                self._s.email_tokens[key] = dataclasses.replace(t, used_at=now)


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
        mine = sorted(
            (n for n in self._s.notifications.values() if n.recipient_id == recipient_id),
            key=lambda n: (n.created_at, n.id),
            reverse=True,
        )
        if after is not None:
            mine = [n for n in mine if (n.created_at, n.id) < (after.at, after.id)]
        return [dataclasses.replace(n) for n in mine[:limit]]

    async def mark_read(self, notification_id: UUID, recipient_id: UUID, now: datetime) -> bool:
        n = self._s.notifications.get(notification_id)
        if n is None or n.recipient_id != recipient_id:
            return False
        if n.read_at is None:
            self._s.notifications[notification_id] = dataclasses.replace(n, read_at=now)
        return True


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
