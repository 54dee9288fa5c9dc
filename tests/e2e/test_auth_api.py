from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import jwt
import pytest

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


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _segment(data: dict[str, object]) -> str:
    return _b64(json.dumps(data).encode())


@dataclass
class Forge:
    """Builds tokens for Ada by hand, so any header, claim or signature can be forged."""

    secret: str
    real: Account  # the tokens the API really issued to Ada
    now: int  # the API's clock

    def claims(self, **overrides: object) -> dict[str, object]:
        issued = jwt.decode(self.real.access, options={"verify_signature": False})
        claims: dict[str, object] = {
            "iss": "inkwell",
            "aud": "inkwell-api",
            "sub": self.real.id,
            "iat": self.now,
            "exp": self.now + 600,
            "jti": "forged",
            "typ": "access",
            "tv": 0,
            "sid": issued["sid"],
        }
        claims.update(overrides)
        return claims

    def sign(
        self,
        *,
        header: dict[str, object] | None = None,
        drop: str | None = None,
        key: str | None = None,
        digest: Callable[[], Any] = hashlib.sha256,
        **overrides: object,
    ) -> str:
        """HMAC-signed with the API's secret (or `key`), HS256 and `at+jwt` unless told."""
        claims = {k: v for k, v in self.claims(**overrides).items() if k != drop}
        head = {"alg": "HS256", "typ": "at+jwt", **(header or {})}
        signing_input = f"{_segment(head)}.{_segment(claims)}"
        mac = hmac.new((key or self.secret).encode(), signing_input.encode(), digest)
        return f"{signing_input}.{_b64(mac.digest())}"

    def unsigned(self, alg: str, signature: str = "") -> str:
        return f"{_segment({'alg': alg, 'typ': 'at+jwt'})}.{_segment(self.claims())}.{signature}"


def _flip_signature(token: str) -> str:
    head, body, signature = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[len(raw) // 2] ^= 0x01
    return f"{head}.{body}.{_b64(bytes(raw))}"


def _resign_claims(forge: Forge) -> str:
    """A real signature over other claims: Ada's token, with a stranger's subject."""
    head, _body, signature = forge.real.access.split(".")
    return f"{head}.{_segment(forge.claims(sub=str(uuid.uuid4())))}.{signature}"


REQUIRED_CLAIMS = ["iss", "aud", "sub", "exp", "iat", "jti", "typ", "tv", "sid"]

# Each forgery is refused by its own defence: removing that check fails exactly its test.
FORGERIES: dict[str, Callable[[Forge], str]] = {
    "signed with another secret": lambda f: f.sign(key="another-secret-of-sufficient-length!!"),
    "signature altered": lambda f: _flip_signature(f.real.access),
    "claims altered under a real signature": _resign_claims,
    "alg none": lambda f: f.unsigned("none"),
    "alg None": lambda f: f.unsigned("None"),
    "alg NONE": lambda f: f.unsigned("NONE"),
    "alg none with a real signature": lambda f: f.unsigned("none", f.real.access.rsplit(".", 1)[1]),
    "HS512 with the right secret": lambda f: f.sign(header={"alg": "HS512"}, digest=hashlib.sha512),
    "HS384 with the right secret": lambda f: f.sign(header={"alg": "HS384"}, digest=hashlib.sha384),
    # Key confusion: an RS256 header whose "signature" is an HMAC keyed with the secret, as if
    # the verifier took the HMAC secret for an RSA public key.
    "RS256 signed with the HMAC secret": lambda f: f.sign(header={"alg": "RS256"}),
    **{f"missing {claim}": functools.partial(Forge.sign, drop=claim) for claim in REQUIRED_CLAIMS},
    "expired": lambda f: f.sign(iat=f.now - 960, exp=f.now - 31),
    "expired long ago": lambda f: f.sign(iat=f.now - 90_000, exp=f.now - 86_400),
    "exp not a number": lambda f: f.sign(exp=str(f.now + 600)),
    "issued in the future": lambda f: f.sign(iat=f.now + 3600, exp=f.now + 4200),
    "not valid before the future": lambda f: f.sign(nbf=f.now + 3600),
    "wrong issuer": lambda f: f.sign(iss="evil"),
    "wrong audience": lambda f: f.sign(aud="someone-else"),
    "audience list without ours": lambda f: f.sign(aud=["someone-else", "another"]),
    "typ claim refresh": lambda f: f.sign(typ="refresh"),
    "typ header JWT": lambda f: f.sign(header={"typ": "JWT"}),
    "no typ header": lambda f: f.sign(header={"typ": None}),
    "older token version": lambda f: f.sign(tv=1),
    "token version false": lambda f: f.sign(tv=False),  # False == 0 in Python
    "token version a string": lambda f: f.sign(tv="0"),
    "unknown session": lambda f: f.sign(sid=str(uuid.uuid4())),
    "session not a string": lambda f: f.sign(sid=12),
    "subject not a uuid": lambda f: f.sign(sub="not-a-uuid"),
    "subject of nobody": lambda f: f.sign(sub=str(uuid.uuid4())),
    "refresh token as access token": lambda f: f.real.refresh,
    "not a jwt": lambda f: "not.a.jwt",
    "empty segments": lambda f: "..",
}


@pytest.fixture
def forge(ada: Account, container: Container, clock: FrozenClock) -> Forge:
    return Forge(container.jwt_secret(), ada, int(clock.now().timestamp()))


async def test_a_hand_made_token_with_the_right_secret_and_claims_is_accepted(
    client: httpx.AsyncClient, forge: Forge
) -> None:
    """The control for the forgeries below: what they change is what gets them refused."""
    response = await client.get("/users/me", headers={"Authorization": f"Bearer {forge.sign()}"})
    assert response.status_code == 200
    assert response.json()["id"] == forge.real.id


@pytest.mark.parametrize("make", FORGERIES.values(), ids=FORGERIES.keys())
async def test_forged_tokens_are_refused(
    client: httpx.AsyncClient, forge: Forge, make: Callable[[Forge], str]
) -> None:
    response = await client.get("/users/me", headers={"Authorization": f"Bearer {make(forge)}"})
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


async def test_an_access_token_is_not_a_refresh_token(
    client: httpx.AsyncClient, ada: Account
) -> None:
    assert_problem(await client.post("/auth/refresh", json={"refresh_token": ada.access}), 401)


async def test_a_token_of_a_user_deactivated_outside_the_api_is_refused(
    client: httpx.AsyncClient, container: Container, ada: Account
) -> None:
    """Deactivation through the API also bumps the token version and revokes the sessions
    (test_users_api); the flag alone must be enough, e.g. after an operator's
    `UPDATE users SET is_active = false` that left both untouched."""
    container.memory_db().state.users[uuid.UUID(ada.id)].is_active = False
    assert_problem(await client.get("/users/me", headers=ada.auth), 401)


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
