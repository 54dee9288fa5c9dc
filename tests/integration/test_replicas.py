"""Real API processes (uvicorn) on one Postgres and one Redis, driven over HTTP."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from tests.integration import processes
from tests.integration.conftest import OwnRedis, _free_port
from tests.leak_guard import GUARD

pytestmark = pytest.mark.integration
PASSWORD = "correct horse battery"
SHARED_SECRET = "replicas-share-this-signing-secret-0123456789"
GUARD.register(SHARED_SECRET)


@contextmanager
def api_process(
    database_url: str,
    redis_url: str,
    prefix: str,
    output: list[str] | None = None,
    **extra: str,
) -> Iterator[str]:
    """An API process; its output goes to the leak guard (and to `output`, when given,
    once it has ended)."""
    port = _free_port()
    env = {
        **os.environ,
        "INKWELL_ENV": "production",
        "INKWELL_DATABASE_URL": database_url,
        "INKWELL_REDIS_URL": redis_url,
        "INKWELL_REDIS_KEY_PREFIX": prefix,
        "INKWELL_JOB_QUEUE_NAME": f"{prefix}queue",
        "INKWELL_EMAIL_BACKEND": "smtp",
        "INKWELL_JWT_SECRET": SHARED_SECRET,
        "INKWELL_ARGON2_MEMORY_COST_KIB": "64",
        "INKWELL_ARGON2_TIME_COST": "1",
        "INKWELL_REDIS_COOLDOWN_SECONDS": "0.5",
        **extra,
    }
    lines: list[str] = []
    try:
        with processes.api_process(env, port, "--log-level", "warning") as logged:
            lines = logged.lines  # filled until the process has ended and its output is read
            yield f"http://127.0.0.1:{port}/api/v1"
    finally:
        if output is not None:
            output.extend(lines)


async def _signup(client: httpx.AsyncClient, base: str, email: str) -> dict[str, str]:
    await client.post(f"{base}/users", json={"email": email, "password": PASSWORD, "name": "N"})
    response = await client.post(
        f"{base}/auth/token", data={"username": email, "password": PASSWORD}
    )
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_two_api_processes_behave_as_one_service(
    migrated_postgres: str, redis_server: str, redis_prefix: str
) -> None:
    limits = {"INKWELL_LOGIN_ATTEMPTS_PER_ACCOUNT_AND_CLIENT": "4"}
    with (
        api_process(migrated_postgres, redis_server, redis_prefix, **limits) as a,
        api_process(migrated_postgres, redis_server, redis_prefix, **limits) as b,
    ):
        async with httpx.AsyncClient(timeout=5) as http:
            auth = await _signup(http, a, "ada@example.com")

            # One login throttle, whichever process the attempts reach.
            statuses = []
            for base in (a, b, a, b, a):
                bad = {"username": "ada@example.com", "password": "not the password"}
                statuses.append((await http.post(f"{base}/auth/token", data=bad)).status_code)
            assert statuses == [401, 401, 401, 401, 429]

            post = (
                await http.post(f"{a}/posts", json={"title": "v0", "body": "b"}, headers=auth)
            ).json()
            await http.post(f"{a}/posts/{post['id']}/publish", headers=auth)
            for version in range(1, 6):
                assert (await http.get(f"{b}/posts/{post['id']}")).status_code == 200  # cache b
                await http.patch(
                    f"{a}/posts/{post['id']}", json={"title": f"v{version}"}, headers=auth
                )
                seen = (await http.get(f"{b}/posts/{post['id']}")).json()["title"]
                assert seen == f"v{version}"  # never stale on the other process
                first_page = (await http.get(f"{b}/posts")).json()["items"]
                assert first_page[0]["title"] == f"v{version}"

            assert (await http.delete(f"{a}/posts/{post['id']}", headers=auth)).status_code == 204
            assert (await http.get(f"{b}/posts/{post['id']}")).status_code == 404

            # Logout through one process ends the session on the other.
            await _signup(http, a, "bob@example.com")
            tokens = (
                await http.post(
                    f"{a}/auth/token", data={"username": "bob@example.com", "password": PASSWORD}
                )
            ).json()
            bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
            assert (await http.get(f"{a}/users/me", headers=bearer)).status_code == 200
            out = await http.post(
                f"{b}/auth/logout", json={"refresh_token": tokens["refresh_token"]}, headers=bearer
            )
            assert out.status_code == 204
            assert (await http.get(f"{a}/users/me", headers=bearer)).status_code == 401
            again = await http.post(
                f"{a}/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
            )
            assert again.status_code == 401


async def test_killing_redis_under_load_causes_no_5xx_and_no_hung_request(
    migrated_postgres: str, own_redis: OwnRedis
) -> None:
    with api_process(migrated_postgres, own_redis.url, "load:") as api:
        async with httpx.AsyncClient(timeout=10) as http:
            auth = await _signup(http, api, "ada@example.com")
            post = (
                await http.post(f"{api}/posts", json={"title": "t", "body": "b"}, headers=auth)
            ).json()
            await http.post(f"{api}/posts/{post['id']}/publish", headers=auth)
            results: list[tuple[int, float]] = []
            created: list[str] = []
            stop = time.monotonic() + 4

            async def worker(n: int) -> None:
                while time.monotonic() < stop:
                    started = time.monotonic()
                    if n % 4 == 0:
                        response = await http.post(
                            f"{api}/posts", json={"title": f"w{n}", "body": "b"}, headers=auth
                        )
                        if response.status_code == 201:
                            created.append(response.json()["id"])
                    elif n % 4 == 1:
                        response = await http.get(f"{api}/users/me", headers=auth)
                    else:
                        response = await http.get(f"{api}/posts/{post['id']}")
                    results.append((response.status_code, time.monotonic() - started))

            async def killer() -> None:
                await asyncio.sleep(1.5)
                own_redis.kill()

            await asyncio.gather(killer(), *(worker(n) for n in range(16)))
            assert len(results) > 100
            assert not [s for s, _ in results if s >= 500]
            assert max(seconds for _, seconds in results) < 2.0
            # Everything written, before and after Redis died, is readable afterwards.
            own_redis.start()
            for post_id in created[-5:]:
                got = await http.get(f"{api}/posts/{post_id}", headers=auth)
                assert got.status_code == 200
