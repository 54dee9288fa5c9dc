"""Accounts in SQL: sessions (refresh-token families) and one-time email tokens."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Row, Table, and_, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sqlalchemy.statements import on_conflict_do_nothing
from adapters.sqlalchemy.tables import email_tokens, refresh_tokens
from application.ports.changes import Changes, SessionsChanged
from application.ports.repositories import EmailTokenRepository, RefreshTokenRepository
from domain.notification import EmailToken
from domain.session import RefreshToken


def _refresh(row: Row[Any]) -> RefreshToken:
    return RefreshToken(**row._mapping)


async def _use_once(conn: AsyncConnection, tokens: Table, token_id: UUID, now: datetime) -> bool:
    """Marks the token used; False when it is unknown or was used already (by a racer too)."""
    result = await conn.execute(
        update(tokens)
        .where(tokens.c.id == token_id, tokens.c.used_at.is_(None))
        .values(used_at=now)
    )
    return result.rowcount == 1


_INSERT_REFRESH_TOKEN = insert(refresh_tokens)  # built once; rows come as parameters


class SqlAlchemyRefreshTokenRepository(RefreshTokenRepository):
    def __init__(self, conn: AsyncConnection, changes: Changes) -> None:
        self._conn = conn
        self._changes = changes

    async def add(self, token: RefreshToken) -> None:
        await self._conn.execute(_INSERT_REFRESH_TOKEN, dataclasses.asdict(token))

    async def get_by_hash(self, token_hash: str) -> RefreshToken | None:
        stmt = select(refresh_tokens).where(refresh_tokens.c.token_hash == token_hash)
        row = (await self._conn.execute(stmt)).first()
        return _refresh(row) if row else None

    async def mark_used(self, token_id: UUID, now: datetime) -> bool:
        return await _use_once(self._conn, refresh_tokens, token_id, now)

    async def revoke_family(self, family_id: UUID, now: datetime) -> bool:
        owners = await self._conn.execute(
            select(refresh_tokens.c.user_id)
            .where(refresh_tokens.c.family_id == family_id)
            .distinct()
        )
        for (owner,) in owners:
            self._changes.record(SessionsChanged(owner))
        return await self._revoke(refresh_tokens.c.family_id == family_id, now) > 0

    async def revoke_all_for_user(
        self, user_id: UUID, now: datetime, *, except_family: UUID | None = None
    ) -> None:
        self._changes.record(SessionsChanged(user_id))
        condition = refresh_tokens.c.user_id == user_id
        if except_family is not None:
            condition = and_(condition, refresh_tokens.c.family_id != except_family)
        await self._revoke(condition, now)

    async def purge_expired(self, now: datetime) -> int:
        result = await self._conn.execute(
            delete(refresh_tokens).where(refresh_tokens.c.expires_at <= now)
        )
        return result.rowcount

    async def _revoke(self, condition: ColumnElement[bool], now: datetime) -> int:
        result = await self._conn.execute(
            update(refresh_tokens)
            .where(condition, refresh_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return result.rowcount


class SqlAlchemyEmailTokenRepository(EmailTokenRepository):
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, token: EmailToken) -> None:
        stmt = on_conflict_do_nothing(self._conn, email_tokens, "event_id")
        await self._conn.execute(stmt.values(dataclasses.asdict(token)))

    async def get_by_hash(self, token_hash: str) -> EmailToken | None:
        stmt = select(email_tokens).where(email_tokens.c.token_hash == token_hash)
        row = (await self._conn.execute(stmt)).first()
        return EmailToken(**row._mapping) if row else None

    async def spend(self, token_id: UUID, now: datetime) -> bool:
        return await _use_once(self._conn, email_tokens, token_id, now)

    async def spend_all(self, user_id: UUID, purpose: str, now: datetime) -> None:
        await self._conn.execute(
            update(email_tokens)
            .where(
                email_tokens.c.user_id == user_id,
                email_tokens.c.purpose == purpose,
                email_tokens.c.used_at.is_(None),
            )
            .values(used_at=now)
        )
