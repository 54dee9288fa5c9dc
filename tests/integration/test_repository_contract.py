"""The same assertions on the in-memory, SQLite and Postgres adapters."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from adapters.system.clock import FrozenClock
from application.accounts.sessions import AccessTokenQuery, RefreshCommand
from application.errors import ConcurrentUpdate, EmailAlreadyRegistered
from application.ports.repositories import Keyset
from domain.follow import Follow
from domain.post import Post
from domain.session import RefreshToken
from domain.user import User
from domain.values import Body, Email, Name, Title
from entrypoints.container import Container

pytestmark = pytest.mark.integration
T0 = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


def _user(email: str, at: datetime = T0) -> User:
    return User.register(uuid.uuid4(), Email(email), Name("N"), "hash", now=at)


def _post(author: User, at: datetime, *, publish: bool = True) -> Post:
    post = Post.draft(uuid.uuid4(), author.id, Title(f"t{at.second}"), Body("b"), now=at)
    if publish:
        post.publish(now=at)
    return post


async def _save(backend: Container, *entities: User | Post) -> None:
    async with backend.uow() as uow:
        for entity in entities:
            if isinstance(entity, User):
                await uow.users.add(entity)
            else:
                await uow.posts.add(entity)
        await uow.commit()


async def test_users_round_trip_with_aware_utc_datetimes(backend: Container) -> None:
    user = _user("Ada@Example.com")
    await _save(backend, user)
    async with backend.uow() as uow:
        by_id = await uow.users.get(user.id)
        by_email = await uow.users.get_by_email(Email("ADA@example.com"))
    assert by_id is not None
    assert by_email is not None
    assert by_id.id == by_email.id == user.id
    assert by_id.created_at == T0
    assert by_id.created_at.tzinfo is not None
    assert (by_id.email, by_id.name, by_id.version) == (user.email, user.name, 1)


async def test_a_duplicate_email_is_refused_by_the_store(backend: Container) -> None:
    await _save(backend, _user("dup@x.io"))
    with pytest.raises(EmailAlreadyRegistered):
        await _save(backend, _user("DUP@x.io"))


async def test_a_lookalike_address_is_refused_by_the_store(backend: Container) -> None:
    """The store holds the rule itself (a unique skeleton), so racing registrations that
    passed the use case's check still cannot both land."""
    await _save(backend, _user("ada@example.com"))
    with pytest.raises(EmailAlreadyRegistered):
        await _save(backend, _user("ada@ex\u0430mple.com"))  # Cyrillic a
    bob = _user("bob@example.com")
    await _save(backend, bob)
    async with backend.uow() as uow:
        stored = await uow.users.get(bob.id)
        assert stored is not None
        stored.change_email(Email("\u00e1da@example.com"), now=T0)
        with pytest.raises(EmailAlreadyRegistered):
            await uow.users.update(stored, expected_version=1)


async def test_a_lookalike_finds_the_account_only_when_asked_for_lookalikes(
    backend: Container,
) -> None:
    ada = _user("ada@example.com")
    await _save(backend, ada)
    lookalike = Email("\u0430da@example.com")
    async with backend.uow() as uow:
        found = await uow.users.get_by_lookalike(lookalike)
        assert found is not None
        assert found.id == ada.id
        assert await uow.users.get_by_email(lookalike) is None
        assert await uow.users.get_by_lookalike(Email("bob@example.com")) is None


async def test_updates_are_optimistic_on_the_version(backend: Container) -> None:
    user = _user("v@x.io")
    await _save(backend, user)
    async with backend.uow() as uow:
        stored = await uow.users.get(user.id)
        assert stored is not None
        stored.rename(Name("Renamed"), now=T0)
        await uow.users.update(stored, expected_version=1)
        await uow.commit()
    async with backend.uow() as uow:
        with pytest.raises(ConcurrentUpdate):
            await uow.users.update(stored, expected_version=1)


async def test_nothing_is_kept_without_commit(backend: Container) -> None:
    user = _user("gone@x.io")
    async with backend.uow() as uow:
        await uow.users.add(user)
    async with backend.uow() as uow:
        assert await uow.users.get(user.id) is None


