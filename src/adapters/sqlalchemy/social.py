"""Follows in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import delete, exists, select
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sqlalchemy.statements import on_conflict_do_nothing
from adapters.sqlalchemy.tables import follows
from application.ports.changes import Changes, FollowsChanged
from application.ports.repositories import FollowRepository
from domain.follow import Follow


class SqlAlchemyFollowRepository(FollowRepository):
    def __init__(self, conn: AsyncConnection, changes: Changes) -> None:
        self._conn = conn
        self._changes = changes

    async def add(self, follow: Follow) -> bool:
        # A concurrent follow of the same pair is not an error, and needs no savepoint.
        stmt = on_conflict_do_nothing(self._conn, follows, "follower_id", "followee_id").values(
            follower_id=follow.follower_id,
            followee_id=follow.followee_id,
            created_at=follow.created_at,
        )
        result = await self._conn.execute(stmt)
        if result.rowcount != 1:
            return False
        self._changes.record(FollowsChanged(follow.follower_id))
        return True

    async def remove(self, follower_id: UUID, followee_id: UUID) -> None:
        result = await self._conn.execute(
            delete(follows).where(
                follows.c.follower_id == follower_id, follows.c.followee_id == followee_id
            )
        )
        if result.rowcount:
            self._changes.record(FollowsChanged(follower_id))

    async def exists(self, follower_id: UUID, followee_id: UUID) -> bool:
        stmt = select(
            exists().where(
                follows.c.follower_id == follower_id, follows.c.followee_id == followee_id
            )
        )
        return bool((await self._conn.execute(stmt)).scalar())

    async def followers(
        self, followee_id: UUID, *, after: UUID | None, limit: int
    ) -> Sequence[UUID]:
        stmt = (
            select(follows.c.follower_id)
            .where(follows.c.followee_id == followee_id)
            .order_by(follows.c.follower_id)
            .limit(limit)
        )
        if after is not None:
            stmt = stmt.where(follows.c.follower_id > after)
        return list((await self._conn.execute(stmt)).scalars())
