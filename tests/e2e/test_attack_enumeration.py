"""Account enumeration: whether an email has an account must show neither in the answer nor
in its timing (see tests/timing.py for how timings are compared)."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator

import httpx
import pytest

from adapters.system.clock import FrozenClock
from domain.events import PasswordResetRequested
from entrypoints.container import Container, build_container, shutdown
from tests.conftest import make_settings
from tests.e2e.conftest import PASSWORD, Account
from tests.timing import NO_LIMITS, REAL_ARGON2, assert_alike


@pytest.fixture
async def container(clock: FrozenClock) -> AsyncIterator[Container]:
    """Overrides the e2e container: the real argon2 parameters and no rate limits."""
    c = build_container(make_settings(**REAL_ARGON2, **NO_LIMITS))
    c.clock.override(clock)
    yield c
    await shutdown(c)


def _same_answer(one: httpx.Response, other: httpx.Response) -> None:
    assert (one.status_code, one.content) == (other.status_code, other.content)
    headers = [{k: v for k, v in r.headers.items() if k != "x-request-id"} for r in (one, other)]
    assert headers[0] == headers[1]


async def test_login_answers_alike_for_unknown_emails_and_wrong_passwords(
    client: httpx.AsyncClient, ada: Account
) -> None:
    async def known(_i: int) -> httpx.Response:
        data = {"username": ada.email, "password": "wrong pw!"}
        return await client.post("/auth/token", data=data)

    async def unknown(i: int) -> httpx.Response:
        data = {"username": f"nobody{i}@example.com", "password": "wrong pw!"}
        return await client.post("/auth/token", data=data)

    async def malformed(_i: int) -> httpx.Response:
        return await client.post("/auth/token", data={"username": "nobody", "password": "x"})

    _same_answer(await known(0), await unknown(0))
    _same_answer(await known(0), await malformed(0))
    await assert_alike(known, unknown)


async def test_registering_a_taken_email_costs_what_a_new_one_does(
    client: httpx.AsyncClient, ada: Account
) -> None:
    """DESIGN.md answers 409 to a taken email (the contract); at least it takes no less time
    than a registration, because the password is hashed before the address is looked up."""
    serial = itertools.count()

    async def fresh(_i: int) -> httpx.Response:
        body = {"email": f"new{next(serial)}@example.com", "password": PASSWORD, "name": "New"}
        response = await client.post("/users", json=body)
        assert response.status_code == 201
        return response

    async def taken(_i: int) -> httpx.Response:
        body = {"email": ada.email, "password": PASSWORD, "name": "New"}
        response = await client.post("/users", json=body)
        assert response.status_code == 409
        return response

    await assert_alike(fresh, taken)


async def test_password_reset_answers_alike_for_known_and_unknown_emails(
    client: httpx.AsyncClient, container: Container, ada: Account
) -> None:
    async def known(_i: int) -> httpx.Response:
        return await client.post("/auth/password-reset", json={"email": ada.email})

    async def unknown(i: int) -> httpx.Response:
        return await client.post("/auth/password-reset", json={"email": f"nobody{i}@example.com"})

    _same_answer(await known(0), await unknown(0))
    # The same work for both: each request is recorded, and the worker looks the address up.
    # (Memory makes that work nearly free; the Postgres twin of this test times it for real.)
    recorded = [
        r.message.payload["email"]
        for r in container.memory_db().state.outbox.values()
        if r.message.topic == PasswordResetRequested.__name__
    ]
    assert recorded == [ada.email, "nobody0@example.com"]
    # Well under a millisecond each, where scheduler noise is large: time 10 per try.
    await assert_alike(known, unknown, batch=10)
