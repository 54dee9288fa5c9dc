"""Every write path retires the cache namespaces a reader of the written data depends on,
after its commit and only then. The expected namespaces are written out here, not taken from
application/cache_policy.py, so a mapping dropped from the policy or a change a repository
forgets to record fails. On memory here; on SQLite and Postgres too in
tests/integration/test_cache_invalidation_contract.py (the same tests)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from application.ports.uow import UnitOfWork
from domain.follow import Follow
from domain.post import Post
from domain.session import RefreshToken
from domain.user import User
from domain.values import Body, Email, Name, Title
from entrypoints.container import Container

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class World:
    ada: User
    bob: User
    published: Post  # Ada's
    draft: Post  # Ada's
    family: uuid.UUID  # Ada's session
    token: uuid.UUID

    def namespaces(self) -> dict[str, str]:
        """Every namespace a reader of this world may have cached an entry under."""
        return {
            "ada": f"user:{self.ada.id}",
            "bob": f"user:{self.bob.id}",
            "published": f"post:{self.published.id}",
            "draft": f"post:{self.draft.id}",
            "list": "posts:published",
            "ada's feed": f"feed:{self.ada.id}",
            "bob's feed": f"feed:{self.bob.id}",
        }


def _follow(follower: uuid.UUID, followee: uuid.UUID) -> Follow:
    return Follow(follower_id=follower, followee_id=followee, created_at=T0)


async def _world(backend: Container) -> World:
    ada = User.register(uuid.uuid4(), Email("ada@x.io"), Name("Ada"), "h", now=T0)
    bob = User.register(uuid.uuid4(), Email("bob@x.io"), Name("Bob"), "h", now=T0)
    published = Post.draft(uuid.uuid4(), ada.id, Title("p"), Body("b"), now=T0)
    published.publish(now=T0)
    draft = Post.draft(uuid.uuid4(), ada.id, Title("d"), Body("b"), now=T0)
    token = RefreshToken(
        id=uuid.uuid4(),
        family_id=uuid.uuid4(),
        user_id=ada.id,
        token_hash="hash",
        created_at=T0,
        expires_at=T0 + timedelta(days=1),
    )
    async with backend.uow() as uow:
        for user in (ada, bob):
            await uow.users.add(user)
        for post in (published, draft):
            await uow.posts.add(post)
        await uow.follows.add(_follow(bob.id, ada.id))
        await uow.refresh_tokens.add(token)
        await uow.commit()
    return World(ada, bob, published, draft, token.family_id, token.id)


async def _changed_user(uow: UnitOfWork, w: World) -> None:
    user = await uow.users.get(w.ada.id)
    assert user is not None
    user.rename(Name("Ada L"), now=T0)
    await uow.users.update(user, expected_version=w.ada.version)


async def _changed_post(uow: UnitOfWork, post_id: uuid.UUID) -> None:
    post = await uow.posts.get(post_id)
    assert post is not None
    before = post.version
    post.edit(title=Title("new"), body=None, now=T0)
    await uow.posts.update(post, expected_version=before)


async def _published_draft(uow: UnitOfWork, w: World) -> None:
    post = await uow.posts.get(w.draft.id)
    assert post is not None
    post.publish(now=T0)
    await uow.posts.update(post, expected_version=w.draft.version)


Write = Callable[[UnitOfWork, World], Awaitable[object]]
NOW = T0 + timedelta(hours=1)
WRITES: dict[str, tuple[Write, set[str]]] = {
    "user changed": (_changed_user, {"ada"}),
    "user deleted": (lambda u, w: u.users.delete(w.ada.id), {"ada", "published", "draft", "list"}),
    "published post changed": (
        lambda u, w: _changed_post(u, w.published.id),
        {"published", "list"},
    ),
    "draft changed": (lambda u, w: _changed_post(u, w.draft.id), {"draft"}),
    "draft published": (_published_draft, {"draft", "list"}),
    "post deleted": (lambda u, w: u.posts.delete(w.published.id), {"published", "list"}),
    "followed": (lambda u, w: u.follows.add(_follow(w.ada.id, w.bob.id)), {"ada's feed"}),
    "unfollowed": (lambda u, w: u.follows.remove(w.bob.id, w.ada.id), {"bob's feed"}),
    "session revoked": (lambda u, w: u.refresh_tokens.revoke_family(w.family, NOW), {"ada"}),
    "sessions revoked": (
        lambda u, w: u.refresh_tokens.revoke_all_for_user(w.ada.id, NOW),
        {"ada"},
    ),
    "token spent": (lambda u, w: u.refresh_tokens.mark_used(w.token, NOW), set()),
    "user registered": (
        lambda u, w: u.users.add(
            User.register(uuid.uuid4(), Email("c@x.io"), Name("C"), "h", now=T0)
        ),
        set(),
    ),
}


async def _cached_world(backend: Container) -> tuple[World, dict[str, str]]:
    """The world, with an entry cached under each of its namespaces."""
    world = await _world(backend)
    namespaces, cache = world.namespaces(), backend.cache()
    for namespace in namespaces.values():
        found = await cache.lookup(namespace, "entry")
        await cache.store(found, b"cached", 60)
    return world, namespaces


async def _still_cached(backend: Container, namespaces: dict[str, str]) -> set[str]:
    cache = backend.cache()
    return {name for name, ns in namespaces.items() if (await cache.lookup(ns, "entry")).value}


@pytest.fixture
def backend(container: Container) -> Container:
    return container


@pytest.mark.parametrize("write", WRITES, ids=list(WRITES))
async def test_a_commit_retires_the_namespaces_the_write_changed(
    backend: Container, write: str
) -> None:
    run, retired = WRITES[write]
    world, namespaces = await _cached_world(backend)
    async with backend.uow() as uow:
        await run(uow, world)
        assert await _still_cached(backend, namespaces) == set(namespaces)  # not yet
        await uow.commit()
    assert await _still_cached(backend, namespaces) == set(namespaces) - retired


@pytest.mark.parametrize("write", WRITES, ids=list(WRITES))
async def test_a_rollback_retires_nothing(backend: Container, write: str) -> None:
    run, _retired = WRITES[write]
    world, namespaces = await _cached_world(backend)
    async with backend.uow() as uow:
        await run(uow, world)
    assert await _still_cached(backend, namespaces) == set(namespaces)
