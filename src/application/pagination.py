"""Opaque keyset cursors, tagged with a key so only issued ones are accepted."""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, Protocol, TypeVar
from uuid import UUID

from application.errors import InvalidCursor
from application.ports.repositories import Keyset
from application.ports.uow import ReadUnitOfWork
from application.views import Actor

T = TypeVar("T")
V = TypeVar("V")

MAX_CURSOR_LENGTH = 200


class Cursors:
    """Issues and reads the opaque keyset cursors of every list: base64url of
    (timestamp, id) and a tag keyed by a secret and by the list (its `scope`: which list,
    which filter, whose). A cursor this service did not issue for that list is refused, so a
    client cannot invent page boundaries, and every cached page is one a real cursor names."""

    _TAG_BYTES = 12

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("a cursor key needs at least 16 bytes")
        self._key = key

    def _tag(self, scope: str, payload: bytes) -> str:
        message = scope.encode() + b"\n" + payload
        digest = hmac.digest(self._key, message, "sha256")[: self._TAG_BYTES]
        return base64.urlsafe_b64encode(digest).decode()

    def encode(self, keyset: Keyset, scope: str) -> str:
        raw = json.dumps([keyset.at.isoformat(), str(keyset.id)], separators=(",", ":"))
        payload = base64.urlsafe_b64encode(raw.encode()).rstrip(b"=")
        return f"{payload.decode()}.{self._tag(scope, payload)}"

    def decode(self, cursor: str | None, scope: str) -> Keyset | None:
        if cursor is None:
            return None
        try:
            if len(cursor) > MAX_CURSOR_LENGTH:
                raise ValueError("too long")
            payload, _, tag = cursor.encode("ascii").partition(b".")
            if not hmac.compare_digest(tag, self._tag(scope, payload).encode()):
                raise ValueError("not issued here")
            padded = payload + b"=" * (-len(payload) % 4)
            at, id_ = json.loads(base64.urlsafe_b64decode(padded))
            if not (isinstance(at, str) and isinstance(id_, str)):
                raise TypeError("cursor parts must be strings")
            moment = datetime.fromisoformat(at)
            if moment.tzinfo is None:
                raise ValueError("naive timestamp")
            return Keyset(at=moment.astimezone(UTC), id=UUID(id_))
        except (ValueError, TypeError, OverflowError, binascii.Error, UnicodeError):
            raise InvalidCursor("The cursor is not one this API issued.") from None

    def page(
        self,
        rows: Sequence[V],
        limit: int,
        key: Callable[[V], Keyset],
        view: Callable[[V], T],
        scope: str,
    ) -> Page[T]:
        """Repositories are asked for limit + 1 rows; the extra one says whether a next page
        exists."""
        items = list(rows[:limit])
        next_cursor = self.encode(key(items[-1]), scope) if len(rows) > limit and items else None
        return Page(items=[view(item) for item in items], next_cursor=next_cursor)


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class PageQuery:
    """A caller asking for one page of a list that is theirs (their feed, their
    notifications)."""

    actor: Actor
    limit: int
    cursor: str | None = None


class Window(Protocol):
    """The page a list query asks for (every list query has these)."""

    @property
    def limit(self) -> int: ...
    @property
    def cursor(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class PagedRead:
    """What every list use case takes, and its one way to read a page: decode the cursor
    for the list's `scope`, load limit + 1 rows after it, and cut the page."""

    uow: ReadUnitOfWork
    cursors: Cursors

    async def _page(
        self,
        scope: str,
        window: Window,
        load: Callable[[ReadUnitOfWork, Keyset | None, int], Awaitable[Sequence[V]]],
        key: Callable[[V], Keyset],
        view: Callable[[V], T],
    ) -> Page[T]:
        after = self.cursors.decode(window.cursor, scope)
        async with self.uow as uow:
            rows = await load(uow, after, window.limit + 1)
        return self.cursors.page(rows, window.limit, key, view, scope)
