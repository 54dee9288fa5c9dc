"""Security headers on every response, whatever produced it: routes, validation, the error
handlers, the body-size limit, unknown routes, an unexpected exception, docs and probes."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from entrypoints.container import Container
from tests.e2e.conftest import PASSWORD, Account

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
}

Call = Callable[[httpx.AsyncClient, Account, Container], Awaitable[httpx.Response]]
V1 = "/api/v1"


async def _post(c: httpx.AsyncClient, who: Account) -> dict[str, Any]:
    response = await c.post(f"{V1}/posts", json={"title": "t", "body": "b"}, headers=who.auth)
    body: dict[str, Any] = response.json()
    return body


async def _conflict(c: httpx.AsyncClient, ada: Account, _: Container) -> httpx.Response:
    body = {"email": ada.email, "password": PASSWORD, "name": "Again"}
    return await c.post(f"{V1}/users", json=body)


async def _stale(c: httpx.AsyncClient, ada: Account, _: Container) -> httpx.Response:
    post = await _post(c, ada)
    stale = {**ada.auth, "If-Match": '"7"'}
    return await c.patch(f"{V1}/posts/{post['id']}", json={"title": "x"}, headers=stale)


async def _throttled(c: httpx.AsyncClient, ada: Account, _: Container) -> httpx.Response:
    for _attempt in range(3):
        await c.post(f"{V1}/auth/verify-email/resend", headers=ada.auth)
    return await c.post(f"{V1}/auth/verify-email/resend", headers=ada.auth)


async def _explodes(c: httpx.AsyncClient, ada: Account, container: Container) -> httpx.Response:
    class Exploding:
        async def execute(self, *_args: object, **_kwargs: object) -> None:
            raise RuntimeError("boom")

    container.get_feed.override(Exploding())
    return await c.get(f"{V1}/feed", headers=ada.auth)


async def _deleted(c: httpx.AsyncClient, ada: Account, _: Container) -> httpx.Response:
    post = await _post(c, ada)
    return await c.delete(f"{V1}/posts/{post['id']}", headers=ada.auth)


# (status, request): one case per status code the API can answer with.
CALLS: dict[str, tuple[int, Call]] = {
    "200 public read": (200, lambda c, a, _: c.get(f"{V1}/posts")),
    "200 authenticated read": (200, lambda c, a, _: c.get(f"{V1}/users/me", headers=a.auth)),
    "200 login": (
        200,
        lambda c, a, _: c.post(
            f"{V1}/auth/token", data={"username": a.email, "password": PASSWORD}
        ),
    ),
    "201 created": (
        201,
        lambda c, a, _: c.post(f"{V1}/posts", json={"title": "t", "body": "b"}, headers=a.auth),
    ),
    "202 accepted": (
        202,
        lambda c, a, _: c.post(f"{V1}/auth/password-reset", json={"email": a.email}),
    ),
    "204 no content": (204, _deleted),
    "400 bad cursor": (400, lambda c, a, _: c.get(f"{V1}/posts", params={"cursor": "garbage"})),
    "401 no token": (401, lambda c, a, _: c.get(f"{V1}/users/me")),
    "401 bad login": (
        401,
        lambda c, a, _: c.post(f"{V1}/auth/token", data={"username": a.email, "password": "x"}),
    ),
    "403 forbidden": (403, lambda c, a, _: c.delete(f"{V1}/users/{a.id}", headers=a.auth)),
    "404 unknown object": (404, lambda c, a, _: c.get(f"{V1}/posts/{uuid.uuid4()}")),
    "404 unknown route": (404, lambda c, a, _: c.get(f"{V1}/nope")),
    "405 wrong method": (405, lambda c, a, _: c.put(f"{V1}/posts")),
    "409 conflict": (409, _conflict),
    "412 stale If-Match": (412, _stale),
    "413 too large": (
        413,
        lambda c, a, _: c.post(
            f"{V1}/posts", json={"title": "t", "body": "x" * 2_000_000}, headers=a.auth
        ),
    ),
    "422 invalid body": (422, lambda c, a, _: c.post(f"{V1}/users", json={"email": "x"})),
    "429 throttled": (429, _throttled),
    "500 unexpected exception": (500, _explodes),
}
OPERATIONS = ["/docs", "/redoc", "/openapi.json", "/health/live", "/health/ready"]


@pytest.fixture
async def raw_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Answers 500s instead of raising the app's exception into the test."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


def _assert_basic_headers(response: httpx.Response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (name, response.headers)
    assert response.headers.get("x-request-id"), response.headers


@pytest.mark.parametrize(("status", "call"), CALLS.values(), ids=CALLS.keys())
async def test_every_api_response_carries_the_security_headers_and_no_store(
    raw_client: httpx.AsyncClient, container: Container, ada: Account, status: int, call: Call
) -> None:
    response = await call(raw_client, ada, container)
    assert response.status_code == status, response.text
    _assert_basic_headers(response)
    assert response.headers.get("cache-control") == "no-store", response.headers


@pytest.mark.parametrize("path", OPERATIONS)
async def test_docs_and_probes_carry_the_security_headers(
    raw_client: httpx.AsyncClient, path: str
) -> None:
    response = await raw_client.get(path)
    assert response.status_code == 200
    _assert_basic_headers(response)


async def test_a_500_keeps_the_callers_request_id(
    raw_client: httpx.AsyncClient, container: Container, ada: Account
) -> None:
    raw_client.headers["X-Request-ID"] = "trace-me-42"
    response = await _explodes(raw_client, ada, container)
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "trace-me-42"
