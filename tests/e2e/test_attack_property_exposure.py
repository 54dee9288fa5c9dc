"""Property-level exposure (OWASP API3): another account's email and account flags are for
that account and administrators only.

The routes are found in the OpenAPI document, not listed here: every operation whose success
response can carry a user's private fields is called by an ordinary, unverified user aiming at
someone else (after an administrator made the same read, so a cached full view would show),
and no private field of any account but the caller's may come back. A new route that returns
users is covered without editing this test; one with a path parameter it cannot fill fails
until `_path_value` knows it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from entrypoints.container import Container
from tests.e2e.conftest import Account, assert_problem, drain, make_admin, signup

PRIVATE = frozenset({"email", "is_admin", "is_active", "email_verified"})
# Every route known today to return a user-shaped body: the walk must find at least these.
KNOWN = {"register", "me", "update_me", "list_users", "get_user", "update_user"}


def _mentions_private(schema: Any, spec: dict[str, Any], seen: frozenset[str]) -> bool:
    """Whether a JSON Schema (refs followed, through anyOf, items, ...) has a private property."""
    if isinstance(schema, list):
        return any(_mentions_private(s, spec, seen) for s in schema)
    if not isinstance(schema, dict):
        return False
    ref = schema.get("$ref")
    if isinstance(ref, str):
        if ref in seen:
            return False
        target = spec["components"]["schemas"][ref.rsplit("/", 1)[-1]]
        return _mentions_private(target, spec, seen | {ref})
    if PRIVATE & set(schema.get("properties", {})):
        return True
    return any(_mentions_private(value, spec, seen) for value in schema.values())


def user_returning_operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            successes = [r for code, r in operation["responses"].items() if code.startswith("2")]
            if _mentions_private(successes, spec, frozenset()):
                found.append((method.upper(), path, operation))
    return found


@dataclass
class World:
    victim: Account
    attacker: Account  # an ordinary account, a minute old, its address not verified
    admin: Account
    post: str  # the victim's published post
    notification: str  # the victim's


@pytest.fixture
async def world(client: httpx.AsyncClient, container: Container) -> World:
    victim = await signup(client, "victim@example.com", "Victim")
    attacker = await signup(client, "attacker@example.com", "Attacker")
    admin = await make_admin(client, container, "root@example.com")
    created = await client.post("/posts", json={"title": "t", "body": "b"}, headers=victim.auth)
    post = created.json()["id"]
    await client.post(f"/posts/{post}/publish", headers=victim.auth)
    await client.put(f"/users/{victim.id}/follow", headers=admin.auth)  # the victim is notified
    await drain(container)
    notes = (await client.get("/notifications", headers=victim.auth)).json()["items"]
    return World(victim, attacker, admin, post, notes[0]["id"])


def _path_value(name: str, world: World) -> str:
    values = {
        "user_id": world.victim.id,
        "post_id": world.post,
        "notification_id": world.notification,
    }
    if name not in values:
        pytest.fail(f"a route takes {{{name}}}: tell _path_value whose object to aim at")
    return str(values[name])


def _example_body(operation: dict[str, Any], spec: dict[str, Any]) -> Any:
    """A valid body from the schema's examples: required fields only (none for updates)."""
    if "requestBody" not in operation:
        return None
    content = operation["requestBody"]["content"]
    if "application/json" not in content:
        pytest.fail(f"{operation['operationId']}: teach this test its body's media type")
    schema = content["application/json"]["schema"]
    schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    body = {}
    for name in schema.get("required", []):
        examples = schema["properties"][name].get("examples")
        if not examples:
            pytest.fail(f"{operation['operationId']}: give `{name}` an example")
        body[name] = examples[0]
    return body


def _leaks(payload: Any, others: dict[str, Account]) -> list[str]:
    """Private fields of another account anywhere in a JSON answer."""
    found = []
    if isinstance(payload, list):
        for value in payload:
            found += _leaks(value, others)
    elif isinstance(payload, dict):
        if str(payload.get("id")) in others:
            found += sorted(PRIVATE & set(payload))
        for value in payload.values():
            found += _leaks(value, others)
    return found


async def test_no_route_shows_another_accounts_email_or_flags_to_an_ordinary_user(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    spec = app.openapi()
    operations = user_returning_operations(spec)
    assert {operation["operationId"] for _, _, operation in operations} >= KNOWN
    others = {world.victim.id: world.victim, world.admin.id: world.admin}
    leaks = []
    for method, path, operation in operations:
        url = path.removeprefix("/api/v1")
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path":
                value = _path_value(parameter["name"], world)
                url = url.replace(f"{{{parameter['name']}}}", value)
        body = _example_body(operation, spec)
        if method == "GET":  # an administrator's read first: a cached full view would show
            await client.get(url, headers=world.admin.auth)
        response = await client.request(method, url, json=body, headers=world.attacker.auth)
        assert response.status_code < 500, (method, path, response.text)
        payload = response.json()
        fields = _leaks(payload, others)
        addresses = [a.email for a in others.values() if a.email in response.text]
        if fields or addresses:
            leaks.append((method, path, response.status_code, fields, addresses))
    assert not leaks, leaks


async def test_an_ordinary_user_reads_another_account_as_a_public_profile(
    client: httpx.AsyncClient, world: World
) -> None:
    await client.get(f"/users/{world.victim.id}", headers=world.admin.auth)  # cached in full
    response = await client.get(f"/users/{world.victim.id}", headers=world.attacker.auth)
    assert response.status_code == 200
    assert set(response.json()) == {"id", "name", "created_at"}
    assert response.json()["name"] == "Victim"


async def test_listing_every_account_is_refused_to_an_ordinary_user(
    client: httpx.AsyncClient, world: World
) -> None:
    body = assert_problem(await client.get("/users", headers=world.attacker.auth), 403)
    assert "victim@example.com" not in str(body)
    page = (await client.get("/users", params={"limit": 100}, headers=world.admin.auth)).json()
    assert "victim@example.com" in {user["email"] for user in page["items"]}
