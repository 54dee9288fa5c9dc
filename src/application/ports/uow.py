from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from application.ports.audit import AuditRepository
from application.ports.idempotency import IdempotencyKeyRepository
from application.ports.repositories import (
    EmailTokenRepository,
    FollowRepository,
    NotificationRepository,
    OutboxRepository,
    PostRepository,
    RefreshTokenRepository,
    UserRepository,
)
from domain.events import DomainEvent
from domain.post import Post


class WriteInReadUnitOfWork(RuntimeError):
    """A programming error: a use case wired to a read unit of work tried to write."""


class ReadUnitOfWork(Protocol):
    """Reads that need no transaction: each statement sees committed data. It has no
    `commit`, and every adapter refuses a write through its repositories with
    `WriteInReadUnitOfWork`. One instance serves one use-case call."""

    users: UserRepository
    posts: PostRepository
    follows: FollowRepository
    refresh_tokens: RefreshTokenRepository
    email_tokens: EmailTokenRepository
    notifications: NotificationRepository
    outbox: OutboxRepository
    audit: AuditRepository
    idempotency_keys: IdempotencyKeyRepository

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class UnitOfWork(ReadUnitOfWork, Protocol):
    """One atomic business transaction.

    Use as `async with uow:`; leaving the block without `commit()` rolls everything back.
    `commit()` writes the domain events collected with `collect()` to the outbox in the same
    transaction as the state change, so an event exists exactly when its change does. Audit
    events (`audit.add`) follow the same rule: they commit or roll back with their change.
    After the commit, what the repositories recorded as changed retires its cache namespaces
    (application/cache_policy.py). One instance serves one use-case call.
    """

    def collect(self, events: list[DomainEvent]) -> None: ...

    async def commit(self) -> None: ...


class DraftInserts(Protocol):
    """Stores a new draft as one statement of its own (a draft has no events and invalidates
    no cache entry): the fast path of creating a post."""

    async def insert(self, post: Post) -> None: ...
