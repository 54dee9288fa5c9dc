"""Idempotency-Keys: one key, one resource.

A use case whose command carries an `Idempotency` writes the answer to replay in the same
transaction as the resource it creates, so the key and the resource commit or roll back
together, whatever else is up or down. A repeat finds the committed answer and replays it;
the same key with another request is refused. Of two concurrent requests with one key, the
database's primary key lets one commit; the other rolls back and replays the winner's answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Generic, TypeVar

from application.errors import IdempotencyKeyReused
from application.ports.idempotency import IdempotencyKey, IdempotencyRecord, StoredResponse
from application.ports.system import Clock
from application.ports.uow import ReadUnitOfWork, UnitOfWork

V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class Idempotency(Generic[V]):
    """What a command carries when its caller sent an Idempotency-Key. `render` is the
    edge's: it turns the use case's result into the answer to store (and later replay)."""

    key: IdempotencyKey
    fingerprint: str
    render: Callable[[V], StoredResponse]


@dataclass(frozen=True, slots=True)
class IdempotencyKeys:
    """Records the answer under its key inside the caller's unit of work; the answer is
    kept `keep` (then a repeat makes a new resource, and the purge deletes the record).
    Use cases remember the key before their own checks and writes: a concurrent repeat then
    meets the key (IdempotencyKeyInUse, replayed) and never what the first one made."""

    clock: Clock
    keep: timedelta

    async def remember(self, uow: UnitOfWork, idempotency: Idempotency[V], result: V) -> None:
        now = self.clock.now()
        await uow.idempotency_keys.add(
            IdempotencyRecord(
                key=idempotency.key,
                fingerprint=idempotency.fingerprint,
                response=idempotency.render(result),
                created_at=now,
                expires_at=now + self.keep,
            )
        )


@dataclass(frozen=True, slots=True)
class IdempotentReplyQuery:
    key: IdempotencyKey
    fingerprint: str  # of the request now sent with the key


@dataclass(frozen=True, slots=True)
class FindIdempotentReply:
    """The answer a live key holds, to replay; None when the key is free. The same key sent
    with another request (another fingerprint) is refused."""

    uow: ReadUnitOfWork
    clock: Clock

    async def execute(self, query: IdempotentReplyQuery) -> StoredResponse | None:
        async with self.uow as uow:
            record = await uow.idempotency_keys.get(query.key)
        if record is None or record.expires_at <= self.clock.now():
            return None
        if record.fingerprint != query.fingerprint:
            raise IdempotencyKeyReused("This Idempotency-Key was used with a different request.")
        return record.response
