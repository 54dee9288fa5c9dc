"""Repositories: collections of aggregates inside one unit of work. They never commit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from application.operations.outbox import OutboxRecord
from domain.follow import Follow
from domain.notification import EmailToken, Notification
from domain.post import Post
from domain.session import RefreshToken
from domain.user import User
from domain.values import Email


@dataclass(frozen=True, slots=True)
class Keyset:
    """Position after which a page starts: the sort key and the id of the last item seen."""

    at: datetime
    id: UUID


@dataclass(frozen=True, slots=True)
class AuthState:
    """What authenticating a bearer token needs to know, in one read."""

    is_active: bool
    is_admin: bool
    token_version: int
    session_active: bool


class UserRepository(Protocol):
    async def auth_state(self, user_id: UUID, session_id: UUID) -> AuthState | None:
        """The user's standing and whether that session (refresh family) is still alive."""
        ...

    async def add(self, user: User) -> None:
        """Insert; raise application.errors.EmailAlreadyRegistered when another account's
        address is the same or a lookalike (the same confusable skeleton, see
        ports.text.ConfusableSkeleton): the store enforces it, so racing writers cannot both
        succeed."""
        ...

    async def get(self, user_id: UUID) -> User | None: ...

    async def get_by_email(self, email: Email) -> User | None:
        """The account with exactly this (normalised) address: what login and reset use, so
        a lookalike never finds the account it imitates."""
        ...

    async def get_by_lookalike(self, email: Email) -> User | None:
        """The account whose address has the confusable skeleton of `email` (its own
        address included), if any."""
        ...

    async def update(self, user: User, *, expected_version: int) -> None:
        """Write the user back; raise application.errors.ConcurrentUpdate if the stored
        version is no longer `expected_version`, EmailAlreadyRegistered as `add` does."""
        ...

    async def delete(self, user_id: UUID) -> None:
        """Remove the user with their posts, follows and refresh tokens."""
        ...

    async def list(self, *, after: Keyset | None, limit: int) -> Sequence[User]:
        """Oldest first by (created_at, id)."""
        ...


class PostRepository(Protocol):
    async def add(self, post: Post) -> None: ...

    async def get(self, post_id: UUID) -> Post | None: ...

    async def update(self, post: Post, *, expected_version: int) -> None:
        """Raise application.errors.ConcurrentUpdate if the stored version moved on."""
        ...

    async def delete(self, post_id: UUID) -> None: ...

    async def list_published(
        self, *, author_id: UUID | None, after: Keyset | None, limit: int
    ) -> Sequence[Post]:
        """Published posts, newest first by (published_at, id)."""
        ...

    async def feed(self, follower_id: UUID, *, after: Keyset | None, limit: int) -> Sequence[Post]:
        """Published posts by the users `follower_id` follows, newest first."""
        ...


class FollowRepository(Protocol):
    async def add(self, follow: Follow) -> bool:
        """Insert if absent; True when it was new."""
        ...

    async def remove(self, follower_id: UUID, followee_id: UUID) -> None: ...

    async def exists(self, follower_id: UUID, followee_id: UUID) -> bool: ...

    async def followers(
        self, followee_id: UUID, *, after: UUID | None, limit: int
    ) -> Sequence[UUID]:
        """Follower ids in id order, after `after`: batches for a fan-out."""
        ...


class RefreshTokenRepository(Protocol):
    async def add(self, token: RefreshToken) -> None: ...

    async def get_by_hash(self, token_hash: str) -> RefreshToken | None: ...

    async def mark_used(self, token_id: UUID, now: datetime) -> bool:
        """Spend the token; False when it was already spent (a concurrent or replayed use)."""
        ...

    async def revoke_family(self, family_id: UUID, now: datetime) -> bool:
        """End a session; True when it was live until now."""
        ...

    async def revoke_all_for_user(
        self, user_id: UUID, now: datetime, *, except_family: UUID | None = None
    ) -> None: ...

    async def purge_expired(self, now: datetime) -> int:
        """Delete tokens past their expiry; return how many went."""
        ...


class EmailTokenRepository(Protocol):
    async def add(self, token: EmailToken) -> None:
        """Insert unless a token for the same event exists (a re-run of the same job)."""
        ...

    async def get_by_hash(self, token_hash: str) -> EmailToken | None: ...

    async def spend(self, token_id: UUID, now: datetime) -> bool:
        """Mark used; False when it already was (a concurrent use)."""
        ...

    async def spend_all(self, user_id: UUID, purpose: str, now: datetime) -> None: ...


class NotificationRepository(Protocol):
    async def add_many(self, notifications: Sequence[Notification]) -> int:
        """Insert those not yet there (same event and recipient); return how many were new."""
        ...

    async def list_for(
        self, recipient_id: UUID, *, after: Keyset | None, limit: int
    ) -> Sequence[Notification]:
        """Newest first by (created_at, id)."""
        ...

    async def mark_read(self, notification_id: UUID, recipient_id: UUID, now: datetime) -> bool:
        """False when there is no such notification of this recipient."""
        ...


class OutboxRepository(Protocol):
    async def claim_due(
        self, limit: int, *, stale_before: datetime | None = None
    ) -> Sequence[OutboxRecord]:
        """Never dispatched, or (with `stale_before`) dispatched before it and still neither
        processed nor dead: a job that was lost. Oldest first; on Postgres rows are locked
        (SKIP LOCKED) until the transaction ends, so concurrent relays never share one."""
        ...

    async def mark_dispatched(self, ids: Sequence[UUID], now: datetime) -> None:
        """Set dispatched_at; count the dispatch in `attempts`."""
        ...

    async def release_unfinished(self) -> int:
        """Forget the dispatch of every message neither processed nor dead (single-process
        embedded mode, at start: the tasks that held them died with the last process)."""
        ...

    async def get(self, message_id: UUID) -> OutboxRecord | None: ...

    async def mark_processed(self, message_id: UUID, now: datetime) -> None: ...

    async def mark_dead(
        self, message_id: UUID, error: str, attempts: int, now: datetime
    ) -> None: ...

    async def list_dead(self, limit: int) -> Sequence[OutboxRecord]: ...

    async def requeue_dead(self) -> int:
        """Give every dead message a fresh start (after the cause was fixed)."""
        ...

    async def purge_processed(self, before: datetime) -> int: ...
