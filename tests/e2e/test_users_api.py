from __future__ import annotations

import asyncio
import uuid

import httpx

from tests.e2e.conftest import PASSWORD, Account, assert_problem, login


async def test_registration_returns_the_public_view(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/users", json={"email": "Ada@Example.com", "password": PASSWORD, "name": "Ada"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "ada@example.com"
    assert set(body) == {
        "id",
        "email",
        "name",
        "is_active",
        "is_admin",
        "email_verified",
        "created_at",
        "updated_at",
    }
    assert response.headers["location"] == f"/api/v1/users/{body['id']}"


async def test_a_duplicate_email_is_409_whatever_its_case(
    client: httpx.AsyncClient, ada: Account
) -> None:
    response = await client.post(
        "/users", json={"email": "ADA@example.COM", "password": PASSWORD, "name": "Impostor"}
    )
    assert_problem(response, 409)


async def test_concurrent_registrations_of_one_email_create_one_account(
    client: httpx.AsyncClient,
) -> None:
    body = {"email": "race@example.com", "password": PASSWORD, "name": "Racer"}
    responses = await asyncio.gather(*(client.post("/users", json=body) for _ in range(10)))
    assert sorted(r.status_code for r in responses) == [201] + [409] * 9


async def test_registration_rejects_bad_input_with_422(client: httpx.AsyncClient) -> None:
    bad = [
        {"email": "not-an-email", "password": PASSWORD, "name": "A"},
        {"email": "a@x.io", "password": "short", "name": "A"},
        {"email": "a@x.io", "password": "p" * 129, "name": "A"},
        {"email": "a@x.io", "password": PASSWORD, "name": ""},
        {"email": "a@x.io", "password": PASSWORD},
    ]
    for body in bad:
        assert_problem(await client.post("/users", json=body), 422)


async def test_mass_assignment_of_is_admin_is_impossible(
    client: httpx.AsyncClient, ada: Account
) -> None:
    body = {"email": "m@x.io", "password": PASSWORD, "name": "M", "is_admin": True}
    assert_problem(await client.post("/users", json=body), 422)
    assert_problem(await client.patch("/users/me", json={"is_admin": True}, headers=ada.auth), 403)
    assert_problem(
        await client.patch("/users/me", json={"is_active": False}, headers=ada.auth), 403
    )
    assert_problem(await client.patch("/users/me", json={"role": "admin"}, headers=ada.auth), 422)
    me = await client.get("/users/me", headers=ada.auth)
    assert me.json()["is_admin"] is False


async def test_me_shows_and_updates_the_caller(client: httpx.AsyncClient, ada: Account) -> None:
    me = await client.get("/users/me", headers=ada.auth)
    assert me.json()["email"] == ada.email
    renamed = await client.patch("/users/me", json={"name": "Countess"}, headers=ada.auth)
    assert renamed.json()["name"] == "Countess"


async def test_email_change_needs_the_current_password(
    client: httpx.AsyncClient, ada: Account
) -> None:
    assert_problem(await client.patch("/users/me", json={"email": "n@x.io"}, headers=ada.auth), 403)
    ok = await client.patch(
        "/users/me", json={"email": "n@x.io", "current_password": PASSWORD}, headers=ada.auth
    )
    assert ok.json()["email"] == "n@x.io"


async def _change_ends_only_other_sessions(
    client: httpx.AsyncClient, ada: Account, change: dict[str, str]
) -> None:
    """PATCH /users/me with `change`; the other session dies, the caller's survives a refresh."""
    other = await login(client, ada.email)
    changed = await client.patch(
        "/users/me", json={**change, "current_password": PASSWORD}, headers=ada.auth
    )
    assert changed.status_code == 200
    other_auth = {"Authorization": f"Bearer {other['access_token']}"}
    assert_problem(await client.get("/users/me", headers=other_auth), 401)
    assert_problem(
        await client.post("/auth/refresh", json={"refresh_token": other["refresh_token"]}), 401
    )
    mine = await client.post("/auth/refresh", json={"refresh_token": ada.refresh})
    assert mine.status_code == 200


async def test_password_change_ends_other_sessions(client: httpx.AsyncClient, ada: Account) -> None:
    await _change_ends_only_other_sessions(client, ada, {"new_password": "a new long password"})
    assert_problem(
        await client.post("/auth/token", data={"username": ada.email, "password": PASSWORD}), 401
    )
    await login(client, ada.email, "a new long password")


async def test_administrators_list_users_with_cursor_pagination(
    client: httpx.AsyncClient, ada: Account, bob: Account, admin: Account
) -> None:
    first = await client.get("/users", params={"limit": 2}, headers=admin.auth)
    assert first.status_code == 200
    page = first.json()
    assert len(page["items"]) == 2
    assert page["next_cursor"]
    second = await client.get(
        "/users", params={"limit": 2, "cursor": page["next_cursor"]}, headers=admin.auth
    )
    items = page["items"] + second.json()["items"]
    assert {u["id"] for u in items} == {ada.id, bob.id, admin.id}
    assert {u["email"] for u in items} == {ada.email, bob.email, admin.email}
    assert_problem(await client.get("/users"), 401)
    assert_problem(await client.get("/users", headers=ada.auth), 403)


FULL_VIEW = {
    "id",
    "email",
    "name",
    "is_active",
    "is_admin",
    "email_verified",
    "created_at",
    "updated_at",
}


async def test_get_user_by_id(client: httpx.AsyncClient, ada: Account, bob: Account) -> None:
    response = await client.get(f"/users/{bob.id}", headers=ada.auth)
    assert response.json()["name"] == "Bob"
    assert set(response.json()) == {"id", "name", "created_at"}
    assert_problem(await client.get(f"/users/{uuid.uuid4()}", headers=ada.auth), 404)
    # Ids are routed as UUIDs, so that "/users/me" is never read as an id.
    assert_problem(await client.get("/users/not-a-uuid", headers=ada.auth), 404)


async def test_users_patch_only_themselves_and_admins_anyone(
    client: httpx.AsyncClient, ada: Account, bob: Account, admin: Account
) -> None:
    assert_problem(
        await client.patch(f"/users/{bob.id}", json={"name": "X"}, headers=ada.auth), 403
    )
    response = await client.patch(
        f"/users/{bob.id}", json={"is_admin": True, "name": "Robert"}, headers=admin.auth
    )
    assert (response.json()["is_admin"], response.json()["name"]) == (True, "Robert")


async def test_deactivation_by_an_admin_ends_the_users_sessions(
    client: httpx.AsyncClient, ada: Account, admin: Account
) -> None:
    response = await client.patch(f"/users/{ada.id}", json={"is_active": False}, headers=admin.auth)
    assert response.json()["is_active"] is False
    assert_problem(await client.get("/users/me", headers=ada.auth), 401)
    assert_problem(await client.post("/auth/refresh", json={"refresh_token": ada.refresh}), 401)


async def test_only_admins_delete_users(
    client: httpx.AsyncClient, ada: Account, bob: Account, admin: Account
) -> None:
    assert_problem(await client.delete(f"/users/{bob.id}", headers=ada.auth), 403)
    assert (await client.delete(f"/users/{bob.id}", headers=admin.auth)).status_code == 204
    assert_problem(await client.get(f"/users/{bob.id}", headers=ada.auth), 404)
    assert_problem(await client.get("/users/me", headers=bob.auth), 401)


async def test_follow_and_unfollow(client: httpx.AsyncClient, ada: Account, bob: Account) -> None:
    for _ in range(2):
        assert (await client.put(f"/users/{bob.id}/follow", headers=ada.auth)).status_code == 204
    for _ in range(2):
        response = await client.delete(f"/users/{bob.id}/follow", headers=ada.auth)
        assert response.status_code == 204
    assert_problem(await client.put(f"/users/{ada.id}/follow", headers=ada.auth), 403)
    assert_problem(await client.put(f"/users/{uuid.uuid4()}/follow", headers=ada.auth), 404)


async def test_email_change_ends_other_sessions_but_not_the_callers(
    client: httpx.AsyncClient, ada: Account
) -> None:
    await _change_ends_only_other_sessions(client, ada, {"email": "new@example.com"})


async def test_the_account_and_admins_get_the_full_view_after_others_read_the_public_one(
    client: httpx.AsyncClient, ada: Account, bob: Account, admin: Account
) -> None:
    public = await client.get(f"/users/{ada.id}", headers=bob.auth)  # cached as a profile
    assert set(public.json()) == {"id", "name", "created_at"}
    for who in (ada, admin):
        full = await client.get(f"/users/{ada.id}", headers=who.auth)
        assert set(full.json()) == FULL_VIEW
        assert full.json()["email"] == ada.email
    me = await client.get("/users/me", headers=ada.auth)
    assert (set(me.json()), me.json()["email"]) == (FULL_VIEW, ada.email)
    again = await client.get(f"/users/{ada.id}", headers=bob.auth)  # the full one is cached now
    assert again.json() == public.json()


async def test_a_rename_shows_in_both_views(
    client: httpx.AsyncClient, ada: Account, bob: Account
) -> None:
    for who in (ada, bob):  # both shapes cached
        await client.get(f"/users/{ada.id}", headers=who.auth)
    await client.patch("/users/me", json={"name": "Countess"}, headers=ada.auth)
    for who in (ada, bob):
        assert (await client.get(f"/users/{ada.id}", headers=who.auth)).json()["name"] == "Countess"
