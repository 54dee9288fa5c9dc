"""Redis adapters against a real Redis (and Postgres): several containers here play the part
of several API replicas sharing one Postgres and one Redis."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from redis.asyncio import Redis

from application.ports.limits import Rate
from entrypoints.container import Container, shutdown
from entrypoints.http.app import create_app
from tests.integration.conftest import OwnRedis, sql_container

pytestmark = pytest.mark.integration
PASSWORD = "correct horse battery"
SHARED_SECRET = "replicas-share-this-signing-secret-0123456789"


def _replica(database_url: str, redis_url: str, prefix: str, **settings: object) -> Container:
    return sql_container(
        database_url,
        redis_url=redis_url,
        redis_key_prefix=prefix,
        jwt_secret=SHARED_SECRET,
        **settings,
    )


@pytest.fixture
async def replicas(
    migrated_postgres: str, redis_server: str, redis_prefix: str
) -> AsyncIterator[tuple[Container, Container]]:
    """Two containers on one Postgres and one Redis: two API replicas, in one process."""
    one, two = (_replica(migrated_postgres, redis_server, redis_prefix) for _ in range(2))
    yield one, two
    await shutdown(one)
    await shutdown(two)


@asynccontextmanager
async def _client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(container))
    async with httpx.AsyncClient(transport=transport, base_url="http://t/api/v1") as client:
        yield client


async def _keys(redis_url: str, pattern: str) -> list[bytes]:
    client = Redis.from_url(redis_url)
    try:
        return [key async for key in client.scan_iter(match=pattern)]
    finally:
        await client.aclose()


async def _signup(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    await client.post("/users", json={"email": email, "password": PASSWORD, "name": "N"})
    response = await client.post("/auth/token", data={"username": email, "password": PASSWORD})
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_cache_hit_miss_and_invalidation_across_replicas(
    replicas: tuple[Container, Container], redis_server: str, redis_prefix: str
) -> None:
    one, two = replicas
    async with _client(one) as a, _client(two) as b:
        auth = await _signup(a, "ada@example.com")
        post = (await a.post("/posts", json={"title": "v1", "body": "b"}, headers=auth)).json()
        await a.post(f"/posts/{post['id']}/publish", headers=auth)
        url = f"/posts/{post['id']}"
        assert (await b.get(url)).json()["title"] == "v1"  # miss on b: stored in Redis
        assert await _keys(redis_server, f"{redis_prefix}cache:entry:post:*")
        assert (await a.get(url)).json()["title"] == "v1"  # hit on a
        await a.patch(url, json={"title": "v2"}, headers=auth)
        assert (await b.get(url)).json()["title"] == "v2"  # never stale on the other
        assert [p["title"] for p in (await b.get("/posts")).json()["items"]] == ["v2"]
        await a.delete(url, headers=auth)
        assert (await b.get(url)).status_code == 404
        assert (await b.get("/posts")).json()["items"] == []


async def test_feed_and_deep_pages_cached_on_one_replica_are_fresh_on_the_other(
    replicas: tuple[Container, Container], redis_server: str, redis_prefix: str
) -> None:
    one, two = replicas
    async with _client(one) as a, _client(two) as b:
        ada = await _signup(a, "ada@example.com")
        bob = await _signup(a, "bob@example.com")
        ada_id = (await a.get("/users/me", headers=ada)).json()["id"]
        ids = []
        for i in range(21):
            made = await a.post("/posts", json={"title": f"p{i}", "body": "b"}, headers=ada)
            ids.append(made.json()["id"])
            await a.post(f"/posts/{ids[-1]}/publish", headers=ada)
        await a.put(f"/users/{ada_id}/follow", headers=bob)
        deep = {"cursor": (await b.get("/posts")).json()["next_cursor"]}
        assert [p["title"] for p in (await b.get("/posts", params=deep)).json()["items"]] == ["p0"]
        first = (await b.get("/feed", headers=bob)).json()
        assert len(first["items"]) == 20
        deep_feed = {"cursor": first["next_cursor"]}
        feed = (await b.get("/feed", params=deep_feed, headers=bob)).json()["items"]
        assert [p["title"] for p in feed] == ["p0"]  # cached now, as the list's deep page
        assert await _keys(redis_server, f"{redis_prefix}cache:entry:feed:*")
        assert await _keys(redis_server, f"{redis_prefix}cache:entry:posts:published:*")

        await a.patch(
            f"/posts/{ids[0]}", json={"title": "edited"}, headers={**ada, "If-Match": "*"}
        )
        assert [p["title"] for p in (await b.get("/posts", params=deep)).json()["items"]] == [
            "edited"
        ]
        feed = (await b.get("/feed", params=deep_feed, headers=bob)).json()["items"]
        assert [p["title"] for p in feed] == ["edited"]
        await a.delete(f"/users/{ada_id}/follow", headers=bob)
        assert (await b.get("/feed", headers=bob)).json()["items"] == []


async def test_parallel_hits_on_two_replicas_never_pass_more_than_the_limit(
    replicas: tuple[Container, Container],
) -> None:
    one, two = replicas
    rate = Rate(limit=10, window_seconds=60)
    hits = [c.rate_limiter().hit("k", rate) for c in (one, two) for _ in range(40)]
    decisions = await asyncio.gather(*hits)
    assert sum(d.allowed for d in decisions) == 10
    assert all(d.retry_after_seconds > 0 for d in decisions if not d.allowed)
    assert not (await one.rate_limiter().peek("k", rate)).allowed
    await two.rate_limiter().reset("k")
    assert (await one.rate_limiter().peek("k", rate)).allowed


async def test_idempotency_keys_are_shared_by_replicas(
    replicas: tuple[Container, Container],
) -> None:
    """Through the database they share (see test_idempotency_outages for Redis outages)."""
    one, two = replicas
    async with _client(one) as a, _client(two) as b:
        auth = await _signup(a, "ada@example.com")
        headers = {**auth, "Idempotency-Key": "create-1"}
        made = await a.post("/posts", json={"title": "t", "body": "b"}, headers=headers)
        replayed = await b.post("/posts", json={"title": "t", "body": "b"}, headers=headers)
        assert replayed.json() == made.json()
        assert replayed.headers["idempotent-replayed"] == "true"
        clash = await b.post("/posts", json={"title": "u", "body": "b"}, headers=headers)
        assert clash.status_code == 422


async def _timed(call: object) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response: httpx.Response = await call  # type: ignore[misc]
    return response, time.monotonic() - started


async def test_the_api_keeps_serving_when_redis_dies_and_uses_it_again_when_it_returns(
    migrated_postgres: str, own_redis: OwnRedis
) -> None:
    container = _replica(
        migrated_postgres,
        own_redis.url,
        "t:",
        redis_cooldown_seconds=0.5,
        login_attempts_per_account_and_client=3,
        login_failures_per_device=3,  # the client signed in: a known device
    )
    try:
        async with _client(container) as c:
            auth = await _signup(c, "ada@example.com")
            post = (await c.post("/posts", json={"title": "v1", "body": "b"}, headers=auth)).json()
            url = f"/posts/{post['id']}"
            await c.post(f"{url}/publish", headers=auth)
            assert (await c.get(url)).json()["title"] == "v1"  # cached in Redis

            own_redis.kill()
            checks = [
                c.get(url),
                c.patch(url, json={"title": "v2"}, headers=auth),
                c.get("/users/me", headers=auth),
                c.post("/posts", json={"title": "while down", "body": "b"}, headers=auth),
                c.post("/auth/token", data={"username": "ada@example.com", "password": PASSWORD}),
            ]
            for call in checks:
                response, seconds = await _timed(call)
                assert response.status_code < 500, response.text
                assert seconds < 1.0
            assert (await c.get(url)).json()["title"] == "v2"  # reads bypass to the database
            ready = await c.get("http://t/health/ready")
            assert (ready.status_code, ready.json()["redis"]) == (200, "degraded")
            # Fallback limits, never none: the 4th failure in a row is throttled.
            statuses = [
                (
                    await c.post(
                        "/auth/token",
                        data={"username": "ada@example.com", "password": "wrong pass"},
                    )
                ).status_code
                for _ in range(4)
            ]
            assert statuses == [401, 401, 401, 429]

            own_redis.start()  # back, and empty
            await asyncio.sleep(0.6)
            ready = await c.get("http://t/health/ready")
            assert ready.json()["redis"] == "ok"
            assert (await c.get(url)).json()["title"] == "v2"
            assert await _keys(own_redis.url, "t:cache:entry:*")  # the cache is used again
    finally:
        await shutdown(container)


async def test_invalidations_missed_while_redis_hung_retire_the_whole_cache(
    migrated_postgres: str, own_redis: OwnRedis
) -> None:
    """Redis keeps its data but stops answering while a write commits: the write's
    invalidation is lost, so before trusting the cache again the replica bumps the epoch."""
    container = _replica(migrated_postgres, own_redis.url, "hung:", redis_cooldown_seconds=0.3)
    other = _replica(migrated_postgres, own_redis.url, "hung:", redis_cooldown_seconds=0.3)
    try:
        async with _client(container) as c, _client(other) as b:
            auth = await _signup(c, "ada@example.com")
            post = (await c.post("/posts", json={"title": "v1", "body": "b"}, headers=auth)).json()
            url = f"/posts/{post['id']}"
            await c.post(f"{url}/publish", headers=auth)
            assert (await c.get(url)).json()["title"] == "v1"  # now cached in Redis
            assert (await b.get(url)).json()["title"] == "v1"  # a hit on the other replica
            own_redis.pause()
            response, seconds = await _timed(c.patch(url, json={"title": "v2"}, headers=auth))
            assert (response.status_code, seconds < 1.0) == (200, True)
            own_redis.resume()
            await asyncio.sleep(0.8)  # the writer stays idle: its retry task bumps the epoch
            assert await _keys(own_redis.url, "hung:cache:entry:*")  # the stale entry is there
            assert (await b.get(url)).json()["title"] == "v2"  # but the other replica never
            assert (await c.get(url)).json()["title"] == "v2"  # nor the writer serves it
    finally:
        await shutdown(container)
        await shutdown(other)


async def test_a_session_revoked_on_one_replica_dies_on_another_that_cached_it(
    replicas: tuple[Container, Container], redis_server: str, redis_prefix: str
) -> None:
    one, two = replicas
    async with _client(one) as a, _client(two) as b:
        await a.post("/users", json={"email": "ada@example.com", "password": PASSWORD, "name": "A"})
        tokens = (
            await a.post("/auth/token", data={"username": "ada@example.com", "password": PASSWORD})
        ).json()
        bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
        for _ in range(2):  # miss, then a hit on the cached auth state
            assert (await b.get("/users/me", headers=bearer)).status_code == 200
        assert await _keys(redis_server, f"{redis_prefix}cache:entry:user:*")
        # Logout without the bearer: only the session revocation can stop the token.
        out = await a.post("/auth/logout", json={"refresh_token": tokens["refresh_token"]})
        assert out.status_code == 204
        assert (await b.get("/users/me", headers=bearer)).status_code == 401
