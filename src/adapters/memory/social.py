"""Follows in memory."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from uuid import UUID

from adapters.memory.store import MemoryState
from application.ports.changes import Changes, FollowsChanged
from application.ports.repositories import FollowRepository
from domain.follow import Follow


class InMemoryFollowRepository(FollowRepository):
    def __init__(self, state: MemoryState, changes: Changes) -> None:
        self._s = state
        self._changes = changes

    async def add(self, follow: Follow) -> bool:
        key = (follow.follower_id, follow.followee_id)
        if key in self._s.follows:
            return False
        self._s.follows[key] = dataclasses.replace(follow, events=[])
        self._changes.record(FollowsChanged(follow.follower_id))
        return True

    async def remove(self, follower_id: UUID, followee_id: UUID) -> None:
        if self._s.follows.pop((follower_id, followee_id), None) is not None:
            self._changes.record(FollowsChanged(follower_id))

    async def exists(self, follower_id: UUID, followee_id: UUID) -> bool:
        return (follower_id, followee_id) in self._s.follows

    async def followers(
        self, followee_id: UUID, *, after: UUID | None, limit: int
    ) -> Sequence[UUID]:
        ids = sorted(f for f, e in self._s.follows if e == followee_id)
        return [i for i in ids if after is None or i > after][:limit]
