"""Publishing in memory: posts, the public list and feeds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from adapters.memory.store import MemoryState, copy, keyset_page
from application.errors import ConcurrentUpdate
from application.ports.changes import Changes, PostChanged, PostDeleted
from application.ports.repositories import Keyset, PostRepository
from domain.post import Post


def _newest_first(posts: list[Post], after: Keyset | None, limit: int) -> list[Post]:
    def key(p: Post) -> tuple[datetime, UUID]:
        assert p.published_at is not None
        return (p.published_at, p.id)

    return [copy(p) for p in keyset_page(posts, key, after, limit, newest_first=True)]


class InMemoryPostRepository(PostRepository):
    def __init__(self, state: MemoryState, changes: Changes) -> None:
        self._s = state
        self._changes = changes

    async def add(self, post: Post) -> None:
        self._s.posts[post.id] = copy(post)

    async def get(self, post_id: UUID) -> Post | None:
        post = self._s.posts.get(post_id)
        return copy(post) if post else None

    async def update(self, post: Post, *, expected_version: int) -> None:
        stored = self._s.posts.get(post.id)
        if stored is None or stored.version != expected_version:
            raise ConcurrentUpdate("The post was changed concurrently.")
        self._s.posts[post.id] = copy(post)
        self._changes.record(PostChanged(post.id, post.is_published))

    async def delete(self, post_id: UUID) -> None:
        self._s.posts.pop(post_id, None)
        self._changes.record(PostDeleted(post_id))

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
