"""Cache-aside storage of ready-to-send bytes, invalidated by namespace generations.

An entry lives at (namespace, key) under the namespace's current generation. A write bumps
the generation of each namespace it touched, after its transaction commits; entries of older
generations are never read again and expire by TTL. So a reader that loaded old data
before a write can only ever store it into a dead generation: it cannot resurrect it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

PUBLISHED_POSTS = "posts:published"
"""Every page of the public list and of every feed depends on it: any change to which posts
are published, or to a published post, starts a new generation."""


def post_namespace(post_id: UUID) -> str:
    return f"post:{post_id}"


def user_namespace(user_id: UUID) -> str:
    return f"user:{user_id}"


def feed_namespace(user_id: UUID) -> str:
    """A user's feed pages; their follows and unfollows start a new generation (the posts in
    it are covered by PUBLISHED_POSTS, which feed entries also depend on)."""
    return f"feed:{user_id}"


def touched_by_post_write(post_id: UUID, published: bool) -> list[str]:
    """A published post's change also changes the public list and the feeds."""
    return [post_namespace(post_id), PUBLISHED_POSTS] if published else [post_namespace(post_id)]


@dataclass(frozen=True, slots=True)
class CacheLookup:
    value: bytes | None
    generation: str


class Cache(Protocol):
    async def lookup(self, namespace: str, key: str, also: Sequence[str] = ()) -> CacheLookup:
        """The entry at the current generation (None on a miss) and that generation. An entry
        that also depends on other namespaces names them in `also`: a new generation of any
        of them retires it."""
        ...

    async def store(
        self,
        namespace: str,
        key: str,
        generation: str,
        value: bytes,
        ttl_seconds: int,
        also: Sequence[str] = (),
    ) -> None: ...

    async def invalidate(self, namespaces: Iterable[str]) -> None:
        """Start a new generation for each namespace. Called only after a commit."""
        ...
