"""Password guessing: the most common passwords cannot be chosen, and every place that checks
a secret is throttled with 429 + Retry-After (problem+json)."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable

import httpx
import pytest

from adapters.system.clock import FrozenClock
from entrypoints.container import Container, build_container
from entrypoints.http.app import create_app
from tests.conftest import make_settings
from tests.e2e.conftest import PASSWORD, Account, assert_problem, drain, login, mails, token_in

COMMON = ["Password1", "qwerty123", "ILOVEYOU", "1q2w3e4r5t", "baseball"]


async def test_registration_refuses_the_most_common_passwords(client: httpx.AsyncClient) -> None:
    for i, common in enumerate(COMMON):
        body = {"email": f"c{i}@example.com", "password": common, "name": "C"}
        problem = assert_problem(await client.post("/users", json=body), 422)
        assert "most commonly used" in problem["detail"]
        refused = {"username": body["email"], "password": common}
        assert_problem(await client.post("/auth/token", data=refused), 401)  # no account made


async def test_a_password_change_refuses_the_most_common_passwords(
    client: httpx.AsyncClient, ada: Account
) -> None:
    for common in COMMON:
        change = {"new_password": common, "current_password": PASSWORD}
        response = await client.patch("/users/me", json=change, headers=ada.auth)
        problem = assert_problem(response, 422)
        assert "most commonly used" in problem["detail"]
    await login(client, ada.email, PASSWORD)  # unchanged


async def test_a_password_reset_refuses_the_most_common_passwords(
    client: httpx.AsyncClient, container: Container, ada: Account
) -> None:
    await client.post("/auth/password-reset", json={"email": ada.email})
    await drain(container)
    [token] = [token_in(m) for m in mails(container) if "reset" in m.subject.lower()]
    for common in COMMON:
        confirm = {"token": token, "new_password": common}
        response = await client.post("/auth/password-reset/confirm", json=confirm)
        problem = assert_problem(response, 422)
        assert "most commonly used" in problem["detail"]
    await login(client, ada.email, PASSWORD)  # unchanged, and the link is still good
    ok = {"token": token, "new_password": "an uncommon passphrase"}
    assert (await client.post("/auth/password-reset/confirm", json=ok)).status_code == 204


class Api:
    """An app with the given limits, reached from as many client addresses as a test wants."""

    def __init__(self, stack: contextlib.AsyncExitStack, **limits: int) -> None:
        self.container = build_container(make_settings(**limits))
        self.container.clock.override(FrozenClock())
        self.app = create_app(self.container)
        self._stack = stack

    async def client(self, host: str = "203.0.113.1") -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app, client=(host, 4000))
        return await self._stack.enter_async_context(
            httpx.AsyncClient(transport=transport, base_url="http://test/api/v1")
        )

    bearer = ""

    async def account(self, email: str = "ada@example.com") -> str:
        owner = await self.client("198.51.100.1")
        body = {"email": email, "password": PASSWORD, "name": "Owner"}
        assert (await owner.post("/users", json=body)).status_code == 201
        return email


def _guess(i: int, email: str = "ada@example.com") -> dict[str, str]:
    """Wrong guesses, then (the attempt that must be refused) the right password."""
    return {"username": email, "password": PASSWORD if i == LIMIT else f"guess number {i}"}


async def _login_one_account_one_client(api: Api, i: int) -> httpx.Response:
    if not i:
        await api.account()
    return await (await api.client()).post("/auth/token", data=_guess(i))


async def _login_one_account_many_clients(api: Api, i: int) -> httpx.Response:
    if not i:
        await api.account()
    client = await api.client(f"203.0.113.{i + 10}")
    return await client.post("/auth/token", data=_guess(i))


async def _login_many_accounts_one_client(api: Api, i: int) -> httpx.Response:
    if not i:
        await api.account()
    email = "ada@example.com" if i == LIMIT else f"victim{i}@example.com"
    return await (await api.client()).post("/auth/token", data=_guess(i, email))


async def _register(api: Api, i: int) -> httpx.Response:
    body = {"email": f"sock{i}@example.com", "password": PASSWORD, "name": "Sock"}
    return await (await api.client()).post("/users", json=body)


async def _reset_many_addresses_one_client(api: Api, i: int) -> httpx.Response:
    client = await api.client()
    return await client.post("/auth/password-reset", json={"email": f"who{i}@example.com"})


async def _reset_one_address_many_clients(api: Api, i: int) -> httpx.Response:
    client = await api.client(f"203.0.113.{i + 10}")
    return await client.post("/auth/password-reset", json={"email": "ada@example.com"})


async def _reset_confirm(api: Api, i: int) -> httpx.Response:
    forged = {"token": f"guess{i}", "new_password": "an uncommon passphrase"}
    return await (await api.client()).post("/auth/password-reset/confirm", json=forged)


async def _current_password(api: Api, i: int) -> httpx.Response:
    """A stolen access token used to guess the password (to change the email)."""
    client = await api.client()
    if not i:
        await api.account()
        tokens = (await client.post("/auth/token", data=_guess(LIMIT))).json()
        api.bearer = f"Bearer {tokens['access_token']}"
    guess = {"email": "thief@example.com", "current_password": _guess(i)["password"]}
    return await client.patch("/users/me", json=guess, headers={"Authorization": api.bearer})


# name: (the limit setting, its window setting, one attempt, the status of an allowed attempt)
THROTTLES: dict[str, tuple[str, str, Callable[[Api, int], Awaitable[httpx.Response]], int]] = {
    "login per account and client": (
        "login_attempts_per_account_and_client",
        "login_window_seconds",
        _login_one_account_one_client,
        401,
    ),
    "login per account across clients": (
        "login_attempts_per_account",
        "login_window_seconds",
        _login_one_account_many_clients,
        401,
    ),
    "login failures per client across accounts": (
        "login_failures_per_client",
        "login_window_seconds",
        _login_many_accounts_one_client,
        401,
    ),
    "registration per client": (
        "registrations_per_client",
        "registration_window_seconds",
        _register,
        201,
    ),
    "password reset requests per client": (
        "password_resets_per_client",
        "email_limit_window_seconds",
        _reset_many_addresses_one_client,
        202,
    ),
    "password reset requests per address": (
        "password_resets_per_account",
        "email_limit_window_seconds",
        _reset_one_address_many_clients,
        202,
    ),
    "password reset confirms per client": (
        "login_failures_per_client",
        "login_window_seconds",
        _reset_confirm,
        400,
    ),
    "current password checks per account": (
        "login_attempts_per_account_and_client",
        "login_window_seconds",
        _current_password,
        403,
    ),
}
LIMIT = 3


@pytest.mark.parametrize(
    ("limit", "window", "attempt", "allowed_status"), THROTTLES.values(), ids=THROTTLES.keys()
)
async def test_guessing_is_throttled_with_429_and_retry_after(
    limit: str,
    window: str,
    attempt: Callable[[Api, int], Awaitable[httpx.Response]],
    allowed_status: int,
) -> None:
    async with contextlib.AsyncExitStack() as stack:
        api = Api(stack, **{limit: LIMIT})
        window_seconds = int(getattr(api.container.settings(), window))
        allowed = [(await attempt(api, i)).status_code for i in range(LIMIT)]
        assert allowed == [allowed_status] * LIMIT
        before = _work_done(api)
        refused = await attempt(api, LIMIT)
        assert_problem(refused, 429)
        assert 1 <= int(refused.headers["retry-after"]) <= window_seconds
        assert _work_done(api) == before  # no session, account, email or change came of it


def _work_done(api: Api) -> list[int]:
    state = api.container.memory_db().state
    users = sorted((u.email.value, u.version) for u in state.users.values())
    return [len(state.refresh_tokens), len(state.outbox), hash(tuple(users))]
