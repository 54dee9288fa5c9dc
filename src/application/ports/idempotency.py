"""Where Idempotency-Keys and the answers they replay are kept: the database, written in the
transaction of the change they answer, so a key and its resource commit or roll back together."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class IdempotencyKey:
    scope: str  # whose keys these are: "user:<id>", "address:<keyed fingerprint>"
    path: str  # the endpoint: one key may name a request on each
    key: str


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """The answer as the edge rendered it; replayed byte for byte."""

    status: int
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    key: IdempotencyKey
    fingerprint: str  # of the request that made the resource
    response: StoredResponse
    created_at: datetime
    expires_at: datetime


class IdempotencyKeyRepository(Protocol):
    async def add(self, record: IdempotencyRecord) -> None:
        """Insert, replacing an expired record of the same key (expired at
        `record.created_at`). Raise application.errors.IdempotencyKeyInUse while a live record
        holds the key. A record another transaction is still writing holds it too: the store
        waits for that transaction's outcome (the primary key decides), so of two concurrent
        requests with one key exactly one commits."""
        ...

    async def get(self, key: IdempotencyKey) -> IdempotencyRecord | None:
        """The committed record, expired or not."""
        ...

    async def purge_expired(self, now: datetime, limit: int) -> int:
        """Delete up to `limit` records expired at `now`; return how many went."""
        ...
