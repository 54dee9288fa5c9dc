from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.sqlalchemy.accounts import SqlAlchemyUserRepository
from adapters.sqlalchemy.audit_repository import SqlAlchemyAuditRepository
from adapters.sqlalchemy.credentials import (
    SqlAlchemyEmailTokenRepository,
    SqlAlchemyRefreshTokenRepository,
)
from adapters.sqlalchemy.engine import ConnectionGate, as_store_error
from adapters.sqlalchemy.idempotency_repository import SqlAlchemyIdempotencyKeyRepository
from adapters.sqlalchemy.notifications import SqlAlchemyNotificationRepository
from adapters.sqlalchemy.operations import SqlAlchemyOutboxRepository
from adapters.sqlalchemy.publishing import SqlAlchemyPostRepository
from adapters.sqlalchemy.social import SqlAlchemyFollowRepository
from adapters.sqlalchemy.tables import outbox
from application.cache_policy import retired_by
from application.operations.outbox import to_message
from application.ports.cache import Cache
from application.ports.changes import Changes
from application.ports.jobs import OutboxSignal
from application.ports.system import IdGenerator
from application.ports.text import ConfusableSkeleton
from application.ports.uow import ReadUnitOfWork, UnitOfWork
from domain.events import DomainEvent


class _SqlAlchemyConnectionScope(ReadUnitOfWork):
    """One pooled connection per `async with`, taken at the gate. Leaving rolls back what was
    not committed; a database that could not serve becomes the application's StoreUnavailable
    here, so no caller has to know the driver's errors."""

    _begin = False

    def _reset(self) -> None:
        self._changes.clear()

    def __init__(
        self, engine: AsyncEngine, skeletons: ConfusableSkeleton, gate: ConnectionGate | None
    ) -> None:
        self._engine = engine
        self._skeletons = skeletons
        self._gate = gate
        self._changes = Changes()
        self._conn: AsyncConnection | None = None

    async def __aenter__(self) -> Self:
        if self._gate is not None:
            await self._gate.acquire()
        conn: AsyncConnection | None = None
        try:
            conn = await self._engine.connect()
            if self._begin:
                await conn.begin()  # SQLite's BEGIN IMMEDIATE may wait, then fail as busy
        except BaseException as exc:
            try:
                if conn is not None:
                    await conn.close()
            finally:
                if self._gate is not None:
                    self._gate.release()
            if (error := as_store_error(exc)) is not None:
                raise error from exc
            raise
        self._conn = conn
        self._reset()
        self.users = SqlAlchemyUserRepository(conn, self._changes, self._skeletons)
        self.posts = SqlAlchemyPostRepository(conn, self._changes)
        self.follows = SqlAlchemyFollowRepository(conn, self._changes)
        self.refresh_tokens = SqlAlchemyRefreshTokenRepository(conn, self._changes)
        self.email_tokens = SqlAlchemyEmailTokenRepository(conn)
        self.notifications = SqlAlchemyNotificationRepository(conn)
        self.outbox = SqlAlchemyOutboxRepository(conn)
        self.audit = SqlAlchemyAuditRepository(conn)
        self.idempotency_keys = SqlAlchemyIdempotencyKeyRepository(conn)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._conn = self._conn, None
        self._reset()
        if conn is not None:
            try:
                if conn.in_transaction():
                    await conn.rollback()
            finally:
                try:
                    await conn.close()
                finally:
                    if self._gate is not None:
                        self._gate.release()
        if exc is not None and (error := as_store_error(exc)) is not None:
            raise error from exc


class SqlAlchemyReadUnitOfWork(_SqlAlchemyConnectionScope):
    """On an engine from `engine.read_only`: autocommit, so no BEGIN/ROLLBACK round trips; each
    statement sees committed data, which is all a single read needs. A write raises."""

    def __init__(
        self,
        engine: AsyncEngine,
        skeletons: ConfusableSkeleton,
        *,
        gate: ConnectionGate | None = None,
    ) -> None:
        super().__init__(engine, skeletons, gate)


class SqlAlchemyUnitOfWork(_SqlAlchemyConnectionScope, UnitOfWork):
    """One transaction per `async with`. Rolls back unless committed; the outbox rows are
    inserted in the committing transaction."""

    _begin = True

    def __init__(
        self,
        engine: AsyncEngine,
        ids: IdGenerator,
        cache: Cache,
        signal: OutboxSignal,
        skeletons: ConfusableSkeleton,
        *,
        gate: ConnectionGate | None = None,
    ) -> None:
        super().__init__(engine, skeletons, gate)
        self._signal = signal
        self._ids = ids
        self._cache = cache
        self._events: list[DomainEvent] = []

    def _reset(self) -> None:
        self._events = []
        self._changes.clear()

    def collect(self, events: list[DomainEvent]) -> None:
        self._events.extend(events)

    async def commit(self) -> None:
        assert self._conn is not None, "commit() outside `async with`"
        wrote_events = bool(self._events)
        if self._events:
            messages = [to_message(self._ids.new(), e) for e in self._events]
            await self._conn.execute(
                insert(outbox),
                [
                    {
                        "id": m.id,
                        "topic": m.topic,
                        "payload": m.payload,
                        "occurred_at": m.occurred_at,
                        "attempts": 0,
                    }
                    for m in messages
                ],
            )
            self._events = []
        await self._conn.commit()  # a later statement autobegins a new transaction
        retired = retired_by(self._changes)
        self._changes.clear()
        await self._cache.invalidate(retired)  # only now: a reader can no longer see old rows
        if wrote_events:
            self._signal.notify()
