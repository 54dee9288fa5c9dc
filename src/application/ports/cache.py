"""Cache-aside storage of ready-to-send bytes, invalidated by namespace generations.

An entry lives at (namespace, key) under the namespace's current generation. A write bumps
the generation of each namespace it touched, after its transaction commits; entries of older
generations are never read again and expire by TTL. So a reader that loaded old data
before a write can only ever store it into a dead generation: it cannot resurrect it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

POSTS_FIRST_PAGE = "posts:first-page"


def post_namespace(post_id: UUID) -> str:
    return f"post:{post_id}"


def user_namespace(user_id: UUID) -> str:
    return f"user:{user_id}"


def touched_by_post_write(post_id: UUID, published: bool) -> list[str]:
    """A published post's change also changes the public list."""
    return [post_namespace(post_id), POSTS_FIRST_PAGE] if published else [post_namespace(post_id)]


@dataclass(frozen=True, slots=True)
class CacheLookup:
    value: bytes | None
    generation: str


class Cache(Protocol):
    async def lookup(self, namespace: str, key: str) -> CacheLookup:
        """The entry at the current generation (None on a miss) and that generation."""
        ...

    async def store(
        self, namespace: str, key: str, generation: str, value: bytes, ttl_seconds: int
    ) -> None: ...

    async def invalidate(self, namespaces: Iterable[str]) -> None:
        """Start a new generation for each namespace. Called only after a commit."""
        ...
