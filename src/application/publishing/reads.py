"""Reading posts: one post, the published list and the caller's feed (the visibility rule
is `publishing.posts.visible`)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.pagination import Page, PagedRead, PageQuery
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
class ListPosts(PagedRead):
    """Published posts only, newest first; optionally one author's."""

    async def execute(self, query: ListPostsQuery) -> Page[PostView]:
        author_id = query.author_id
        scope = "posts" if author_id is None else f"posts:author:{author_id}"
        return await self._page(
            scope,
            query,
            lambda uow, after, n: uow.posts.list_published(
                author_id=author_id, after=after, limit=n
            ),
            _published_key,
            PostView.of,
        )


@dataclass(frozen=True, slots=True)
class GetFeed(PagedRead):
    """Published posts of the users the caller follows, newest first."""

    async def execute(self, query: PageQuery) -> Page[PostView]:
        reader = query.actor.user_id
        return await self._page(
            f"feed:{reader}",
            query,
            lambda uow, after, n: uow.posts.feed(reader, after=after, limit=n),
            _published_key,
            PostView.of,
        )
