from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NoReturn, TypeVar
from uuid import UUID

from application.operations.outbox import OutboxRecord
from application.ports.idempotency import IdempotencyKey, IdempotencyRecord
from application.ports.repositories import Keyset
from application.ports.uow import WriteInReadUnitOfWork
from domain.audit import AuditEvent
from domain.follow import Follow
from domain.notification import EmailToken, Notification
from domain.post import Post
from domain.session import RefreshToken
from domain.user import User


@dataclass
class MemoryState:
    """The whole in-memory database. Entities stored here are never mutated in place:
    repositories store and hand out copies, so an uncommitted unit of work leaves no trace."""

    users: dict[UUID, User] = field(default_factory=dict)
    posts: dict[UUID, Post] = field(default_factory=dict)
    follows: dict[tuple[UUID, UUID], Follow] = field(default_factory=dict)
    refresh_tokens: dict[UUID, RefreshToken] = field(default_factory=dict)
    email_tokens: dict[UUID, EmailToken] = field(default_factory=dict)
    notifications: dict[UUID, Notification] = field(default_factory=dict)
    outbox: dict[UUID, OutboxRecord] = field(default_factory=dict)
    audit_events: dict[UUID, AuditEvent] = field(default_factory=dict)
    idempotency_keys: dict[IdempotencyKey, IdempotencyRecord] = field(default_factory=dict)

    def copy(self) -> MemoryState:
        return MemoryState(
            users=dict(self.users),
            posts=dict(self.posts),
            follows=dict(self.follows),
            refresh_tokens=dict(self.refresh_tokens),
            email_tokens=dict(self.email_tokens),
            notifications=dict(self.notifications),
            outbox=dict(self.outbox),
            audit_events=dict(self.audit_events),
            idempotency_keys=dict(self.idempotency_keys),
        )

    def read_only(self) -> MemoryState:
        """A snapshot that refuses every change, as a read unit of work's connection does."""
        snapshot = _ReadOnlyState(**{f.name: _ReadOnly(getattr(self, f.name)) for f in _FIELDS})
        object.__setattr__(snapshot, "_sealed", True)
        return snapshot


_FIELDS = dataclasses.fields(MemoryState)


def _refuse(*_args: Any, **_kwargs: Any) -> NoReturn:
    raise WriteInReadUnitOfWork("A read unit of work cannot write; give the use case a UnitOfWork.")


class _ReadOnly(dict[Any, Any]):
    __setitem__ = __delitem__ = pop = popitem = clear = update = setdefault = _refuse
    __ior__ = _refuse


class _ReadOnlyState(MemoryState):
    def __setattr__(self, name: str, value: Any) -> None:
        if getattr(self, "_sealed", False):
            _refuse()
        super().__setattr__(name, value)


E = TypeVar("E", User, Post)


def copy(entity: E) -> E:
    """Entities are stored and handed out as copies, never shared with a caller."""
    return dataclasses.replace(entity, events=[])


R = TypeVar("R")


def keyset_page(
    rows: Iterable[R],
    key: Callable[[R], tuple[datetime, UUID]],
    after: Keyset | None,
    limit: int,
    *,
    newest_first: bool,
) -> list[R]:
    """One page in (time, id) order, resuming strictly past `after`, as the SQL keysets do."""
    ordered = sorted(rows, key=key, reverse=newest_first)
    if after is not None:
        mark = (after.at, after.id)
        ordered = [r for r in ordered if (key(r) < mark if newest_first else key(r) > mark)]
    return ordered[:limit]


class MemoryDatabase:
    """Holds the committed state; a unit of work works on a copy and swaps it in on commit.
    Units of work take `lock` for their whole life (serializable, like SQLite's BEGIN
    IMMEDIATE), so one that awaits mid-way (hashing) cannot overwrite another's commit."""

    def __init__(self) -> None:
        self.state = MemoryState()
        self.lock = asyncio.Lock()
