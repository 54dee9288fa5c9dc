from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from adapters.memory.store import MemoryState
from application.errors import ConcurrentUpdate, EmailAlreadyRegistered
from application.ports.cache import (
    PUBLISHED_POSTS,
    feed_namespace,
    post_namespace,
    touched_by_post_write,
    user_namespace,
)
from application.ports.repositories import (
    AuthState,
    FollowRepository,
    Keyset,
    PostRepository,
    RefreshTokenRepository,
    UserRepository,
)
from application.ports.text import ConfusableSkeleton
from domain.follow import Follow
from domain.post import Post
from domain.session import RefreshToken
from domain.user import User
from domain.values import Email

E = TypeVar("E", User, Post)


def _copy(entity: E) -> E:
    return dataclasses.replace(entity, events=[])


class InMemoryUserRepository(UserRepository):
    def __init__(
        self, state: MemoryState, touched: set[str], skeletons: ConfusableSkeleton
    ) -> None:
        self._s = state
        self._touched = touched
        self._skeletons = skeletons

    def _lookalikes(self, email: Email) -> list[User]:
        key = self._skeletons.of(email.as_read)
        return [u for u in self._s.users.values() if self._skeletons.of(u.email.as_read) == key]

    def _check_email_free(self, user: User) -> None:
        if any(u.id != user.id for u in self._lookalikes(user.email)):
            raise EmailAlreadyRegistered()

    async def add(self, user: User) -> None:
        self._check_email_free(user)
        self._s.users[user.id] = _copy(user)

    async def get(self, user_id: UUID) -> User | None:
        user = self._s.users.get(user_id)
        return _copy(user) if user else None

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
        return next((_copy(u) for u in self._s.users.values() if u.email == email), None)

    async def get_by_lookalike(self, email: Email) -> User | None:
        return next((_copy(u) for u in self._lookalikes(email)), None)

    async def update(self, user: User, *, expected_version: int) -> None:
        stored = self._s.users.get(user.id)
        if stored is None or stored.version != expected_version:
            raise ConcurrentUpdate("The user was changed concurrently.")
        self._check_email_free(user)
        self._s.users[user.id] = _copy(user)
        self._touched.add(user_namespace(user.id))

    async def delete(self, user_id: UUID) -> None:
        s = self._s
        self._touched.update(
            [user_namespace(user_id), PUBLISHED_POSTS]
            + [post_namespace(p.id) for p in s.posts.values() if p.author_id == user_id]
        )
        s.users.pop(user_id, None)
        s.posts = {k: p for k, p in s.posts.items() if p.author_id != user_id}
        s.follows = {k: f for k, f in s.follows.items() if user_id not in k}
        s.refresh_tokens = {k: t for k, t in s.refresh_tokens.items() if t.user_id != user_id}

    async def list(self, *, after: Keyset | None, limit: int) -> Sequence[User]:
        users = sorted(self._s.users.values(), key=lambda u: (u.created_at, u.id))
        if after is not None:
            users = [u for u in users if (u.created_at, u.id) > (after.at, after.id)]
        return [_copy(u) for u in users[:limit]]


def _newest_first(posts: list[Post], after: Keyset | None, limit: int) -> list[Post]:
    def key(p: Post) -> tuple[datetime, UUID]:
        assert p.published_at is not None
        return (p.published_at, p.id)

    posts = sorted(posts, key=key, reverse=True)
    if after is not None:
        posts = [p for p in posts if key(p) < (after.at, after.id)]
    return [_copy(p) for p in posts[:limit]]


class InMemoryPostRepository(PostRepository):
    def __init__(self, state: MemoryState, touched: set[str]) -> None:
        self._s = state
        self._touched = touched

    async def add(self, post: Post) -> None:
        self._s.posts[post.id] = _copy(post)

    async def get(self, post_id: UUID) -> Post | None:
        post = self._s.posts.get(post_id)
        return _copy(post) if post else None

    async def update(self, post: Post, *, expected_version: int) -> None:
        stored = self._s.posts.get(post.id)
        if stored is None or stored.version != expected_version:
            raise ConcurrentUpdate("The post was changed concurrently.")
        self._s.posts[post.id] = _copy(post)
        self._touched.update(touched_by_post_write(post.id, post.is_published))

    async def delete(self, post_id: UUID) -> None:
        self._s.posts.pop(post_id, None)
        self._touched.update(touched_by_post_write(post_id, True))

    async def list_published(
        self, *, author_id: UUID | None, after: Keyset | None, limit: int
    ) -> Sequence[Post]:
        posts = [
            p
            for p in self._s.posts.values()
            if p.is_published and (author_id is None or p.author_id == author_id)
        ]
        return _newest_first(posts, after, limit)

    async def feed(self, follower_id: UUID, *, after: Keyset | None, limit: int) -> Sequence[Post]:
        followed = {followee for follower, followee in self._s.follows if follower == follower_id}
        posts = [p for p in self._s.posts.values() if p.is_published and p.author_id in followed]
        return _newest_first(posts, after, limit)


class InMemoryFollowRepository(FollowRepository):
    def __init__(self, state: MemoryState, touched: set[str]) -> None:
        self._s = state
        self._touched = touched  # a follow or unfollow changes the follower's feed

    async def add(self, follow: Follow) -> bool:
        key = (follow.follower_id, follow.followee_id)
        if key in self._s.follows:
            return False
        self._s.follows[key] = dataclasses.replace(follow, events=[])
        self._touched.add(feed_namespace(follow.follower_id))
        return True

    async def remove(self, follower_id: UUID, followee_id: UUID) -> None:
        if self._s.follows.pop((follower_id, followee_id), None) is not None:
            self._touched.add(feed_namespace(follower_id))

    async def exists(self, follower_id: UUID, followee_id: UUID) -> bool:
        return (follower_id, followee_id) in self._s.follows

    async def followers(
        self, followee_id: UUID, *, after: UUID | None, limit: int
    ) -> Sequence[UUID]:
        ids = sorted(f for f, e in self._s.follows if e == followee_id)
        return [i for i in ids if after is None or i > after][:limit]


class InMemoryRefreshTokenRepository(RefreshTokenRepository):
    def __init__(self, state: MemoryState, touched: set[str]) -> None:
        self._s = state
        self._touched = touched  # a revoked session invalidates its owner's cached auth state

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
        token = self._s.refresh_tokens.get(token_id)
        if token is None or token.used_at is not None:
            return False
        self._s.refresh_tokens[token_id] = dataclasses.replace(token, used_at=now)
        return True

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
                self._touched.add(user_namespace(token.user_id))
                revoked += 1
        return revoked

    async def revoke_family(self, family_id: UUID, now: datetime) -> bool:
        return self._revoke_where(now, lambda t: t.family_id == family_id) > 0

    async def revoke_all_for_user(
        self, user_id: UUID, now: datetime, *, except_family: UUID | None = None
    ) -> None:
        self._revoke_where(now, lambda t: t.user_id == user_id and t.family_id != except_family)
