"""Idempotency-Key on POST /users: the body holds a password, and a retry may come from
anywhere, so keys are scoped by the address they register and remembered by a keyed digest."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from entrypoints.container import Container, build_container, shutdown
from entrypoints.http.app import create_app
from tests.conftest import make_settings
from tests.e2e.conftest import PASSWORD, assert_problem

BODY = b'{"email": "idem@example.com", "password": "%s", "name": "I"}' % PASSWORD.encode()
JSON = {"Content-Type": "application/json"}


@asynccontextmanager
async def _client_at(container: Container, host: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(container), client=(host, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as c:
        yield c


def _stored_fingerprints(container: Container) -> list[str]:
    return [r.fingerprint for r in container.memory_db().state.idempotency_keys.values()]


def _accounts(container: Container) -> int:
    return len(container.memory_db().state.users)


async def test_a_stored_registration_fingerprint_cannot_be_tested_against_guessed_passwords(
    container: Container,
) -> None:
    """Whoever reads the table or a backup must not be able to hash candidate passwords
    and compare: the fingerprint is keyed, and the key is not in the database."""
    other = build_container(make_settings())  # another deployment: another secret
    try:
        for deployment in (container, other):
            async with _client_at(deployment, "198.51.100.7") as client:
                made = await client.post(
                    "/users", content=BODY, headers={**JSON, "Idempotency-Key": "reg"}
                )
                assert made.status_code == 201, made.text
        (ours,), (theirs,) = _stored_fingerprints(container), _stored_fingerprints(other)
    finally:
        await shutdown(other)
    unkeyed = {
        hashlib.sha256(BODY).hexdigest(),
        hashlib.sha256(b"\0".join([b"POST", b"/api/v1/users", BODY])).hexdigest(),
    }
    assert ours not in unkeyed
    assert ours != theirs


async def test_concurrent_repeats_of_a_registration_make_one_account_and_replay_it(
    container: Container,
) -> None:
    async with _client_at(container, "198.51.100.7") as client:
        answers = await asyncio.gather(
            *(
                client.post("/users", content=BODY, headers={**JSON, "Idempotency-Key": "once"})
                for _ in range(3)
            )
        )
    assert [r.status_code for r in answers] == [201, 201, 201], [r.text for r in answers]
    assert len({r.text for r in answers}) == 1
    replayed = [r.headers.get("idempotent-replayed") for r in answers]
    assert (replayed.count(None), replayed.count("true")) == (1, 2)
    assert _accounts(container) == 1


async def test_a_registration_retried_from_another_client_address_is_replayed(
    container: Container,
) -> None:
    headers = {**JSON, "Idempotency-Key": "moving"}
    async with _client_at(container, "198.51.100.7") as home:
        first = await home.post("/users", content=BODY, headers=headers)
    async with _client_at(container, "203.0.113.9") as train:  # the phone changed networks
        again = await train.post("/users", content=BODY, headers=headers)
    assert first.status_code == 201, first.text
    assert again.status_code == 201, again.text
    assert again.text == first.text
    assert again.headers.get("idempotent-replayed") == "true"
    assert _accounts(container) == 1


async def test_two_people_behind_one_address_using_one_key_each_get_their_account(
    container: Container,
) -> None:
    """Keys are not a shared space per NAT: another address with the same key is another
    request, neither refused nor answered with someone else's account."""
    async with _client_at(container, "198.51.100.7") as office:
        answers = [
            await office.post(
                "/users",
                json={"email": email, "password": PASSWORD, "name": "N"},
                headers={"Idempotency-Key": "1"},
            )
            for email in ("first@example.com", "second@example.com")
        ]
    assert [r.status_code for r in answers] == [201, 201], answers[1].text
    assert [r.json()["email"] for r in answers] == ["first@example.com", "second@example.com"]
    assert _accounts(container) == 2


async def test_the_same_key_and_address_with_another_password_is_still_422(
    container: Container,
) -> None:
    async with _client_at(container, "198.51.100.7") as client:
        headers = {**JSON, "Idempotency-Key": "reg"}
        assert (await client.post("/users", content=BODY, headers=headers)).status_code == 201
        other = BODY.replace(PASSWORD.encode(), b"another good passphrase")
    async with _client_at(container, "203.0.113.9") as elsewhere:
        assert_problem(await elsewhere.post("/users", content=other, headers=headers), 422)
    assert _accounts(container) == 1
