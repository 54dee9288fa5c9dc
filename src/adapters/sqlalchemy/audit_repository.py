"""SQL for the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, bindparam, delete, insert, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sqlalchemy.tables import audit_events
from application.ports.audit import AuditFilter, AuditRepository
from application.ports.repositories import Keyset
from domain.audit import AuditEvent, AuditKind


def _event(row: Row[Any]) -> AuditEvent:
    return AuditEvent(**{**row._mapping, "kind": AuditKind(row.kind)})


def _conditions(where: AuditFilter) -> list[ColumnElement[bool]]:
    a = audit_events.c
    conditions: list[ColumnElement[bool]] = []
    if where.kind is not None:
        conditions.append(a.kind == where.kind.value)
    if where.actor_id is not None:
        conditions.append(a.actor_id == where.actor_id)
    if where.subject_id is not None:
        conditions.append(a.subject_id == where.subject_id)
    if where.since is not None:
        conditions.append(a.occurred_at >= where.since)
    if where.until is not None:
        conditions.append(a.occurred_at < where.until)
    return conditions


_INSERT_AUDIT_EVENT = insert(audit_events)  # built once; rows come as parameters


class SqlAlchemyAuditRepository(AuditRepository):
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, event: AuditEvent) -> None:
        await self._conn.execute(
            _INSERT_AUDIT_EVENT,
            {
                "id": event.id,
                "occurred_at": event.occurred_at,
                "kind": event.kind.value,
                "actor_id": event.actor_id,
                "subject_id": event.subject_id,
                "client": event.client,
                "request_id": event.request_id,
                "details": event.details,
            },
        )

    async def list(
        self, where: AuditFilter, *, after: Keyset | None, limit: int
    ) -> Sequence[AuditEvent]:
        a = audit_events.c
        conditions = _conditions(where)
        if after is not None:
            bound = tuple_(
                bindparam(None, after.at, type_=a.occurred_at.type),
                bindparam(None, after.id, type_=a.id.type),
            )
            conditions.append(tuple_(a.occurred_at, a.id) < bound)
        stmt = (
            select(audit_events)
            .where(*conditions)
            .order_by(a.occurred_at.desc(), a.id.desc())
            .limit(limit)
        )
        return [_event(r) for r in await self._conn.execute(stmt)]

    async def purge(self, before: datetime) -> int:
        result = await self._conn.execute(
            delete(audit_events).where(audit_events.c.occurred_at < before)
        )
        return result.rowcount
