"""Broken object-level authorization: for every route that takes an object id (in its path,
or as a `*_id` query parameter), an ordinary user aiming at someone else's object gets what
DESIGN.md promises (403, 404, or the public view) and changes nothing.

The table is checked against `app.routes`, so a new route with an id fails
`test_every_route_taking_an_object_id_is_in_the_table` until it has a case here."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Literal

import httpx
import pytest
from fastapi import FastAPI

from entrypoints.container import Container
from tests.e2e.conftest import PASSWORD, Account, all_routes, drain, signup


@dataclass
class World:
    """Ada owns everything here; Bob, an ordinary user, is the attacker."""

    ada: Account
    bob: Account
    carol: Account  # someone Ada follows
    draft: str
    published: str
    notification: str  # Ada's


@dataclass(frozen=True)
class Case:
    method: str
    route: str  # the route's path template, as in app.routes
    target: str  # the World attribute holding the object's id
    expect: int
    body: dict[str, Any] | None = None
    # "everything": the whole database is unchanged. "ada": nothing of Ada's changed (for
    # actions DESIGN.md lets Bob take on his own data, such as following someone).
    unchanged: Literal["everything", "ada"] = "everything"
    query: str | None = None  # the id goes in this query parameter, not in the path

    @property
    def id(self) -> str:
        body = f" {sorted(self.body)}" if self.body else ""
        return f"{self.method} {self.route} on {self.target}{body}"

    def url_and_params(self, world: World) -> tuple[str, dict[str, str]]:
        value = getattr(world, self.target)
        value = value.id if isinstance(value, Account) else value
        if self.query:
            return self.route, {self.query: value}
        name = self.route[self.route.index("{") + 1 : self.route.index("}")]
        return self.route.format(**{name: value}), {}


V1 = "/api/v1"
USER, FOLLOW = f"{V1}/users/{{user_id}}", f"{V1}/users/{{user_id}}/follow"
POST, PUBLISH = f"{V1}/posts/{{post_id}}", f"{V1}/posts/{{post_id}}/publish"
READ = f"{V1}/notifications/{{notification_id}}/read"
HIJACK = {
    "name": "Pwned",
    "email": "bob+ada@example.com",
    "new_password": "bob chose this one",
    "current_password": PASSWORD,
}
PWNED = {"title": "Pwned"}

CASES = [
    # Any signed-in user reads a public profile (no email, no flags: test_attack_property_exposure).
    Case("GET", USER, "ada", 200),
    Case("PATCH", USER, "ada", 403, HIJACK),
    Case("PATCH", USER, "ada", 403, {"is_active": False}),
    Case("DELETE", USER, "ada", 403),
    # Follows are the caller's own: Bob following or unfollowing Carol never touches Ada's.
    Case("PUT", FOLLOW, "carol", 204, unchanged="ada"),
    Case("DELETE", FOLLOW, "carol", 204, unchanged="ada"),
    # Drafts do not exist for others (404); published posts are public but not theirs (403).
    Case("GET", POST, "draft", 404),
    Case("GET", POST, "published", 200),
    Case("PATCH", POST, "draft", 404, PWNED),
    Case("PATCH", POST, "published", 403, PWNED),
    Case("DELETE", POST, "draft", 404),
    Case("DELETE", POST, "published", 403),
    Case("POST", PUBLISH, "draft", 404),
    Case("POST", PUBLISH, "published", 403),
    # Listing by author shows only what is public: Ada's published post, never her draft.
    Case("GET", f"{V1}/posts", "ada", 200, query="author_id"),
    # Ada's security trail is for administrators only.
    Case("GET", f"{V1}/admin/audit-events", "ada", 403, query="subject_id"),
    Case("GET", f"{V1}/admin/audit-events", "ada", 403, query="actor_id"),
    Case("POST", READ, "notification", 404),
]


def _routes_taking_object_ids(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route with a path parameter, documented or not, or with an
    `*_id` query parameter."""
    found = set()
    for route in all_routes(app):
        path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path or "")  # {id:uuid} -> {id}
        if "{" in path:
            found |= {(m, path) for m in route.methods or {"*"} if m != "HEAD"}
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            parameters = operation.get("parameters", [])
            if any(p["in"] == "path" or p["name"].endswith("_id") for p in parameters):
                found.add((method.upper(), path))
    return found


def test_every_route_taking_an_object_id_is_in_the_table(app: FastAPI) -> None:
    assert _routes_taking_object_ids(app) == {(c.method, c.route) for c in CASES}


@pytest.fixture
async def root_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as c:
        yield c


@pytest.fixture
async def world(client: httpx.AsyncClient, container: Container) -> World:
    ada, bob, carol = [
        await signup(client, f"{name}@example.com", name.title())
        for name in ("ada", "bob", "carol")
    ]
    posts = []
    for title in ("draft", "published"):
        created = await client.post("/posts", json={"title": title, "body": "b"}, headers=ada.auth)
        posts.append(created.json()["id"])
    await client.post(f"/posts/{posts[1]}/publish", headers=ada.auth)
    await client.put(f"/users/{carol.id}/follow", headers=ada.auth)
    await client.put(f"/users/{ada.id}/follow", headers=carol.auth)  # Ada is notified
    await drain(container)
    notes = (await client.get("/notifications", headers=ada.auth)).json()["items"]
    return World(ada, bob, carol, posts[0], posts[1], notes[0]["id"])


def _database(container: Container) -> dict[str, Any]:
    return dataclasses.asdict(container.memory_db().state)


OWNER_KEYS = ("id", "author_id", "follower_id", "followee_id", "user_id", "recipient_id")


def _adas(container: Container, ada: Account) -> dict[str, Any]:
    """Everything that belongs to Ada: her account, posts, follows, sessions, notifications."""
    state, mine = _database(container), str(ada.id)
    return {
        table: {
            key: row for key, row in rows.items() if mine in {str(row.get(k)) for k in OWNER_KEYS}
        }
        for table, rows in state.items()
        if table != "outbox"
    }


async def _views(client: httpx.AsyncClient, world: World) -> list[Any]:
    """What Ada herself sees of her things."""
    auth = world.ada.auth
    urls = ["/users/me", f"/posts/{world.draft}", f"/posts/{world.published}", "/notifications"]
    responses = [await client.get(V1 + url, headers=auth) for url in urls]
    feed = await client.get(f"{V1}/feed", headers=auth)
    return [(r.status_code, r.headers.get("etag"), r.json()) for r in [*responses, feed]]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_another_users_objects_are_out_of_reach(
    root_client: httpx.AsyncClient, container: Container, world: World, case: Case
) -> None:
    url, params = case.url_and_params(world)
    before_db, before_adas = _database(container), _adas(container, world.ada)
    before_views = await _views(root_client, world)

    response = await root_client.request(
        case.method,
        url,
        params=params,
        json=case.body,
        headers=world.bob.auth,
    )

    assert response.status_code == case.expect, response.text
    if case.expect >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")
    if case.unchanged == "everything":
        assert _database(container) == before_db
    assert _adas(container, world.ada) == before_adas
    assert await _views(root_client, world) == before_views
    if response.status_code == 200 and case.method == "GET":
        assert world.draft not in response.text  # a public read never reveals the draft
    await drain(container)  # nor may whatever it queued for later
    assert _adas(container, world.ada) == before_adas
    assert (await root_client.post(f"{V1}/auth/token", data=_login(world.ada))).status_code == 200


def _login(who: Account) -> dict[str, str]:
    return {"username": who.email, "password": PASSWORD}
