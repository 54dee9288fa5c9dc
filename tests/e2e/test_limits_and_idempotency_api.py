from __future__ import annotations

import asyncio

import httpx

from tests.e2e.conftest import PASSWORD, Account, assert_problem


async def test_login_attempts_on_one_account_are_throttled_with_retry_after(
    client: httpx.AsyncClient, ada: Account
) -> None:
    for _ in range(10):
        wrong = await client.post("/auth/token", data={"username": ada.email, "password": "x" * 9})
        assert wrong.status_code == 401
    throttled = await client.post("/auth/token", data={"username": ada.email, "password": PASSWORD})
    assert_problem(throttled, 429)
    assert int(throttled.headers["retry-after"]) > 0


async def test_parallel_guesses_never_exceed_the_account_limit(
    client: httpx.AsyncClient, ada: Account
) -> None:
    attempts = [
        client.post("/auth/token", data={"username": ada.email, "password": f"guess {i:04}"})
        for i in range(30)
    ]
    statuses = [r.status_code for r in await asyncio.gather(*attempts)]
    assert statuses.count(401) == 10
    assert statuses.count(429) == 20


async def test_a_successful_login_clears_the_accounts_failures(
    client: httpx.AsyncClient, ada: Account
) -> None:
    for _ in range(3):
        for _ in range(9):
            await client.post("/auth/token", data={"username": ada.email, "password": "x" * 9})
        ok = await client.post("/auth/token", data={"username": ada.email, "password": PASSWORD})
        assert ok.status_code == 200


async def test_registrations_are_limited_per_client(client: httpx.AsyncClient) -> None:
    statuses = []
    for i in range(21):
        body = {"email": f"u{i}@example.com", "password": PASSWORD, "name": "U"}
        statuses.append((await client.post("/users", json=body)).status_code)
    assert statuses == [201] * 20 + [429]


async def test_an_idempotent_create_replays_the_first_response(
    client: httpx.AsyncClient, ada: Account
) -> None:
    headers = {**ada.auth, "Idempotency-Key": "post-1"}
    body = {"title": "Once", "body": "only once"}
    first = await client.post("/posts", json=body, headers=headers)
    again = await client.post("/posts", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    mine = await client.get("/posts", params={"author_id": ada.id})
    assert mine.status_code == 200
    other = await client.post(
        "/posts",
        json={"title": "Other", "body": "b"},
        headers={**ada.auth, "Idempotency-Key": "post-2"},
    )
    assert other.json()["id"] != first.json()["id"]


async def test_the_same_key_with_another_body_is_422(
    client: httpx.AsyncClient, ada: Account
) -> None:
    headers = {**ada.auth, "Idempotency-Key": "k"}
    await client.post("/posts", json={"title": "A", "body": "b"}, headers=headers)
    clash = await client.post("/posts", json={"title": "B", "body": "b"}, headers=headers)
    assert_problem(clash, 422)


async def test_keys_are_per_user_and_registration_is_idempotent_too(
    client: httpx.AsyncClient, ada: Account, bob: Account
) -> None:
    for who in (ada, bob):
        response = await client.post(
            "/posts",
            json={"title": "t", "body": "b"},
            headers={**who.auth, "Idempotency-Key": "same"},
        )
        assert response.json()["author_id"] == who.id
    body = {"email": "idem@example.com", "password": PASSWORD, "name": "I"}
    first = await client.post("/users", json=body, headers={"Idempotency-Key": "reg"})
    again = await client.post("/users", json=body, headers={"Idempotency-Key": "reg"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == again.json()["id"]
    assert_problem(
        await client.post("/users", json=body, headers={"Idempotency-Key": "bad key!"}), 400
    )


async def test_cached_reads_are_fresh_after_every_kind_of_write(
    client: httpx.AsyncClient, ada: Account, admin: Account
) -> None:
    post = (await client.post("/posts", json={"title": "v1", "body": "b"}, headers=ada.auth)).json()
    url = f"/posts/{post['id']}"
    assert_problem(await client.get(url), 404)  # a draft: not cached for anyone
    await client.post(f"{url}/publish", headers=ada.auth)
    for _ in range(2):  # miss, then hit
        assert (await client.get(url)).json()["title"] == "v1"
        assert [p["title"] for p in (await client.get("/posts")).json()["items"]] == ["v1"]
    edited = await client.patch(url, json={"title": "v2"}, headers=ada.auth)
    assert (await client.get(url)).json()["title"] == "v2"
    assert (await client.get(url)).headers["etag"] == edited.headers["etag"]
    assert [p["title"] for p in (await client.get("/posts")).json()["items"]] == ["v2"]
    await client.patch("/users/me", json={"name": "Countess"}, headers=ada.auth)
    assert (await client.get("/users/me", headers=ada.auth)).json()["name"] == "Countess"
    await client.delete(f"/users/{ada.id}", headers=admin.auth)
    assert_problem(await client.get(url), 404)
    assert (await client.get("/posts")).json()["items"] == []
    assert_problem(await client.get(f"/users/{ada.id}", headers=admin.auth), 404)


async def test_spelling_variants_of_one_email_share_the_account_limit(
    client: httpx.AsyncClient, ada: Account
) -> None:
    variants = ["ada@example.com", "ADA@example.com", " ada@example.com ", "\uff41da@example.com"]
    for i in range(10):
        bad = {"username": variants[i % len(variants)], "password": "x" * 9}
        assert (await client.post("/auth/token", data=bad)).status_code == 401
    blocked = await client.post(
        "/auth/token", data={"username": "Ada@Example.com", "password": "y" * 9}
    )
    assert_problem(blocked, 429)


async def test_an_attacker_elsewhere_cannot_lock_the_user_out(
    app: object, client: httpx.AsyncClient, ada: Account
) -> None:
    attacker = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=("203.0.113.9", 4000)),  # type: ignore[arg-type]
        base_url="http://test/api/v1",
    )
    async with attacker:
        statuses = [
            (
                await attacker.post(
                    "/auth/token", data={"username": ada.email, "password": "x" * 9}
                )
            ).status_code
            for _ in range(15)
        ]
    assert statuses == [401] * 10 + [429] * 5
    mine = await client.post("/auth/token", data={"username": ada.email, "password": PASSWORD})
    assert mine.status_code == 200


async def test_current_password_checks_are_throttled(
    client: httpx.AsyncClient, ada: Account
) -> None:
    for _ in range(10):
        wrong = {"email": "n@x.io", "current_password": "not it at all"}
        assert (await client.patch("/users/me", json=wrong, headers=ada.auth)).status_code == 403
    right = {"email": "n@x.io", "current_password": PASSWORD}
    assert_problem(await client.patch("/users/me", json=right, headers=ada.auth), 429)


async def test_ipv6_clients_are_keyed_by_their_64_and_ipv4_mapped_by_ipv4() -> None:
    from starlette.requests import Request

    from entrypoints.http.deps import client_address

    async def key(host: str) -> str:
        return await client_address(Request({"type": "http", "client": (host, 1), "headers": []}))

    assert await key("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"
    assert await key("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert await key("2001:db8:1:3::1") != await key("2001:db8:1:2::1")
    assert await key("::ffff:192.0.2.7") == await key("192.0.2.7") == "192.0.2.7"
    assert await key("testclient") == "testclient"
