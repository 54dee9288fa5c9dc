"""What a unit of work changed, as typed records: repositories record them as they write,
and the unit of work hands them to the cache policy (application/cache_policy.py) after
its commit. A repository says what changed, never what that invalidates."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True, slots=True)
class UserChanged:
    user_id: UUID


@dataclass(frozen=True, slots=True)
class UserDeleted:
    """The account and everything of it: its posts (`post_ids`), follows and sessions."""

    user_id: UUID
    post_ids: tuple[UUID, ...]


@dataclass(frozen=True, slots=True)
class PostChanged:
    post_id: UUID
    published: bool  # after the change


@dataclass(frozen=True, slots=True)
class PostDeleted:
    post_id: UUID


@dataclass(frozen=True, slots=True)
class FollowsChanged:
    follower_id: UUID


@dataclass(frozen=True, slots=True)
class SessionsChanged:
    """Sessions of the user were revoked."""

    user_id: UUID


Change = UserChanged | UserDeleted | PostChanged | PostDeleted | FollowsChanged | SessionsChanged


class Changes:
    """The changes one unit of work has made so far (the `seen` of cosmicpython)."""

    __slots__ = ("_seen",)

    def __init__(self) -> None:
        self._seen: list[Change] = []

    def record(self, change: Change) -> None:
        self._seen.append(change)

    def __iter__(self) -> Iterator[Change]:
        return iter(self._seen)

    def __bool__(self) -> bool:
        return bool(self._seen)

    def clear(self) -> None:
        self._seen.clear()
