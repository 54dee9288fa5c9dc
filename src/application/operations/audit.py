"""The audit log: security events written with the changes they record, read by admins.

Rules every writer follows:
- An event that records a change is added to the change's own unit of work, so it exists
  exactly when the change does (`Auditor.record`).
- A failure that writes nothing and raises (a failed or throttled login) is recorded in a
  transaction of its own (`Auditor.record(..., alone=True)`), so the raise cannot roll it
  back.
- Details name no secret: no password, token or hash, and never the address typed into a
  failed login for an account that does not exist (a keyed fingerprint stands in for it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from application.errors import Forbidden
from application.pagination import Page, PagedRead
from application.ports.audit import AuditFilter
from application.ports.repositories import Keyset
from application.ports.system import Clock, IdGenerator
from application.ports.uow import UnitOfWork
from application.views import Actor
from domain.audit import AuditEvent, AuditKind, Details
from domain.user import User


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a call came from, as the edge saw it (client address as a rate-limit key, the
    request id). Only audit events use it; trusted callers (CLI, worker) have none."""

    client: str | None = None
    request_id: str | None = None


NO_ORIGIN = Origin()


def user_changes(before: User, after: User) -> list[str]:
    """The account fields a change really altered, by name ("password": a new hash)."""
    pairs = {
        "name": (before.name, after.name),
        "email": (before.email, after.email),
        "password": (before.password_hash, after.password_hash),
        "is_admin": (before.is_admin, after.is_admin),
        "is_active": (before.is_active, after.is_active),
    }
    return sorted(name for name, (old, new) in pairs.items() if old != new)


@dataclass(frozen=True, slots=True)
class Auditor:
    """Stamps audit events with an id and the time and adds them to a unit of work."""

    clock: Clock
    ids: IdGenerator

    async def record(
        self,
        uow: UnitOfWork,
        kind: AuditKind,
        origin: Origin,
        *,
        actor_id: UUID | None = None,
        subject_id: UUID | None = None,
        details: Details | None = None,
        alone: bool = False,
    ) -> None:
        """Inside the caller's transaction: committed or rolled back with it. With `alone`,
        in a transaction of its own (`uow` must not be open yet): for a failure whose use
        case commits nothing and then raises."""
        event = AuditEvent(
            id=self.ids.new(),
            occurred_at=self.clock.now(),
            kind=kind,
            actor_id=actor_id,
            subject_id=subject_id,
            client=origin.client or None,
            request_id=origin.request_id,
            details=details or {},
        )
        if not alone:
            await uow.audit.add(event)
            return
        async with uow as tx:
            await tx.audit.add(event)
            await tx.commit()


@dataclass(frozen=True, slots=True)
class AuditEventView:
    id: UUID
    occurred_at: datetime
    kind: str
    actor_id: UUID | None
    subject_id: UUID | None
    client: str | None
    request_id: str | None
    details: dict[str, Any]

    @classmethod
    def of(cls, e: AuditEvent) -> AuditEventView:
        return cls(
            e.id,
            e.occurred_at,
            e.kind.value,
            e.actor_id,
            e.subject_id,
            e.client,
            e.request_id,
            dict(e.details),
        )


@dataclass(frozen=True, slots=True)
class ListAuditEventsQuery:
    actor: Actor
    where: AuditFilter
    limit: int
    cursor: str | None = None


@dataclass(frozen=True, slots=True)
class ListAuditEvents(PagedRead):
    """Administrators only (others get Forbidden, whatever they ask for). Newest first,
    narrowed by the filter."""

    async def execute(self, query: ListAuditEventsQuery) -> Page[AuditEventView]:
        if not query.actor.is_admin:
            raise Forbidden("Only administrators may read the audit log.")
        return await self._page(
            "audit",
            query,
            lambda uow, after, n: uow.audit.list(query.where, after=after, limit=n),
            lambda e: Keyset(e.occurred_at, e.id),
            AuditEventView.of,
        )
