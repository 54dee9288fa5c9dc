from __future__ import annotations

import uuid
from datetime import timedelta

import httpx

from adapters.system.clock import FrozenClock
from tests.e2e.conftest import Account, assert_problem


async def _post(client: httpx.AsyncClient, who: Account, title: str = "Hello") -> dict[str, str]:
    response = await client.post("/posts", json={"title": title, "body": "Body"}, headers=who.auth)
    assert response.status_code == 201, response.text
    body: dict[str, str] = response.json()
    assert response.headers["etag"] == '"1"'
    assert response.headers["location"] == f"/api/v1/posts/{body['id']}"
    return body


async def _publish(client: httpx.AsyncClient, who: Account, post_id: str) -> httpx.Response:
    return await client.post(f"/posts/{post_id}/publish", headers=who.auth)


async def test_a_post_is_drafted_then_published(client: httpx.AsyncClient, ada: Account) -> None:
    draft = await _post(client, ada)
    assert (draft["status"], draft["author_id"], draft["published_at"]) == ("draft", ada.id, None)
    published = await _publish(client, ada, draft["id"])
    assert published.status_code == 200
    assert published.json()["status"] == "published"
    assert published.headers["etag"] == '"2"'
    assert_problem(await _publish(client, ada, draft["id"]), 409)
    anonymous = await client.get(f"/posts/{draft['id']}")
    assert anonymous.json()["title"] == "Hello"
    assert anonymous.headers["etag"] == '"2"'


async def test_drafts_are_404_to_others(
    client: httpx.AsyncClient, ada: Account, bob: Account, admin: Account
) -> None:
    draft = await _post(client, ada)
    assert_problem(await client.get(f"/posts/{draft['id']}"), 404)
    assert_problem(await client.get(f"/posts/{draft['id']}", headers=bob.auth), 404)
    assert_problem(
        await client.patch(f"/posts/{draft['id']}", json={"title": "x"}, headers=bob.auth), 404
    )
    assert_problem(await client.delete(f"/posts/{draft['id']}", headers=bob.auth), 404)
    assert_problem(await _publish(client, bob, draft["id"]), 404)
    assert (await client.get(f"/posts/{draft['id']}", headers=admin.auth)).status_code == 200


async def test_non_authors_get_403_on_published_posts(
    client: httpx.AsyncClient, ada: Account, bob: Account, admin: Account
) -> None:
    post = await _post(client, ada)
    await _publish(client, ada, post["id"])
    assert_problem(
        await client.patch(f"/posts/{post['id']}", json={"title": "x"}, headers=bob.auth), 403
    )
    assert_problem(await client.delete(f"/posts/{post['id']}", headers=bob.auth), 403)
    edited = await client.patch(f"/posts/{post['id']}", json={"title": "Mod"}, headers=admin.auth)
    assert edited.json()["title"] == "Mod"
    assert (await client.delete(f"/posts/{post['id']}", headers=ada.auth)).status_code == 204
    assert_problem(await client.get(f"/posts/{post['id']}"), 404)


async def test_a_stale_if_match_is_412_and_a_fresh_one_succeeds(
    client: httpx.AsyncClient, ada: Account
) -> None:
    post = await _post(client, ada)
    url = f"/posts/{post['id']}"
    first = await client.patch(url, json={"body": "v2"}, headers={**ada.auth, "If-Match": '"1"'})
    assert first.status_code == 200
    assert first.headers["etag"] == '"2"'
    stale = await client.patch(url, json={"body": "v3"}, headers={**ada.auth, "If-Match": '"1"'})
    assert_problem(stale, 412)
    assert_problem(await client.patch(url, json={}, headers={**ada.auth, "If-Match": "junk"}), 412)
    assert_problem(await client.delete(url, headers={**ada.auth, "If-Match": '"1"'}), 412)
    weak = await client.patch(url, json={"body": "v3"}, headers={**ada.auth, "If-Match": 'W/"2"'})
    assert_problem(weak, 412)  # If-Match uses strong comparison
    for junk in (b"\xb2", b'"99999999999999999999"', b'"-1"'):
        odd = await client.patch(url, json={"body": "x"}, headers={**ada.auth, "If-Match": junk})
        assert_problem(odd, 412)
    listed = {**ada.auth, "If-Match": '"7", "2"'}
    assert (await client.patch(url, json={"body": "v3"}, headers=listed)).json()["body"] == "v3"
    unchanged = await client.patch(url, json={}, headers=ada.auth)
    assert unchanged.headers["etag"] == '"3"'  # an empty PATCH changes nothing
    assert (await client.get(url, headers=ada.auth)).json()["body"] == "v3"


