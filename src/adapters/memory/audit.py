from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from adapters.memory.store import MemoryState, keyset_page
from application.ports.audit import AuditFilter, AuditRepository
from application.ports.repositories import Keyset
from domain.audit import AuditEvent


def _matches(e: AuditEvent, where: AuditFilter) -> bool:
    return (
        (where.kind is None or e.kind == where.kind)
        and (where.actor_id is None or e.actor_id == where.actor_id)
        and (where.subject_id is None or e.subject_id == where.subject_id)
        and (where.since is None or e.occurred_at >= where.since)
        and (where.until is None or e.occurred_at < where.until)
    )


class InMemoryAuditRepository(AuditRepository):
    def __init__(self, state: MemoryState) -> None:
        self._s = state

    async def add(self, event: AuditEvent) -> None:
        self._s.audit_events[event.id] = event  # frozen, and nothing mutates its details

    async def list(
        self, where: AuditFilter, *, after: Keyset | None, limit: int
    ) -> Sequence[AuditEvent]:
        found = (e for e in self._s.audit_events.values() if _matches(e, where))
        return keyset_page(found, lambda e: (e.occurred_at, e.id), after, limit, newest_first=True)

    async def purge(self, before: datetime) -> int:
        old = [k for k, e in self._s.audit_events.items() if e.occurred_at < before]
        for key in old:
            del self._s.audit_events[key]
        return len(old)
