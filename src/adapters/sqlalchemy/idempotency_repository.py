"""SQL for Idempotency-Keys."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sqlalchemy.tables import idempotency_keys
from application.errors import IdempotencyKeyInUse
from application.ports.idempotency import (
    IdempotencyKey,
    IdempotencyKeyRepository,
    IdempotencyRecord,
    StoredResponse,
)

_K = idempotency_keys.c
_PRIMARY_KEY = ["scope", "path", "key"]


def _record(row: Row[Any]) -> IdempotencyRecord:
    m = row._mapping
    return IdempotencyRecord(
        key=IdempotencyKey(m["scope"], m["path"], m["key"]),
        fingerprint=m["fingerprint"],
        response=StoredResponse(m["status"], dict(m["headers"]), bytes(m["body"])),
        created_at=m["created_at"],
        expires_at=m["expires_at"],
    )


class SqlAlchemyIdempotencyKeyRepository(IdempotencyKeyRepository):
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, record: IdempotencyRecord) -> None:
        # One statement decides: an insert, or the takeover of an expired record. On Postgres
        # an insert meeting a row another transaction is still writing waits for it; once
        # that one commits, the WHERE fails and no row is written (SQLite's BEGIN IMMEDIATE
        # has already serialised the two). Nothing written means the key is held.
        insert_ = pg_insert if self._conn.dialect.name == "postgresql" else sqlite_insert
        values = {
            "scope": record.key.scope,
            "path": record.key.path,
            "key": record.key.key,
            "fingerprint": record.fingerprint,
            "status": record.response.status,
            "headers": record.response.headers,
            "body": record.response.body,
            "created_at": record.created_at,
            "expires_at": record.expires_at,
        }
        stmt = insert_(idempotency_keys).values(values)
        stmt = stmt.on_conflict_do_update(
            index_elements=_PRIMARY_KEY,
            set_={name: stmt.excluded[name] for name in values if name not in _PRIMARY_KEY},
            where=_K.expires_at <= stmt.excluded.created_at,
        )
        result = await self._conn.execute(stmt)
        if result.rowcount != 1:
            raise IdempotencyKeyInUse("A request with this Idempotency-Key is in progress.")

    async def get(self, key: IdempotencyKey) -> IdempotencyRecord | None:
        row = (
            await self._conn.execute(
                select(idempotency_keys).where(
                    _K.scope == key.scope, _K.path == key.path, _K.key == key.key
                )
            )
        ).first()
        return None if row is None else _record(row)

    async def purge_expired(self, now: datetime, limit: int) -> int:
        batch = (
            select(_K.scope, _K.path, _K.key)
            .where(_K.expires_at <= now)
            .order_by(_K.expires_at)
            .limit(limit)
        )
        result = await self._conn.execute(
            delete(idempotency_keys).where(tuple_(_K.scope, _K.path, _K.key).in_(batch))
        )
        return result.rowcount
