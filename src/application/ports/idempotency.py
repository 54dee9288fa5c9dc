from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class IdempotencyClaim:
    """`owner` is True for the first request with the key: it runs and must `complete`.
    Otherwise `fingerprint` says what the first request was and `response` is its answer,
    or None while it is still running."""

    owner: bool
    fingerprint: str
    response: StoredResponse | None


class IdempotencyStore(Protocol):
    async def claim(self, key: str, fingerprint: str, ttl_seconds: int) -> IdempotencyClaim:
        """Atomically become the owner of `key`, or learn about the request that is. The
        claim is short-lived (`ttl_seconds`): an owner that dies frees the key soon."""
        ...

    async def complete(self, key: str, response: StoredResponse, ttl_seconds: int) -> None: ...

    async def release(self, key: str) -> None:
        """The owner failed without an answer worth replaying; let a retry run again."""
        ...
