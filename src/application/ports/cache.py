"""Cache-aside storage of ready-to-send bytes, invalidated by namespace generations.

What a write invalidates is decided in application/cache_policy.py. An entry lives at
(namespace, key) under the namespace's current generation. A write bumps
the generation of each namespace it touched, after its transaction commits; entries of older
generations are never read again and expire by TTL. So a reader that loaded old data
before a write can only ever store it into a dead generation: it cannot resurrect it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from application.ports.repositories import AuthState


@dataclass(frozen=True, slots=True)
class CacheLookup:
    """What `lookup` found (None on a miss) and where: `store` puts a value back there."""

    value: bytes | None
    generation: str
    namespace: str
    key: str
    also: Sequence[str] = ()


class Cache(Protocol):
    async def lookup(self, namespace: str, key: str, also: Sequence[str] = ()) -> CacheLookup:
        """The entry at the current generation (None on a miss) and that generation. An entry
        that also depends on other namespaces names them in `also`: a new generation of any
        of them retires it."""
        ...

    async def store(self, slot: CacheLookup, value: bytes, ttl_seconds: int) -> None:
        """Store `value` where `slot` (a lookup's answer) was, unless its generation is gone."""
        ...

    async def invalidate(self, namespaces: Iterable[str]) -> None:
        """Start a new generation for each namespace. Called only after a commit."""
        ...


@dataclass(frozen=True, slots=True)
class AuthStateLookup:
    state: AuthState | None  # None on a miss
    generation: str


class AuthStateCache(Protocol):
    """A user's auth state per session, typed; the adapter chooses how it is stored. It is
    retired with the user's namespace (every user write and session revocation)."""

    async def lookup(self, user_id: UUID, session_id: UUID) -> AuthStateLookup: ...

    async def store(
        self, user_id: UUID, session_id: UUID, generation: str, state: AuthState
    ) -> None: ...
