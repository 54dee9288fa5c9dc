from __future__ import annotations

import base64
import json
import time
import uuid
from datetime import timedelta

import httpx
import jwt

from adapters.system.clock import FrozenClock
from entrypoints.container import Container
from tests.e2e.conftest import PASSWORD, Account, assert_problem, login


async def test_login_returns_a_bearer_pair(client: httpx.AsyncClient, ada: Account) -> None:
    body = await login(client, "ADA@example.com")
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 900
    assert {"access_token", "refresh_token"} <= body.keys()


async def test_wrong_password_and_unknown_email_get_the_same_401(
    client: httpx.AsyncClient, ada: Account
) -> None:
    wrong = await client.post("/auth/token", data={"username": ada.email, "password": "nope nope"})
    unknown = await client.post("/auth/token", data={"username": "x@y.io", "password": PASSWORD})
    assert assert_problem(wrong, 401) == assert_problem(unknown, 401)
    assert wrong.headers["www-authenticate"] == "Bearer"


async def test_protected_routes_need_a_token(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/users/me"), 401)


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _claims(ada: Account, **overrides: object) -> dict[str, object]:
    now = int(time.time())
    claims: dict[str, object] = {
        "iss": "inkwell",
        "aud": "inkwell-api",
        "sub": ada.id,
        "iat": now,
        "exp": now + 600,
        "jti": "x",
        "typ": "access",
        "tv": 0,
        "sid": jwt.decode(ada.access, options={"verify_signature": False})["sid"],
    }
    claims.update(overrides)
    return claims


async def test_forged_tokens_are_refused(
    client: httpx.AsyncClient, ada: Account, container: Container
) -> None:
    secret = container.jwt_secret()
    forged = [
        jwt.encode(_claims(ada), "another-secret-of-sufficient-length!!", algorithm="HS256"),
        _b64({"alg": "none", "typ": "JWT"}) + "." + _b64(_claims(ada)) + ".",
        jwt.encode(_claims(ada), secret, algorithm="HS512"),
        jwt.encode(_claims(ada, exp=int(time.time()) - 3600), secret, algorithm="HS256"),
        jwt.encode(_claims(ada, iat=int(time.time()) + 3600), secret, algorithm="HS256"),
        jwt.encode(_claims(ada, aud="someone-else"), secret, algorithm="HS256"),
        jwt.encode(_claims(ada, iss="evil"), secret, algorithm="HS256"),
        jwt.encode(_claims(ada, typ="refresh"), secret, algorithm="HS256"),
        jwt.encode(_claims(ada, tv=1), secret, algorithm="HS256"),
        jwt.encode(_claims(ada, sid=str(uuid.uuid4())), secret, algorithm="HS256"),
        jwt.encode(_claims(ada, sid=12), secret, algorithm="HS256"),
        jwt.encode(_claims(ada, sub="not-a-uuid"), secret, algorithm="HS256"),
        jwt.encode({k: v for k, v in _claims(ada).items() if k != "exp"}, secret),
        ada.access[:-4] + "AAAA",
        "not.a.jwt",
        ada.refresh,  # a refresh token is not an access token
    ]
    for token in forged:
        response = await client.get("/users/me", headers={"Authorization": f"Bearer {token}"})
        assert_problem(response, 401)
    # The same claims signed properly are accepted, so the refusals above are about the defects.
    good = jwt.encode(_claims(ada), secret, algorithm="HS256")
    ok = await client.get("/users/me", headers={"Authorization": f"Bearer {good}"})
    assert ok.status_code == 200


async def test_refresh_rotates_and_reuse_kills_the_family(
    client: httpx.AsyncClient, ada: Account
) -> None:
    first = await client.post("/auth/refresh", json={"refresh_token": ada.refresh})
    assert first.status_code == 200
    rotated = first.json()["refresh_token"]
    assert rotated != ada.refresh
    assert_problem(await client.post("/auth/refresh", json={"refresh_token": ada.refresh}), 401)
    assert_problem(await client.post("/auth/refresh", json={"refresh_token": rotated}), 401)


async def test_logout_kills_both_tokens(client: httpx.AsyncClient, ada: Account) -> None:
    response = await client.post(
        "/auth/logout", json={"refresh_token": ada.refresh}, headers=ada.auth
    )
    assert response.status_code == 204
    assert_problem(await client.get("/users/me", headers=ada.auth), 401)
    assert_problem(await client.post("/auth/refresh", json={"refresh_token": ada.refresh}), 401)


async def test_refresh_with_a_bad_body_is_a_422_problem(client: httpx.AsyncClient) -> None:
    assert_problem(await client.post("/auth/refresh", json={}), 422)
    assert_problem(await client.post("/auth/refresh", json={"refresh_token": "x", "extra": 1}), 422)


async def test_a_token_that_worked_stops_working_when_it_expires(
    client: httpx.AsyncClient, ada: Account, clock: FrozenClock
) -> None:
    """Verified tokens are remembered; their expiry is still checked on every request."""
    assert (await client.get("/users/me", headers=ada.auth)).status_code == 200
    clock.advance(timedelta(minutes=16))
    assert_problem(await client.get("/users/me", headers=ada.auth), 401)


async def test_logout_with_an_expired_access_token_still_ends_the_session(
    client: httpx.AsyncClient, ada: Account, clock: FrozenClock
) -> None:
    clock.advance(timedelta(minutes=20))
    response = await client.post(
        "/auth/logout", json={"refresh_token": ada.refresh}, headers=ada.auth
    )
    assert response.status_code == 204
    assert_problem(await client.post("/auth/refresh", json={"refresh_token": ada.refresh}), 401)


async def test_logout_ends_every_access_token_of_the_session_even_without_a_bearer(
    client: httpx.AsyncClient, ada: Account
) -> None:
    rotated = (await client.post("/auth/refresh", json={"refresh_token": ada.refresh})).json()
    newest = {"Authorization": f"Bearer {rotated['access_token']}"}
    other_session = await login(client, ada.email)
    response = await client.post("/auth/logout", json={"refresh_token": rotated["refresh_token"]})
    assert response.status_code == 204
    assert_problem(await client.get("/users/me", headers=ada.auth), 401)  # before the refresh
    assert_problem(await client.get("/users/me", headers=newest), 401)
    other = {"Authorization": f"Bearer {other_session['access_token']}"}
    assert (await client.get("/users/me", headers=other)).status_code == 200


async def test_logout_also_ends_the_session_of_the_bearer_when_it_is_another_one(
    client: httpx.AsyncClient, ada: Account
) -> None:
    """The presented access token stops working even when the refresh token sent with it
    belongs to another session of the same user."""
    other_session = await login(client, ada.email)
    response = await client.post(
        "/auth/logout", json={"refresh_token": other_session["refresh_token"]}, headers=ada.auth
    )
    assert response.status_code == 204
    assert_problem(await client.get("/users/me", headers=ada.auth), 401)
    assert_problem(await client.post("/auth/refresh", json={"refresh_token": ada.refresh}), 401)
    other = {"Authorization": f"Bearer {other_session['access_token']}"}
    assert_problem(await client.get("/users/me", headers=other), 401)


async def test_refresh_reuse_also_kills_the_access_tokens_of_the_stolen_session(
    client: httpx.AsyncClient, ada: Account
) -> None:
    thief = (await client.post("/auth/refresh", json={"refresh_token": ada.refresh})).json()
    thief_auth = {"Authorization": f"Bearer {thief['access_token']}"}
    assert (await client.get("/users/me", headers=thief_auth)).status_code == 200
    await client.post("/auth/refresh", json={"refresh_token": ada.refresh})  # the victim's replay
    assert_problem(await client.get("/users/me", headers=thief_auth), 401)