async def test_mass_assignment_of_author_id_or_status_is_impossible(
    client: httpx.AsyncClient, ada: Account, bob: Account
) -> None:
    body = {"title": "t", "body": "b", "author_id": bob.id}
    assert_problem(await client.post("/posts", json=body, headers=ada.auth), 422)
    post = await _post(client, ada)
    for field, value in [("author_id", bob.id), ("status", "published"), ("version", 9)]:
        response = await client.patch(f"/posts/{post['id']}", json={field: value}, headers=ada.auth)
        assert_problem(response, 422)
    assert (await client.get(f"/posts/{post['id']}", headers=ada.auth)).json()["status"] == "draft"


async def test_posts_are_validated(client: httpx.AsyncClient, ada: Account) -> None:
    for body in [
        {"title": "", "body": "b"},
        {"title": "t" * 201, "body": "b"},
        {"title": "t"},
        {"title": "t", "body": "   "},
        {"title": 5, "body": "b"},
    ]:
        assert_problem(await client.post("/posts", json=body, headers=ada.auth), 422)
    assert_problem(await client.post("/posts", json={"title": "t", "body": "b"}), 401)


async def test_published_posts_list_newest_first_with_a_cursor(
    client: httpx.AsyncClient, ada: Account, bob: Account, clock: FrozenClock
) -> None:
    ids = []
    for i, who in enumerate([ada, bob, ada]):
        post = await _post(client, who, f"p{i}")
        await _publish(client, who, post["id"])
        ids.append(post["id"])
        clock.advance(timedelta(seconds=1))
    await _post(client, ada, "a draft")
    first = (await client.get("/posts", params={"limit": 2})).json()
    rest = (await client.get("/posts", params={"limit": 2, "cursor": first["next_cursor"]})).json()
    assert [p["id"] for p in first["items"] + rest["items"]] == ids[::-1]
    assert rest["next_cursor"] is None
    only_bob = (await client.get("/posts", params={"author_id": bob.id})).json()
    assert [p["id"] for p in only_bob["items"]] == [ids[1]]


async def test_limit_outside_1_to_100_is_422_and_a_garbage_cursor_is_400(
    client: httpx.AsyncClient, ada: Account
) -> None:
    for limit in (0, 101, -1, "many"):
        assert_problem(await client.get("/posts", params={"limit": limit}), 422)
        assert_problem(await client.get("/feed", params={"limit": limit}, headers=ada.auth), 422)
    for cursor in ("garbage", "eyJhIjoxfQ", "%%%", "x" * 201):
        response = await client.get("/posts", params={"cursor": cursor})
        assert 400 <= response.status_code < 500
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_the_feed_shows_followed_authors_newest_first(
    client: httpx.AsyncClient, ada: Account, bob: Account, admin: Account
) -> None:
    mine = await _post(client, ada, "by ada")
    await _publish(client, ada, mine["id"])
    theirs = await _post(client, admin, "by admin")
    await _publish(client, admin, theirs["id"])
    await _post(client, ada, "draft by ada")
    await client.put(f"/users/{ada.id}/follow", headers=bob.auth)
    feed = (await client.get("/feed", headers=bob.auth)).json()
    assert [p["title"] for p in feed["items"]] == ["by ada"]
    assert_problem(await client.get("/feed"), 401)


async def test_unknown_post_ids_and_malformed_ones_are_404(
    client: httpx.AsyncClient, ada: Account
) -> None:
    assert_problem(await client.get(f"/posts/{uuid.uuid4()}"), 404)
    malformed = assert_problem(await client.get("/posts/123"), 404)
    assert "UUID" in malformed["detail"]
