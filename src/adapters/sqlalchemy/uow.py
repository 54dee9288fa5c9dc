from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.sqlalchemy.audit_repository import SqlAlchemyAuditRepository
from adapters.sqlalchemy.engine import STATEMENTS_LEFT, ConnectionGate
from adapters.sqlalchemy.idempotency_repository import SqlAlchemyIdempotencyKeyRepository
from adapters.sqlalchemy.jobs_repositories import (
    SqlAlchemyEmailTokenRepository,
    SqlAlchemyNotificationRepository,
    SqlAlchemyOutboxRepository,
)
from adapters.sqlalchemy.repositories import (
    SqlAlchemyFollowRepository,
    SqlAlchemyPostRepository,
    SqlAlchemyRefreshTokenRepository,
    SqlAlchemyUserRepository,
)
from adapters.sqlalchemy.tables import outbox
from application.errors import StoreUnavailable
from application.outbox import to_message
from application.ports.cache import Cache
from application.ports.jobs import OutboxSignal
from application.ports.system import IdGenerator
from application.ports.text import ConfusableSkeleton
from application.ports.uow import UnitOfWork
from domain.events import DomainEvent


class SqlAlchemyUnitOfWork(UnitOfWork):
    """One connection and one transaction per `async with`. Rolls back unless committed;
    the outbox rows are inserted in the committing transaction.

    `read_only`: autocommit, no BEGIN/ROLLBACK, and no commit. `single_statement`: for use cases
    whose whole change is one statement and no events (creating a draft), on an engine from
    `engine.single_statement`: the statement is its own transaction, two round trips fewer,
    and a second statement raises `SingleStatementViolation`."""

    def __init__(
        self,
        engine: AsyncEngine,
        ids: IdGenerator,
        cache: Cache,
        signal: OutboxSignal,
        skeletons: ConfusableSkeleton,
        *,
        read_only: bool = False,
        single_statement: bool = False,
        gate: ConnectionGate | None = None,
    ) -> None:
        assert not (read_only and single_statement), "one mode at most"
        self._gate = gate
        # Reads run on autocommit connections: no BEGIN/ROLLBACK round trips. They see
        # committed data statement by statement, which is all a single read needs.
        self._read_only = read_only
        self._single_statement = single_statement
        self._engine = engine  # for read_only: an autocommit engine (see engine.autocommit)
        self._signal = signal
        self._skeletons = skeletons
        self._ids = ids
        self._cache = cache
        self._touched: set[str] = set()
        self._conn: AsyncConnection | None = None
        self._events: list[DomainEvent] = []

    async def __aenter__(self) -> Self:
        if self._gate is not None:
            await self._gate.acquire()
        conn: AsyncConnection | None = None
        try:
            conn = await self._engine.connect()
            if self._single_statement:
                conn.info[STATEMENTS_LEFT] = 1
            elif not self._read_only:
                await conn.begin()  # SQLite's BEGIN IMMEDIATE may wait, then fail as busy
        except BaseException as exc:
            try:
                if conn is not None:
                    await conn.close()
            finally:
                if self._gate is not None:
                    self._gate.release()
            if isinstance(exc, OSError):  # refused, unreachable, connect timeout
                raise StoreUnavailable("The database did not answer.") from exc
            raise
        self._conn = conn
        self._events = []
        self._touched.clear()
        self.users = SqlAlchemyUserRepository(self._conn, self._touched, self._skeletons)
        # No transaction of SQLAlchemy's to join here: the one insert may skip its execution path.
        driver_inserts = self._single_statement and self._conn.dialect.name == "postgresql"
        self.posts = SqlAlchemyPostRepository(
            self._conn, self._touched, driver_inserts=driver_inserts
        )
        self.follows = SqlAlchemyFollowRepository(self._conn, self._touched)
        self.refresh_tokens = SqlAlchemyRefreshTokenRepository(self._conn, self._touched)
        self.email_tokens = SqlAlchemyEmailTokenRepository(self._conn)
        self.notifications = SqlAlchemyNotificationRepository(self._conn)
        self.outbox = SqlAlchemyOutboxRepository(self._conn)
        self.audit = SqlAlchemyAuditRepository(self._conn)
        self.idempotency_keys = SqlAlchemyIdempotencyKeyRepository(self._conn)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._conn = self._conn, None
        self._events = []
        if conn is not None:
            try:
                if self._single_statement and not conn.invalidated:
                    conn.info.pop(STATEMENTS_LEFT, None)  # (an invalidated one's info is gone)
                if conn.in_transaction():
                    await conn.rollback()
            finally:
                try:
                    await conn.close()
                finally:
                    if self._gate is not None:
                        self._gate.release()
        # The driver lets some socket errors and its command timeout through unwrapped; inside
        # a unit of work they can only be the database's, so they are named as such here.
        if isinstance(exc, OSError):
            raise StoreUnavailable("The database did not answer.") from exc

    def collect(self, events: list[DomainEvent]) -> None:
        self._events.extend(events)

    async def commit(self) -> None:
        assert self._conn is not None, "commit() outside `async with`"
        assert not self._read_only, "a read-only unit of work cannot commit"
        assert not (self._single_statement and self._events), "events need a transaction"
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
        if not self._single_statement:  # there, the statement committed as it ran
            await self._conn.commit()  # a later statement autobegins a new transaction
        touched = set(self._touched)
        self._touched.clear()
        await self._cache.invalidate(touched)  # only now: a reader can no longer see old rows
        if wrote_events:
            self._signal.notify()
