"""Databases as the release before lookalike keys left them, and rows written the way that
release writes them (it knows no email_skeleton column): for the 0004 migration tests."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from adapters.sqlalchemy import migrate
from adapters.sqlalchemy.engine import create_engine
from adapters.sqlalchemy.tables import posts, users
from tests.integration.conftest import throwaway_database

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@asynccontextmanager
async def database_at(
    revision: str, request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[str]:
    """A SQLite or Postgres database (request.param) migrated to `revision`."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        await asyncio.to_thread(migrate.upgrade, url, revision)
        yield url
        return
    server = request.getfixturevalue("postgres_server")
    async with throwaway_database(server) as url:
        await asyncio.to_thread(migrate.upgrade, url, revision)
        yield url


async def sql(url: str, *statements: sa.Executable) -> list[sa.Row[tuple[object, ...]]]:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            rows: list[sa.Row[tuple[object, ...]]] = []
            for statement in statements:
                result = await conn.execute(statement)
                rows = list(result.all()) if result.returns_rows else rows
            return rows
    finally:
        await engine.dispose()


def old_rows(*emails: str) -> tuple[list[uuid.UUID], list[sa.Executable]]:
    """Inserts of accounts as the code before 0004 stored them (lower-cased, nothing else
    refused, no email_skeleton), each with a post, so that a table rebuild cascading through
    foreign keys would show."""
    ids = [uuid.uuid4() for _ in emails]
    account = {"name": "N", "password_hash": "h", "is_active": True, "is_admin": False}
    stamps = {"token_version": 0, "created_at": T0, "updated_at": T0, "version": 1}
    return ids, [
        users.insert().values(
            [{"id": i, "email": e, **account, **stamps} for i, e in zip(ids, emails, strict=True)]
        ),
        posts.insert().values(
            [
                {"id": uuid.uuid4(), "author_id": i, "title": "t", "body": "b", "status": "draft"}
                | {"version": 1, "published_at": None, "created_at": T0, "updated_at": T0}
                for i in ids
            ]
        ),
    ]


async def old_accounts(url: str, *emails: str) -> list[uuid.UUID]:
    ids, inserts = old_rows(*emails)
    await sql(url, *inserts)
    return ids
