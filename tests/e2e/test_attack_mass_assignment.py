"""Mass assignment: every request body schema (found from the OpenAPI document, so a new one
is covered without editing this file) rejects unknown fields with 422, no schema offers a
server-owned field, and the admin-only fields are refused (403) to everyone else."""

from __future__ import annotations

import dataclasses
import re
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from entrypoints.container import Container, build_container
from entrypoints.http.app import create_app
from tests.conftest import make_settings
from tests.e2e.conftest import PASSWORD, Account, all_routes, assert_problem

V1 = "/api/v1"

# Form bodies are not schemas a client writes through; say why each one is exempt.
NOT_JSON = {
    ("POST", f"{V1}/auth/token"): "the OAuth2 password form: credentials in, nothing stored",
    ("POST", "/verify-email"): "the mailed link's page: a token in, nothing else is written",
    ("POST", "/reset-password"): "the mailed link's page: a token and the new password only",
}

# A valid body per schema, so that the unknown field is the only thing wrong with a request.
VALID = {
    "UserCreate": {"email": "new@example.com", "password": "a long passphrase", "name": "New"},
    "UserUpdate": {"name": "Renamed"},
    "PostCreate": {"title": "Title", "body": "Body"},
    "PostUpdate": {"title": "Retitled"},
    "RefreshRequest": {"refresh_token": "opaque"},
    "PasswordResetRequest": {"email": "ada@example.com"},
    "PasswordResetConfirm": {"token": "opaque", "new_password": "a long passphrase"},
    "EmailConfirm": {"token": "opaque"},
}

# Fields only the server sets, with values an attacker would like them to have.
SERVER_OWNED: dict[str, Any] = {
    "id": str(uuid.uuid4()),
    "author_id": str(uuid.uuid4()),
    "user_id": str(uuid.uuid4()),
    "recipient_id": str(uuid.uuid4()),
    "status": "published",
    "published_at": "2000-01-01T00:00:00Z",
    "version": 99,
    "created_at": "2000-01-01T00:00:00Z",
    "updated_at": "2000-01-01T00:00:00Z",
    "email_verified": True,
    "email_verified_at": "2000-01-01T00:00:00Z",
    "token_version": 0,
    "password_hash": "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
    "read_at": "2000-01-01T00:00:00Z",
    "is_admin": True,
    "is_active": True,
    "role": "admin",
}
# Writable by administrators only (refused with 403 to everyone else), in these schemas only.
ADMIN_ONLY = {"UserUpdate": {"is_admin", "is_active"}}


def _json_bodies(app: FastAPI) -> dict[tuple[str, str], str]:
    """(method, path) -> request schema name, for every JSON request body in the API."""
    bodies = {}
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if not content or (method.upper(), path) in NOT_JSON:
                continue
            assert set(content) == {"application/json"}, (method, path, set(content))
            ref = content["application/json"]["schema"]["$ref"]
            bodies[(method.upper(), path)] = ref.rsplit("/", 1)[1]
    return bodies


def test_every_route_with_a_body_is_documented_and_json_or_exempt(app: FastAPI) -> None:
    with_body = {
        (method, re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path))
        for route in all_routes(app)
        if getattr(route, "body_field", None) is not None
        for method in route.methods
    }
    assert with_body == set(_json_bodies(app)) | set(NOT_JSON)


def test_every_request_schema_forbids_unknown_fields_and_has_a_valid_example(
    app: FastAPI,
) -> None:
    schemas = app.openapi()["components"]["schemas"]
    for name in set(_json_bodies(app).values()):
        assert schemas[name].get("additionalProperties") is False, name
        assert name in VALID, f"add a valid example body for {name}"


def test_no_request_schema_offers_a_server_owned_field(app: FastAPI) -> None:
    schemas = app.openapi()["components"]["schemas"]
    for name in set(_json_bodies(app).values()):
        offered = set(schemas[name]["properties"]) & set(SERVER_OWNED)
        assert offered <= ADMIN_ONLY.get(name, set()), (name, offered)


@pytest.fixture
async def root_client(app: FastAPI) -> Any:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as c:
        yield c


def _writes() -> list[tuple[str, str, str]]:
    """Collected from a fresh app, so every JSON body route gets its own test case."""
    app = create_app(build_container(make_settings()))
    return sorted((m, p, schema) for (m, p), schema in _json_bodies(app).items())


WRITES = _writes()


@pytest.mark.parametrize(
    ("method", "path", "schema"), WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES]
)
async def test_unknown_and_server_owned_fields_are_422_and_change_nothing(
    root_client: httpx.AsyncClient,
    container: Container,
    ada: Account,
    method: str,
    path: str,
    schema: str,
) -> None:
    post = await root_client.post(f"{V1}/posts", json={"title": "t", "body": "b"}, headers=ada.auth)
    url = path.format(user_id=ada.id, post_id=post.json()["id"])  # Ada's own objects
    before = dataclasses.asdict(container.memory_db().state)
    extras = {"unexpected": 1, **SERVER_OWNED}
    for field in set(extras) - ADMIN_ONLY.get(schema, set()):
        body = {**VALID[schema], field: extras[field]}
        response = await root_client.request(method, url, json=body, headers=ada.auth)
        problem = assert_problem(response, 422)
        assert {"loc": ["body", field], "type": "extra_forbidden"} in [
            {"loc": e["loc"], "type": e["type"]} for e in problem["errors"]
        ], (field, problem)
    assert dataclasses.asdict(container.memory_db().state) == before


ADMIN_FIELDS = [
    {"is_admin": True},
    {"is_admin": False},  # even the value it already has
    {"is_active": False},
    {"is_active": True},
    {"name": "Renamed", "is_admin": True},
]


@pytest.mark.parametrize("body", ADMIN_FIELDS, ids=[str(b) for b in ADMIN_FIELDS])
@pytest.mark.parametrize("own_url", ["/users/me", "/users/{id}"])
async def test_admin_only_fields_are_403_to_non_admins_and_change_nothing(
    client: httpx.AsyncClient,
    container: Container,
    ada: Account,
    own_url: str,
    body: dict[str, Any],
) -> None:
    before = dataclasses.asdict(container.memory_db().state)
    response = await client.patch(own_url.format(id=ada.id), json=body, headers=ada.auth)
    assert_problem(response, 403)
    assert dataclasses.asdict(container.memory_db().state) == before
    me = (await client.get("/users/me", headers=ada.auth)).json()
    assert (me["is_admin"], me["is_active"], me["name"]) == (False, True, "Ada")


async def test_admins_may_set_the_admin_only_fields(
    client: httpx.AsyncClient, ada: Account, admin: Account
) -> None:
    """The control for the test above: the fields work, for the people allowed to use them."""
    response = await client.patch(f"/users/{ada.id}", json={"is_admin": True}, headers=admin.auth)
    assert response.json()["is_admin"] is True


async def test_fields_smuggled_in_the_query_string_are_ignored(
    client: httpx.AsyncClient, ada: Account
) -> None:
    response = await client.patch(
        "/users/me",
        params={"is_admin": "true", "email_verified": "true", "password_hash": "x"},
        json={"name": "Renamed"},
        headers=ada.auth,
    )
    assert response.status_code == 200
    me = (await client.get("/users/me", headers=ada.auth)).json()
    assert (me["name"], me["is_admin"], me["email_verified"]) == ("Renamed", False, False)
    login = await client.post("/auth/token", data={"username": ada.email, "password": PASSWORD})
    assert login.status_code == 200  # the stored hash is still the real one
