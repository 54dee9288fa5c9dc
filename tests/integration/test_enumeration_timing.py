"""Account enumeration by timing, on Postgres: there a commit costs real time, so a reset
request that did less work for unknown addresses would show (the e2e twin runs on memory)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from entrypoints.container import shutdown
from entrypoints.http.app import create_app
from tests.integration.conftest import sql_container
from tests.timing import NO_LIMITS, REAL_ARGON2, assert_alike

pytestmark = pytest.mark.integration
KNOWN, PASSWORD = "ada@example.com", "correct horse battery"


@pytest.fixture
async def client(migrated_postgres: str) -> AsyncIterator[httpx.AsyncClient]:
    container = sql_container(migrated_postgres, **REAL_ARGON2, **NO_LIMITS)
    transport = httpx.ASGITransport(app=create_app(container))
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as c:
        body = {"email": KNOWN, "password": PASSWORD, "name": "Ada"}
        assert (await c.post("/users", json=body)).status_code == 201
        yield c
    await shutdown(container)


async def test_password_reset_takes_as_long_for_unknown_emails(client: httpx.AsyncClient) -> None:
    async def known(_i: int) -> httpx.Response:
        return await client.post("/auth/password-reset", json={"email": KNOWN})

    async def unknown(i: int) -> httpx.Response:
        return await client.post("/auth/password-reset", json={"email": f"nobody{i}@example.com"})

    await assert_alike(known, unknown, batch=5)


async def test_login_takes_as_long_for_unknown_emails(client: httpx.AsyncClient) -> None:
    async def known(_i: int) -> httpx.Response:
        return await client.post("/auth/token", data={"username": KNOWN, "password": "wrong pw!"})

    async def unknown(i: int) -> httpx.Response:
        data = {"username": f"nobody{i}@example.com", "password": "wrong pw!"}
        return await client.post("/auth/token", data=data)

    await assert_alike(known, unknown)


async def test_login_with_a_device_token_takes_as_long_for_unknown_emails(
    client: httpx.AsyncClient,
) -> None:
    """A device token costs a read of the account's token version, whether or not there is
    an account: presenting one must not tell the two apart either."""
    signed_in = await client.post("/auth/token", data={"username": KNOWN, "password": PASSWORD})
    device = {"Inkwell-Device": signed_in.headers["Inkwell-Device"]}

    async def known(_i: int) -> httpx.Response:
        data = {"username": KNOWN, "password": "wrong pw!"}
        return await client.post("/auth/token", data=data, headers=device)

    async def unknown(i: int) -> httpx.Response:
        data = {"username": f"nobody{i}@example.com", "password": "wrong pw!"}
        return await client.post("/auth/token", data=data, headers=device)

    one, other = await known(0), await unknown(0)
    assert (one.status_code, one.content) == (other.status_code, other.content)
    await assert_alike(known, unknown)
