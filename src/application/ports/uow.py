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


class UnitOfWork(Protocol):
    """One atomic business transaction.

    Use as `async with uow:`; leaving the block without `commit()` rolls everything back.
    `commit()` writes the domain events collected with `collect()` to the outbox in the same
    transaction as the state change, so an event exists exactly when its change does. Audit
    events (`audit.add`) follow the same rule: they commit or roll back with their change.
    One instance serves one use-case call.
    """

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

    def collect(self, events: list[DomainEvent]) -> None: ...

    async def commit(self) -> None: ...
