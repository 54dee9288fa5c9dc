from __future__ import annotations

from types import TracebackType
from typing import Self

from adapters.memory.audit import InMemoryAuditRepository
from adapters.memory.idempotency import InMemoryIdempotencyKeyRepository
from adapters.memory.jobs_repositories import (
    InMemoryEmailTokenRepository,
    InMemoryNotificationRepository,
    InMemoryOutboxRepository,
)
from adapters.memory.repositories import (
    InMemoryFollowRepository,
    InMemoryPostRepository,
    InMemoryRefreshTokenRepository,
    InMemoryUserRepository,
)
from adapters.memory.store import MemoryDatabase, MemoryState
from application.outbox import to_message
from application.ports.cache import Cache
from application.ports.jobs import OutboxSignal
from application.ports.system import IdGenerator
from application.ports.text import ConfusableSkeleton
from application.ports.uow import UnitOfWork
from domain.events import DomainEvent


class InMemoryUnitOfWork(UnitOfWork):
    """Works on a copy of the committed state under the database lock; commit swaps the
    copy in, rollback just drops it."""

    def __init__(
        self,
        db: MemoryDatabase,
        ids: IdGenerator,
        cache: Cache,
        signal: OutboxSignal,
        skeletons: ConfusableSkeleton,
    ) -> None:
        self._db = db
        self._skeletons = skeletons
        self._signal = signal
        self._ids = ids
        self._cache = cache
        self._touched: set[str] = set()
        self._events: list[DomainEvent] = []
        self._state = MemoryState()

    def _work_on(self, state: MemoryState) -> None:
        self._state = state
        self.users = InMemoryUserRepository(state, self._touched, self._skeletons)
        self.posts = InMemoryPostRepository(state, self._touched)
        self.follows = InMemoryFollowRepository(state, self._touched)
        self.refresh_tokens = InMemoryRefreshTokenRepository(state, self._touched)
        self.email_tokens = InMemoryEmailTokenRepository(state)
        self.notifications = InMemoryNotificationRepository(state)
        self.outbox = InMemoryOutboxRepository(state)
        self.audit = InMemoryAuditRepository(state)
        self.idempotency_keys = InMemoryIdempotencyKeyRepository(state)

    async def __aenter__(self) -> Self:
        await self._db.lock.acquire()
        self._work_on(self._db.state.copy())
        self._events = []
        self._touched.clear()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._events = []
        self._db.lock.release()

    def collect(self, events: list[DomainEvent]) -> None:
        self._events.extend(events)

    async def commit(self) -> None:
        for event in self._events:
            self.outbox.append(to_message(self._ids.new(), event))
        wrote_events, self._events = bool(self._events), []
        self._db.state = self._state
        touched = set(self._touched)
        self._touched.clear()
        self._work_on(self._state.copy())
        await self._cache.invalidate(touched)  # only now: a commit happened
        if wrote_events:
            self._signal.notify()
