"""Where audit events are kept."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from application.ports.repositories import Keyset
from domain.audit import AuditEvent, AuditKind


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Every field set narrows the result; `since` is inclusive, `until` exclusive."""

    kind: AuditKind | None = None
    actor_id: UUID | None = None
    subject_id: UUID | None = None
    since: datetime | None = None
    until: datetime | None = None


class AuditRepository(Protocol):
    """Append-only inside a unit of work: an event is written with the change it records
    and is rolled back with it. Nothing updates an event; only retention deletes them."""

    async def add(self, event: AuditEvent) -> None: ...

    async def list(
        self, where: AuditFilter, *, after: Keyset | None, limit: int
    ) -> Sequence[AuditEvent]:
        """Newest first by (occurred_at, id), after the keyset `after`."""
        ...

    async def purge(self, before: datetime) -> int:
        """Delete the events that occurred before `before`; return how many went."""
        ...
