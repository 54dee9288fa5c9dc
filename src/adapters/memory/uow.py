from __future__ import annotations

from types import TracebackType
from typing import Self

from adapters.memory.accounts import (
    InMemoryEmailTokenRepository,
    InMemoryRefreshTokenRepository,
    InMemoryUserRepository,
)
from adapters.memory.audit import InMemoryAuditRepository
from adapters.memory.idempotency import InMemoryIdempotencyKeyRepository
from adapters.memory.notifications import InMemoryNotificationRepository
from adapters.memory.operations import InMemoryOutboxRepository
from adapters.memory.publishing import InMemoryPostRepository
from adapters.memory.social import InMemoryFollowRepository
from adapters.memory.store import MemoryDatabase, MemoryState, copy
from application.cache_policy import retired_by
from application.operations.outbox import to_message
from application.ports.cache import Cache
from application.ports.changes import Changes
from application.ports.jobs import OutboxSignal
from application.ports.system import IdGenerator
from application.ports.text import ConfusableSkeleton
from application.ports.uow import DraftInserts, ReadUnitOfWork, UnitOfWork
from domain.events import DomainEvent
from domain.post import Post


class _InMemoryRepositories(ReadUnitOfWork):
    def __init__(self, skeletons: ConfusableSkeleton) -> None:
        self._skeletons = skeletons
        self._changes = Changes()

    def _work_on(self, state: MemoryState) -> None:
        self._state = state
        self.users = InMemoryUserRepository(state, self._changes, self._skeletons)
        self.posts = InMemoryPostRepository(state, self._changes)
        self.follows = InMemoryFollowRepository(state, self._changes)
        self.refresh_tokens = InMemoryRefreshTokenRepository(state, self._changes)
        self.email_tokens = InMemoryEmailTokenRepository(state)
        self.notifications = InMemoryNotificationRepository(state)
        self.outbox = InMemoryOutboxRepository(state)
        self.audit = InMemoryAuditRepository(state)
        self.idempotency_keys = InMemoryIdempotencyKeyRepository(state)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._leave()

    def _leave(self) -> None:
        """What leaving the block undoes (nothing for a snapshot)."""


class InMemoryReadUnitOfWork(_InMemoryRepositories):
    """Reads a snapshot of the committed state that refuses every write, so a use case wired
    to the wrong kind fails in `make test` as it would on SQL."""

    def __init__(self, db: MemoryDatabase, skeletons: ConfusableSkeleton) -> None:
        super().__init__(skeletons)
        self._db = db

    async def __aenter__(self) -> Self:
        self._work_on(self._db.state.read_only())
        return self


class InMemoryUnitOfWork(_InMemoryRepositories, UnitOfWork):
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
        super().__init__(skeletons)
        self._db = db
        self._signal = signal
        self._ids = ids
        self._cache = cache
        self._events: list[DomainEvent] = []

    async def __aenter__(self) -> Self:
        await self._db.lock.acquire()
        self._work_on(self._db.state.copy())
        self._events = []
        self._changes.clear()
        return self

    def _leave(self) -> None:
        self._events = []
        self._changes.clear()
        self._db.lock.release()

    def collect(self, events: list[DomainEvent]) -> None:
        self._events.extend(events)

    async def commit(self) -> None:
        for event in self._events:
            self.outbox.append(to_message(self._ids.new(), event))
        wrote_events, self._events = bool(self._events), []
        self._db.state = self._state
        retired = retired_by(self._changes)
        self._changes.clear()
        self._work_on(self._state.copy())
        await self._cache.invalidate(retired)  # only now: a commit happened
        if wrote_events:
            self._signal.notify()


class InMemoryDraftInserts(DraftInserts):
    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db

    async def insert(self, post: Post) -> None:
        async with self._db.lock:  # not while a unit of work holds a copy of the state
            self._db.state.posts[post.id] = copy(post)
