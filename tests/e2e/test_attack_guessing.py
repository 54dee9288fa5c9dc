"""Password guessing: the most common passwords cannot be chosen, and every place that checks
a secret is throttled with 429 + Retry-After (problem+json)."""

from __future__ import annotations

import httpx

from entrypoints.container import Container
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
