"""One Idempotency-Key, one resource: on Postgres, whether Redis is up, dead, hung or
restarted empty, and whichever replica the retry reaches."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import httpx
import pytest

from entrypoints.container import Container, shutdown
from entrypoints.http.app import create_app
from tests.integration.conftest import OwnRedis, _asyncpg_dsn, sql_container

pytestmark = pytest.mark.integration
PASSWORD = "correct horse battery"
SHARED_SECRET = "replicas-share-this-signing-secret-0123456789"
DRAFT = {"title": "Once", "body": "only once"}


def _replica(database_url: str, redis_url: str) -> Container:
    return sql_container(
        database_url,
        redis_url=redis_url,
        redis_key_prefix="idem:",
        jwt_secret=SHARED_SECRET,
        redis_cooldown_seconds=0.3,
    )


@asynccontextmanager
async def _client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(container))
    async with httpx.AsyncClient(transport=transport, base_url="http://t/api/v1") as client:
        yield client


@asynccontextmanager
async def _two_replicas(
    database_url: str, redis_url: str
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """Two API replicas on one database and Redis, each behind a client of its own."""
    one, two = _replica(database_url, redis_url), _replica(database_url, redis_url)
    try:
        async with _client(one) as a, _client(two) as b:
            yield a, b
    finally:
        await shutdown(one)
        await shutdown(two)


async def _signup(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    made = await client.post("/users", json={"email": email, "password": PASSWORD, "name": "N"})
    assert made.status_code == 201, made.text
    response = await client.post("/auth/token", data={"username": email, "password": PASSWORD})
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def _posts_in_database(database_url: str) -> int:
    conn = await asyncpg.connect(_asyncpg_dsn(database_url))
    try:
        return int(await conn.fetchval("SELECT count(*) FROM posts"))
    finally:
        await conn.close()


def _assert_replay_of(first: httpx.Response, again: httpx.Response) -> None:
    assert again.status_code == 201, again.text
    assert again.json() == first.json()
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["etag"] == first.headers["etag"]


async def test_a_key_replays_its_post_while_redis_is_dead_restarted_empty_or_hung(
    migrated_postgres: str, own_redis: OwnRedis
) -> None:
    container = _replica(migrated_postgres, own_redis.url)
    try:
        async with _client(container) as c:
            auth = await _signup(c, "ada@example.com")
            headers = {**auth, "Idempotency-Key": "create-once"}
            first = await c.post("/posts", json=DRAFT, headers=headers)
            assert first.status_code == 201

            own_redis.kill()
            _assert_replay_of(first, await c.post("/posts", json=DRAFT, headers=headers))

            own_redis.start()  # back, and empty
            await asyncio.sleep(0.4)  # past the breaker's cooldown: Redis is used again
            _assert_replay_of(first, await c.post("/posts", json=DRAFT, headers=headers))

            own_redis.pause()  # hung: keeps its data, answers nothing
            started = time.monotonic()
            hung = await c.post("/posts", json=DRAFT, headers=headers)
            elapsed = time.monotonic() - started
            own_redis.resume()
            _assert_replay_of(first, hung)
            assert elapsed < 1.5
        assert await _posts_in_database(migrated_postgres) == 1
    finally:
        await shutdown(container)


async def test_a_retry_on_another_replica_while_redis_is_dead_replays_or_refuses(
    migrated_postgres: str, own_redis: OwnRedis
) -> None:
    """Redis dies between a create on one replica and its retry on another: the retry still
    replays the first answer, and the same key with another body is still a 422."""
    async with _two_replicas(migrated_postgres, own_redis.url) as (a, b):
        auth = await _signup(a, "ada@example.com")
        headers = {**auth, "Idempotency-Key": "cross-replica"}
        own_redis.kill()
        first = await a.post("/posts", json=DRAFT, headers=headers)
        assert first.status_code == 201
        _assert_replay_of(first, await b.post("/posts", json=DRAFT, headers=headers))
        other = await b.post("/posts", json={**DRAFT, "title": "Twice"}, headers=headers)
        assert other.status_code == 422
        assert other.headers["content-type"] == "application/problem+json"
    assert await _posts_in_database(migrated_postgres) == 1


async def test_concurrent_duplicates_on_two_replicas_without_redis_make_one_post(
    migrated_postgres: str, own_redis: OwnRedis
) -> None:
    async with _two_replicas(migrated_postgres, own_redis.url) as (a, b):
        auth = await _signup(a, "ada@example.com")
        own_redis.kill()
        for round_ in range(5):
            headers = {**auth, "Idempotency-Key": f"race-{round_}-{uuid.uuid4().hex}"}
            answers = await asyncio.gather(
                *(c.post("/posts", json=DRAFT, headers=headers) for c in (a, b, a, b))
            )
            created = [r for r in answers if r.status_code == 201]
            assert all(r.status_code in (201, 409) for r in answers), answers
            assert len({r.json()["id"] for r in created}) == 1
            fresh = [r for r in created if "idempotent-replayed" not in r.headers]
            assert len(fresh) == 1
    assert await _posts_in_database(migrated_postgres) == 5


async def test_a_registration_key_holds_across_replicas_without_redis(
    migrated_postgres: str, own_redis: OwnRedis
) -> None:
    body = {"email": "idem@example.com", "password": PASSWORD, "name": "I"}
    async with _two_replicas(migrated_postgres, own_redis.url) as (a, b):
        own_redis.kill()
        first = await a.post("/users", json=body, headers={"Idempotency-Key": "signup"})
        again = await b.post("/users", json=body, headers={"Idempotency-Key": "signup"})
        assert (first.status_code, again.status_code) == (201, 201), again.text
        assert again.json() == first.json()
        assert again.headers.get("idempotent-replayed") == "true"
