"""Every page of the default size, of the public list (any depth, any author) and of each
reader's feed, is served from the cache, and is never stale after any write that changes it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from adapters.system.clock import FrozenClock
from tests.e2e.conftest import Account, assert_problem, signup
from tests.e2e.test_observability_api import scrape

Publish = Callable[[Account, str], Awaitable[dict[str, Any]]]


@pytest.fixture
def publish(client: httpx.AsyncClient, clock: FrozenClock) -> Publish:
    """Publishes a post a second after the previous one (the test's clock is frozen)."""

    async def published(who: Account, title: str) -> dict[str, Any]:
        clock.advance(timedelta(seconds=1))
        return await _published(client, who, title)

    return published


async def _published(client: httpx.AsyncClient, who: Account, title: str) -> dict[str, Any]:
    post = (
        await client.post("/posts", json={"title": title, "body": "b"}, headers=who.auth)
    ).json()
    published = await client.post(f"/posts/{post['id']}/publish", headers=who.auth)
    assert published.status_code == 200
    return dict(published.json())


def _titles(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [p["title"] for p in response.json()["items"]]


async def _lookups(client: httpx.AsyncClient, cache: str) -> tuple[float, float]:
    samples = await scrape(client)
    return (
        samples.get(("inkwell_cache_lookups_total", f"cache={cache},result=hit"), 0),
        samples.get(("inkwell_cache_lookups_total", f"cache={cache},result=miss"), 0),
    )


async def test_deep_pages_are_cached_and_fresh_after_every_change_to_a_published_post(
    client: httpx.AsyncClient, ada: Account, publish: Publish
) -> None:
    posts = [await publish(ada, f"p{i:02}") for i in range(25)]
    first = (await client.get("/posts")).json()
    cursor = first["next_cursor"]
    deep = {"cursor": cursor}
    assert _titles(await client.get("/posts", params=deep)) == ["p04", "p03", "p02", "p01", "p00"]
    hits, _ = await _lookups(client, "posts")
    assert _titles(await client.get("/posts", params=deep))[0] == "p04"
    assert (await _lookups(client, "posts"))[0] == hits + 1  # served from the cache

    p02 = f"/posts/{posts[2]['id']}"
    await client.patch(p02, json={"title": "edited"}, headers={**ada.auth, "If-Match": "*"})
    assert _titles(await client.get("/posts", params=deep))[2] == "edited"
    await client.delete(p02, headers=ada.auth)
    assert "edited" not in _titles(await client.get("/posts", params=deep))
    # One author's pages are read from the database (any id may be asked for), and a cursor
    # of the whole list is not one of that author's list.
    assert_problem(await client.get("/posts", params={"author_id": ada.id, "cursor": cursor}), 400)
    before = await _lookups(client, "posts")
    by_ada = (await client.get("/posts", params={"author_id": ada.id})).json()
    page = {"author_id": ada.id, "cursor": by_ada["next_cursor"]}
    assert _titles(await client.get("/posts", params=page)) == ["p04", "p03", "p01", "p00"]
    assert await _lookups(client, "posts") == before
    assert_problem(await client.get("/posts", params={"cursor": ""}), 400)  # not the first page
    # A draft changes no page.
    assert "draft" not in _titles(await client.get("/posts"))
    await client.post("/posts", json={"title": "draft", "body": "b"}, headers=ada.auth)
    hits, _ = await _lookups(client, "posts")
    assert "draft" not in _titles(await client.get("/posts"))
    assert (await _lookups(client, "posts"))[0] == hits + 1


async def test_a_feed_page_changes_when_the_reader_follows_unfollows_or_a_followee_writes(
    client: httpx.AsyncClient, ada: Account, bob: Account, admin: Account, publish: Publish
) -> None:
    carol = await signup(client, "carol@example.com")
    await publish(ada, "ada 1")
    await publish(carol, "carol 1")
    await client.put(f"/users/{ada.id}/follow", headers=bob.auth)
    assert _titles(await client.get("/feed", headers=bob.auth)) == ["ada 1"]
    hits, _ = await _lookups(client, "feed")
    assert _titles(await client.get("/feed", headers=bob.auth)) == ["ada 1"]
    assert (await _lookups(client, "feed"))[0] == hits + 1

    await client.put(f"/users/{carol.id}/follow", headers=bob.auth)
    assert _titles(await client.get("/feed", headers=bob.auth)) == ["carol 1", "ada 1"]
    second = await publish(ada, "ada 2")
    assert _titles(await client.get("/feed", headers=bob.auth)) == ["ada 2", "carol 1", "ada 1"]
    await client.patch(
        f"/posts/{second['id']}", json={"title": "ada 2b"}, headers={**ada.auth, "If-Match": "*"}
    )
    assert _titles(await client.get("/feed", headers=bob.auth))[0] == "ada 2b"
    await client.delete(f"/users/{ada.id}/follow", headers=bob.auth)
    assert _titles(await client.get("/feed", headers=bob.auth)) == ["carol 1"]
    # Another reader's follows leave this reader's cached feed alone, and each sees their own.
    await client.put(f"/users/{ada.id}/follow", headers=admin.auth)
    assert _titles(await client.get("/feed", headers=admin.auth)) == ["ada 2b", "ada 1"]
    assert _titles(await client.get("/feed", headers=bob.auth)) == ["carol 1"]
    await client.delete(f"/users/{carol.id}", headers=admin.auth)
    assert _titles(await client.get("/feed", headers=bob.auth)) == []


async def test_a_forged_cursor_is_refused_and_never_becomes_a_cache_entry(
    client: httpx.AsyncClient, ada: Account, publish: Publish
) -> None:
    for i in range(21):
        await publish(ada, f"p{i}")
    issued = (await client.get("/posts")).json()["next_cursor"]
    payload, tag = issued.split(".")
    forged = f"{payload}.{'A' * len(tag)}"
    for _ in range(2):
        assert_problem(await client.get("/posts", params={"cursor": forged}), 400)
        assert_problem(await client.get("/feed", params={"cursor": forged}, headers=ada.auth), 400)
        # a real cursor, of another list
        assert_problem(await client.get("/feed", params={"cursor": issued}, headers=ada.auth), 400)
    _, misses = await _lookups(client, "posts")
    assert_problem(await client.get("/posts", params={"cursor": forged}), 400)
    assert (await _lookups(client, "posts"))[1] == misses + 1  # looked up, never stored


async def test_other_page_sizes_are_read_from_the_database_every_time(
    client: httpx.AsyncClient, ada: Account, publish: Publish
) -> None:
    await publish(ada, "one")
    before = [await _lookups(client, "posts"), await _lookups(client, "feed")]
    for _ in range(3):
        assert _titles(await client.get("/posts", params={"limit": 5})) == ["one"]
        assert _titles(await client.get("/feed", params={"limit": 5}, headers=ada.auth)) == []
    assert [await _lookups(client, "posts"), await _lookups(client, "feed")] == before
