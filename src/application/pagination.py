"""Opaque keyset cursors: base64url of (timestamp, id). Clients must treat them as opaque."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar
from uuid import UUID

from application.errors import InvalidCursor
from application.ports.repositories import Keyset

T = TypeVar("T")
V = TypeVar("V")

MAX_CURSOR_LENGTH = 200


def encode_cursor(keyset: Keyset) -> str:
    raw = json.dumps([keyset.at.isoformat(), str(keyset.id)], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> Keyset | None:
    if cursor is None:
        return None
    try:
        if len(cursor) > MAX_CURSOR_LENGTH:
            raise ValueError("too long")
        padded = cursor + "=" * (-len(cursor) % 4)
        at, id_ = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        if not (isinstance(at, str) and isinstance(id_, str)):
            raise TypeError("cursor parts must be strings")
        moment = datetime.fromisoformat(at)
        if moment.tzinfo is None:
            raise ValueError("naive timestamp")
        return Keyset(at=moment.astimezone(UTC), id=UUID(id_))
    except (ValueError, TypeError, OverflowError, binascii.Error, UnicodeError):
        raise InvalidCursor("The cursor is not one this API issued.") from None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def page_of(
    rows: Sequence[V], limit: int, key: Callable[[V], Keyset], view: Callable[[V], T]
) -> Page[T]:
    """Repositories are asked for limit + 1 rows; the extra one says whether a next page exists."""
    items = list(rows[:limit])
    next_cursor = encode_cursor(key(items[-1])) if len(rows) > limit and items else None
    return Page(items=[view(item) for item in items], next_cursor=next_cursor)
