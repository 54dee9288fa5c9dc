"""Publishing in SQL: posts, the public list and feeds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Row, Select, bindparam, delete, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sqlalchemy.tables import follows, posts
from application.errors import ConcurrentUpdate
from application.ports.changes import Changes, PostChanged, PostDeleted
from application.ports.repositories import Keyset, PostRepository
from domain.post import Post, PostStatus
from domain.values import Body, Title


def post_row(post: Post) -> dict[str, Any]:
    return {
        "id": post.id,
        "author_id": post.author_id,
        "title": post.title.value,
        "body": post.body.value,
        "status": post.status.value,
        "published_at": post.published_at,
        "created_at": post.created_at,
        "updated_at": post.updated_at,
        "version": post.version,
    }


def _post(row: Row[Any]) -> Post:
    m = row._mapping
    return Post(
        id=m["id"],
        author_id=m["author_id"],
        title=Title(m["title"]),
        body=Body(m["body"]),
        status=PostStatus(m["status"]),
        published_at=m["published_at"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        version=m["version"],
    )


# Built once, rows come as parameters: no statement to build per call (see bench/README.md).
INSERT_POST = insert(posts)


class SqlAlchemyPostRepository(PostRepository):
    def __init__(self, conn: AsyncConnection, changes: Changes) -> None:
        self._conn = conn
        self._changes = changes

    async def add(self, post: Post) -> None:
        await self._conn.execute(INSERT_POST, post_row(post))

    async def get(self, post_id: UUID) -> Post | None:
        row = (await self._conn.execute(select(posts).where(posts.c.id == post_id))).first()
        return _post(row) if row else None

    async def update(self, post: Post, *, expected_version: int) -> None:
        result = await self._conn.execute(
            update(posts)
            .where(posts.c.id == post.id, posts.c.version == expected_version)
            .values(post_row(post))
        )
        if result.rowcount != 1:
            raise ConcurrentUpdate("The post was changed concurrently.")
        self._changes.record(PostChanged(post.id, post.is_published))

    async def delete(self, post_id: UUID) -> None:
        await self._conn.execute(delete(posts).where(posts.c.id == post_id))
        self._changes.record(PostDeleted(post_id))

    async def list_published(
        self, *, author_id: UUID | None, after: Keyset | None, limit: int
    ) -> Sequence[Post]:
        stmt = _NEWEST_PUBLISHED[("author" if author_id else "all", after is not None)]
        params = {"author_id": author_id, **_page_params(after, limit)}
        return [_post(r) for r in await self._conn.execute(stmt, params)]

    async def feed(self, follower_id: UUID, *, after: Keyset | None, limit: int) -> Sequence[Post]:
        stmt = _NEWEST_PUBLISHED[("feed", after is not None)]
        params = {"follower_id": follower_id, **_page_params(after, limit)}
        return [_post(r) for r in await self._conn.execute(stmt, params)]


def _newest_published(scope: str, paged: bool) -> Select[Any]:
    stmt = (
        select(posts)
        .where(posts.c.status == PostStatus.PUBLISHED.value)
        .order_by(posts.c.published_at.desc(), posts.c.id.desc())
        .limit(bindparam("limit"))
    )
    if scope == "author":
        stmt = stmt.where(posts.c.author_id == bindparam("author_id"))
    elif scope == "feed":
        followed = select(follows.c.followee_id).where(
            follows.c.follower_id == bindparam("follower_id")
        )
        stmt = stmt.where(posts.c.author_id.in_(followed))
    if paged:
        key = tuple_(posts.c.published_at, posts.c.id)
        bound = tuple_(
            bindparam("after_at", type_=posts.c.published_at.type),
            bindparam("after_id", type_=posts.c.id.type),
        )
        stmt = stmt.where(key < bound)
    return stmt


# Built once: the hottest reads skip building a statement and computing its cache key.
_NEWEST_PUBLISHED = {
    (scope, paged): _newest_published(scope, paged)
    for scope in ("all", "author", "feed")
    for paged in (False, True)
}


def _page_params(after: Keyset | None, limit: int) -> dict[str, Any]:
    if after is None:
        return {"limit": limit}
    return {"limit": limit, "after_at": after.at, "after_id": after.id}
