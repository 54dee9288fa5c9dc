"""Reading posts: one post, the published list and the caller's feed (the visibility rule
is `publishing.posts.visible`)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.pagination import Cursors, Page
from application.ports.repositories import Keyset
from application.ports.uow import ReadUnitOfWork
from application.publishing.posts import visible
from application.views import Actor, PostView
from domain.post import Post


def _published_key(post: Post) -> Keyset:
    assert post.published_at is not None
    return Keyset(post.published_at, post.id)


@dataclass(frozen=True, slots=True)
class GetPostQuery:
    actor: Actor | None  # None: an anonymous reader
    post_id: UUID


@dataclass(frozen=True, slots=True)
class GetPost:
    uow: ReadUnitOfWork

    async def execute(self, query: GetPostQuery) -> PostView:
        async with self.uow as uow:
            post = visible(await uow.posts.get(query.post_id), query.actor)
        return PostView.of(post)


@dataclass(frozen=True, slots=True)
class ListPostsQuery:
    author_id: UUID | None  # None: every author's
    limit: int
    cursor: str | None = None


@dataclass(frozen=True, slots=True)
class ListPosts:
    """Published posts only, newest first; optionally one author's."""

    uow: ReadUnitOfWork
    cursors: Cursors

    async def execute(self, query: ListPostsQuery) -> Page[PostView]:
        author_id, limit = query.author_id, query.limit
        scope = "posts" if author_id is None else f"posts:author:{author_id}"
        after = self.cursors.decode(query.cursor, scope)
        async with self.uow as uow:
            posts = await uow.posts.list_published(
                author_id=author_id, after=after, limit=limit + 1
            )
        return self.cursors.page(posts, limit, _published_key, PostView.of, scope)


@dataclass(frozen=True, slots=True)
class FeedQuery:
    actor: Actor
    limit: int
    cursor: str | None = None


@dataclass(frozen=True, slots=True)
class GetFeed:
    """Published posts of the users the caller follows, newest first."""

    uow: ReadUnitOfWork
    cursors: Cursors

    async def execute(self, query: FeedQuery) -> Page[PostView]:
        reader, limit = query.actor.user_id, query.limit
        scope = f"feed:{reader}"
        after = self.cursors.decode(query.cursor, scope)
        async with self.uow as uow:
            posts = await uow.posts.feed(reader, after=after, limit=limit + 1)
        return self.cursors.page(posts, limit, _published_key, PostView.of, scope)
