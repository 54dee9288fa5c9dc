"""How domain events are written to the outbox, shared by every unit of work."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.events import DomainEvent


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """A committed event waiting to be dispatched; `id` becomes the job id (dedup key)."""

    id: UUID
    topic: str
    payload: dict[str, Any]
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class OutboxRecord:
    """An outbox message with its delivery state, as the worker and operators see it."""

    message: OutboxMessage
    dispatched_at: datetime | None
    processed_at: datetime | None
    dead_at: datetime | None
    attempts: int
    last_error: str | None


def _jsonable(value: object) -> object:
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def to_message(message_id: UUID, event: DomainEvent) -> OutboxMessage:
    payload = {
        f.name: _jsonable(getattr(event, f.name))
        for f in dataclasses.fields(event)
        if f.name != "occurred_at"
    }
    return OutboxMessage(
        id=message_id, topic=type(event).__name__, payload=payload, occurred_at=event.occurred_at
    )