async def test_users_page_by_created_at_then_id(backend: Container) -> None:
    users = [_user(f"u{i}@x.io", T0 + timedelta(seconds=i // 2)) for i in range(5)]
    await _save(backend, *users)
    expected = sorted(users, key=lambda u: (u.created_at, u.id))
    seen: list[uuid.UUID] = []
    after = None
    async with backend.uow() as uow:
        while True:
            page = await uow.users.list(after=after, limit=2)
            if not page:
                break
            seen += [u.id for u in page]
            after = Keyset(page[-1].created_at, page[-1].id)
    assert seen == [u.id for u in expected]


async def test_published_posts_and_the_feed_are_newest_first(backend: Container) -> None:
    ada, bob, cy = _user("a@x.io"), _user("b@x.io"), _user("c@x.io")
    posts = [
        _post(author, T0 + timedelta(seconds=i)) for i, author in enumerate([ada, bob, cy, ada])
    ]
    draft = _post(ada, T0 + timedelta(seconds=9), publish=False)
    await _save(backend, ada, bob, cy, *posts, draft)
    async with backend.uow() as uow:
        assert await uow.follows.add(Follow.start(bob.id, ada.id, now=T0))
        assert not await uow.follows.add(Follow.start(bob.id, ada.id, now=T0))
        assert await uow.follows.add(Follow.start(bob.id, cy.id, now=T0))
        await uow.commit()
    async with backend.uow() as uow:
        listed = await uow.posts.list_published(author_id=None, after=None, limit=10)
        first = await uow.posts.list_published(author_id=None, after=None, limit=2)
        assert first[-1].published_at is not None
        after = Keyset(first[-1].published_at, first[-1].id)
        rest = await uow.posts.list_published(author_id=None, after=after, limit=10)
        by_ada = await uow.posts.list_published(author_id=ada.id, after=None, limit=10)
        feed = await uow.posts.feed(bob.id, after=None, limit=10)
        assert await uow.follows.exists(bob.id, ada.id)
    newest_first = [p.id for p in reversed(posts)]
    assert [p.id for p in listed] == newest_first
    assert [p.id for p in [*first, *rest]] == newest_first
    assert [p.id for p in by_ada] == [posts[3].id, posts[0].id]
    assert [p.id for p in feed] == [posts[3].id, posts[2].id, posts[0].id]


async def test_post_updates_and_deletes(backend: Container) -> None:
    ada = _user("a@x.io")
    post = _post(ada, T0, publish=False)
    await _save(backend, ada, post)
    async with backend.uow() as uow:
        stored = await uow.posts.get(post.id)
        assert stored is not None
        stored.publish(now=T0 + timedelta(minutes=1))
        await uow.posts.update(stored, expected_version=1)
        with pytest.raises(ConcurrentUpdate):
            await uow.posts.update(stored, expected_version=1)
        await uow.commit()
    async with backend.uow() as uow:
        again = await uow.posts.get(post.id)
        assert again is not None
        assert (again.is_published, again.version) == (True, 2)
        assert again.published_at == T0 + timedelta(minutes=1)
        await uow.posts.delete(post.id)
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.posts.get(post.id) is None


async def test_deleting_a_user_removes_their_posts_follows_and_tokens(backend: Container) -> None:
    ada, bob = _user("a@x.io"), _user("b@x.io")
    post = _post(ada, T0)
    await _save(backend, ada, bob, post)
    token = RefreshToken(
        id=uuid.uuid4(),
        family_id=uuid.uuid4(),
        user_id=ada.id,
        token_hash="h" * 64,
        created_at=T0,
        expires_at=T0 + timedelta(days=1),
    )
    async with backend.uow() as uow:
        await uow.follows.add(Follow.start(bob.id, ada.id, now=T0))
        await uow.refresh_tokens.add(token)
        await uow.commit()
    async with backend.uow() as uow:
        await uow.users.delete(ada.id)
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.users.get(ada.id) is None
        assert await uow.posts.get(post.id) is None
        assert not await uow.follows.exists(bob.id, ada.id)
        assert await uow.refresh_tokens.get_by_hash("h" * 64) is None
        assert await uow.users.get(bob.id) is not None


async def test_refresh_tokens_are_spent_once_and_revoked_by_family(backend: Container) -> None:
    ada = _user("a@x.io")
    await _save(backend, ada)
    fam_a, fam_b = uuid.uuid4(), uuid.uuid4()
    tokens = [
        RefreshToken(
            id=uuid.uuid4(),
            family_id=family,
            user_id=ada.id,
            token_hash=f"{i}" * 64,
            created_at=T0,
            expires_at=T0 + timedelta(days=14),
        )
        for i, family in enumerate([fam_a, fam_a, fam_b])
    ]
    async with backend.uow() as uow:
        for token in tokens:
            await uow.refresh_tokens.add(token)
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.refresh_tokens.mark_used(tokens[0].id, T0)
        assert not await uow.refresh_tokens.mark_used(tokens[0].id, T0)
        await uow.refresh_tokens.revoke_all_for_user(ada.id, T0, except_family=fam_b)
        await uow.commit()
    async with backend.uow() as uow:
        first = await uow.refresh_tokens.get_by_hash("0" * 64)
        second = await uow.refresh_tokens.get_by_hash("1" * 64)
        other = await uow.refresh_tokens.get_by_hash("2" * 64)
        assert first is not None
        assert second is not None
        assert other is not None
        assert first.used_at == T0
        assert (first.revoked_at, second.revoked_at, other.revoked_at) == (T0, T0, None)
        await uow.refresh_tokens.revoke_family(fam_b, T0)
        await uow.commit()
    async with backend.uow() as uow:
        other = await uow.refresh_tokens.get_by_hash("2" * 64)
        assert other is not None
        assert other.revoked_at == T0


async def test_the_whole_login_flow_works_on_each_backend(
    backend: Container, clock: FrozenClock
) -> None:
    from application.accounts.login import LoginCommand
    from application.accounts.registration import RegisterUserCommand

    await backend.register_user().execute(RegisterUserCommand("a@x.io", "long password", "A"))
    pair = await backend.authenticate().execute(LoginCommand("A@x.io", "long password"))
    actor = await backend.authenticate_access_token().execute(AccessTokenQuery(pair.access_token))
    clock.advance(timedelta(seconds=5))
    rotated = await backend.refresh_session().execute(RefreshCommand(pair.refresh_token))
    assert (
        await backend.authenticate_access_token().execute(AccessTokenQuery(rotated.access_token))
    ).user_id == (actor.user_id)


async def test_expired_refresh_tokens_are_purged(backend: Container) -> None:
    ada = _user("a@x.io")
    await _save(backend, ada)
    async with backend.uow() as uow:
        for i, ttl in enumerate([timedelta(seconds=-1), timedelta(days=1)]):
            await uow.refresh_tokens.add(
                RefreshToken(
                    id=uuid.uuid4(),
                    family_id=uuid.uuid4(),
                    user_id=ada.id,
                    token_hash=f"{i}" * 64,
                    created_at=T0,
                    expires_at=T0 + ttl,
                )
            )
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.refresh_tokens.purge_expired(T0) == 1
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.refresh_tokens.get_by_hash("0" * 64) is None
        assert await uow.refresh_tokens.get_by_hash("1" * 64) is not None


async def test_a_follow_is_not_kept_without_commit(backend: Container) -> None:
    ada, bob = _user("a@x.io"), _user("b@x.io")
    await _save(backend, ada, bob)
    with pytest.raises(RuntimeError):
        await _follow_then_fail(backend, ada, bob)
    async with backend.uow() as uow:
        assert not await uow.follows.exists(ada.id, bob.id)


async def _follow_then_fail(backend: Container, ada: User, bob: User) -> None:
    async with backend.uow() as uow:
        assert await uow.follows.add(Follow.start(ada.id, bob.id, now=T0))
        raise RuntimeError("the use case failed after the follow")
