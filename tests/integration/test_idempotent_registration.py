"""Concurrent repeats of one registration on Postgres, across replicas and client addresses:
one account, and every answer is its 201."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import httpx
import pytest

from entrypoints.container import Container, shutdown
from entrypoints.http.app import create_app
from tests.integration.conftest import _asyncpg_dsn, sql_container

pytestmark = pytest.mark.integration
PASSWORD = "correct horse battery"
SHARED_SECRET = "replicas-share-this-signing-secret-0123456789"


@asynccontextmanager
async def _client(container: Container, host: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(container), client=(host, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://t/api/v1") as client:
        yield client


async def _accounts(database_url: str) -> int:
    conn = await asyncpg.connect(_asyncpg_dsn(database_url))
    try:
        return int(await conn.fetchval("SELECT count(*) FROM users"))
    finally:
        await conn.close()


async def test_concurrent_repeats_of_a_registration_on_two_replicas_all_get_its_201(
    migrated_postgres: str,
) -> None:
    one, two = (sql_container(migrated_postgres, jwt_secret=SHARED_SECRET) for _ in range(2))
    try:
        async with (
            _client(one, "198.51.100.7") as a,
            _client(two, "203.0.113.9") as b,
            _client(one, "192.0.2.44") as c,
        ):
            for round_ in range(4):
                body = {"email": f"racer{round_}@example.com", "password": PASSWORD, "name": "R"}
                headers = {"Idempotency-Key": f"signup-{round_}"}
                answers = await asyncio.gather(
                    *(x.post("/users", json=body, headers=headers) for x in (a, b, c, a, b))
                )
                assert [r.status_code for r in answers] == [201] * 5, [r.text for r in answers]
                assert len({r.text for r in answers}) == 1
                fresh = [r for r in answers if "idempotent-replayed" not in r.headers]
                assert len(fresh) == 1
        assert await _accounts(migrated_postgres) == 4
    finally:
        await shutdown(one)
        await shutdown(two)
