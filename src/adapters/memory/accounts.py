"""Accounts in memory: users, sessions (refresh tokens) and one-time email tokens."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from adapters.memory.store import MemoryState, copy, keyset_page
from application.errors import ConcurrentUpdate, EmailAlreadyRegistered
from application.ports.changes import Changes, SessionsChanged, UserChanged, UserDeleted
from application.ports.repositories import (
    AuthState,
    EmailTokenRepository,
    Keyset,
    RefreshTokenRepository,
    UserRepository,
)
from application.ports.text import ConfusableSkeleton
from domain.notification import EmailToken
from domain.session import RefreshToken
from domain.user import User
from domain.values import Email


class InMemoryUserRepository(UserRepository):
    def __init__(self, state: MemoryState, changes: Changes, skeletons: ConfusableSkeleton) -> None:
        self._s = state
        self._changes = changes
        self._skeletons = skeletons

    def _lookalikes(self, email: Email) -> list[User]:
        key = self._skeletons.of(email.as_read)
        return [u for u in self._s.users.values() if self._skeletons.of(u.email.as_read) == key]

    def _check_email_free(self, user: User) -> None:
        if any(u.id != user.id for u in self._lookalikes(user.email)):
            raise EmailAlreadyRegistered()

    async def add(self, user: User) -> None:
        self._check_email_free(user)
        self._s.users[user.id] = copy(user)

    async def get(self, user_id: UUID) -> User | None:
        user = self._s.users.get(user_id)
        return copy(user) if user else None

    async def auth_state(self, user_id: UUID, session_id: UUID) -> AuthState | None:
        user = self._s.users.get(user_id)
        if user is None:
            return None
        alive = any(
            t.family_id == session_id and t.revoked_at is None
            for t in self._s.refresh_tokens.values()
        )
        return AuthState(user.is_active, user.is_admin, user.token_version, alive)

    async def get_by_email(self, email: Email) -> User | None:
        return next((copy(u) for u in self._s.users.values() if u.email == email), None)

    async def get_by_lookalike(self, email: Email) -> User | None:
        return next((copy(u) for u in self._lookalikes(email)), None)

    async def update(self, user: User, *, expected_version: int) -> None:
        stored = self._s.users.get(user.id)
        if stored is None or stored.version != expected_version:
            raise ConcurrentUpdate("The user was changed concurrently.")
        self._check_email_free(user)
        self._s.users[user.id] = copy(user)
        self._changes.record(UserChanged(user.id))

    async def delete(self, user_id: UUID) -> None:
        s = self._s
        their_posts = tuple(p.id for p in s.posts.values() if p.author_id == user_id)
        self._changes.record(UserDeleted(user_id, their_posts))
        s.users.pop(user_id, None)
        s.posts = {k: p for k, p in s.posts.items() if p.author_id != user_id}
        s.follows = {k: f for k, f in s.follows.items() if user_id not in k}
        s.refresh_tokens = {k: t for k, t in s.refresh_tokens.items() if t.user_id != user_id}

    async def list(self, *, after: Keyset | None, limit: int) -> Sequence[User]:
        users = self._s.users.values()
        page = keyset_page(users, lambda u: (u.created_at, u.id), after, limit, newest_first=False)
        return [copy(u) for u in page]


T = TypeVar("T", RefreshToken, EmailToken)


def _use_once(tokens: dict[UUID, T], token_id: UUID, now: datetime) -> bool:
    """Marks the token used; False when it is unknown or was used already."""
    token = tokens.get(token_id)
    if token is None or token.used_at is not None:
        return False
    tokens[token_id] = dataclasses.replace(token, used_at=now)
    return True


class InMemoryRefreshTokenRepository(RefreshTokenRepository):
    def __init__(self, state: MemoryState, changes: Changes) -> None:
        self._s = state
        self._changes = changes

    async def add(self, token: RefreshToken) -> None:
        self._s.refresh_tokens[token.id] = dataclasses.replace(token)

    async def get_by_hash(self, token_hash: str) -> RefreshToken | None:
        return next(
            (
                dataclasses.replace(t)
                for t in self._s.refresh_tokens.values()
                if t.token_hash == token_hash
            ),
            None,
        )

    async def mark_used(self, token_id: UUID, now: datetime) -> bool:
        return _use_once(self._s.refresh_tokens, token_id, now)

    async def purge_expired(self, now: datetime) -> int:
        tokens = self._s.refresh_tokens
        expired = [key for key, token in tokens.items() if token.is_expired(now)]
        for key in expired:
            del tokens[key]
        return len(expired)

    def _revoke_where(self, now: datetime, match: Callable[[RefreshToken], bool]) -> int:
        tokens, revoked = self._s.refresh_tokens, 0
        for key, token in list(tokens.items()):
            if token.revoked_at is None and match(token):
                tokens[key] = dataclasses.replace(token, revoked_at=now)
                self._changes.record(SessionsChanged(token.user_id))
                revoked += 1
        return revoked

    async def revoke_family(self, family_id: UUID, now: datetime) -> bool:
        return self._revoke_where(now, lambda t: t.family_id == family_id) > 0

    async def revoke_all_for_user(
        self, user_id: UUID, now: datetime, *, except_family: UUID | None = None
    ) -> None:
        self._revoke_where(now, lambda t: t.user_id == user_id and t.family_id != except_family)


class InMemoryEmailTokenRepository(EmailTokenRepository):
    def __init__(self, state: MemoryState) -> None:
        self._s = state

    async def add(self, token: EmailToken) -> None:
        if not any(t.event_id == token.event_id for t in self._s.email_tokens.values()):
            self._s.email_tokens[token.id] = dataclasses.replace(token)

    async def get_by_hash(self, token_hash: str) -> EmailToken | None:
        found = (t for t in self._s.email_tokens.values() if t.token_hash == token_hash)
        return next((dataclasses.replace(t) for t in found), None)

    async def spend(self, token_id: UUID, now: datetime) -> bool:
        return _use_once(self._s.email_tokens, token_id, now)

    async def spend_all(self, user_id: UUID, purpose: str, now: datetime) -> None:
        for key, t in list(self._s.email_tokens.items()):
            if t.user_id == user_id and t.purpose == purpose and t.used_at is None:
                self._s.email_tokens[key] = dataclasses.replace(t, used_at=now)
