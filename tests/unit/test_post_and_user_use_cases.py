from __future__ import annotations

import base64
import hmac
import json
from datetime import timedelta

import pytest

from adapters.system.clock import FrozenClock
from application.accounts.changes import UpdateUserCommand
from application.accounts.editing import CurrentPasswordRequired
from application.accounts.profiles import GetUserQuery, ListUsersQuery, UserShape, shape_seen_by
from application.accounts.registration import DeleteUserCommand, RegisterUserCommand
from application.errors import (
    EmailAlreadyRegistered,
    Forbidden,
    InvalidCursor,
    NotFound,
    PreconditionFailed,
)
from application.operations.outbox import OutboxMessage
from application.pagination import Cursors, PageQuery
from application.publishing.posts import CreatePostCommand, PostCommand, UpdatePostCommand
from application.publishing.reads import GetPostQuery, ListPostsQuery
from application.social.follows import FollowCommand
from application.views import Actor, PublicProfileView, UserView
from domain.errors import PostAlreadyPublished, SelfFollowRejected, WeakPassword
from entrypoints.container import Container

PASSWORD = "correct horse battery"


def _outbox(container: Container) -> list[OutboxMessage]:
    return [record.message for record in container.memory_db().state.outbox.values()]


async def _actor(container: Container, email: str, *, admin: bool = False) -> Actor:
    view = await container.register_user().execute(
        RegisterUserCommand(email, PASSWORD, email.split("@")[0], is_admin=admin)
    )
    return Actor(user_id=view.id, is_admin=admin)


async def test_registration_rejects_a_duplicate_email_whatever_its_case(
    container: Container,
) -> None:
    await _actor(container, "ada@example.com")
    with pytest.raises(EmailAlreadyRegistered):
        await _actor(container, "ADA@Example.com")


async def test_registration_rejects_a_lookalike_of_an_existing_address(
    container: Container,
) -> None:
    await _actor(container, "ada@example.com")
    with pytest.raises(EmailAlreadyRegistered, match="confusably similar"):
        await _actor(container, "\u0430da@example.com")  # Cyrillic a


async def test_an_account_may_take_a_lookalike_of_its_own_address(container: Container) -> None:
    """Nobody else can be imitated by it, and the original stays blocked for others."""
    ada = await _actor(container, "ada@example.com")
    view = await container.update_user().execute(
        UpdateUserCommand(ada, ada.user_id, email="\u00e1da@example.com", current_password=PASSWORD)
    )
    assert view.email == "\u00e1da@example.com"
    with pytest.raises(EmailAlreadyRegistered):
        await _actor(container, "ada@example.com")


async def test_registration_enforces_the_password_policy(container: Container) -> None:
    with pytest.raises(WeakPassword):
        await container.register_user().execute(RegisterUserCommand("a@x.io", "short", "A"))


async def test_registration_writes_user_registered_to_the_outbox(container: Container) -> None:
    ada = await _actor(container, "ada@example.com")
    [message] = _outbox(container)
    assert message.topic == "UserRegistered"
    assert message.payload == {"user_id": str(ada.user_id), "email": "ada@example.com"}


async def test_users_change_only_themselves_unless_admin(container: Container) -> None:
    ada, bob = await _actor(container, "ada@x.io"), await _actor(container, "bob@x.io")
    admin = await _actor(container, "root@x.io", admin=True)
    with pytest.raises(Forbidden):
        await container.update_user().execute(UpdateUserCommand(ada, bob.user_id, name="Evil"))
    with pytest.raises(Forbidden):
        await container.update_user().execute(UpdateUserCommand(ada, ada.user_id, is_admin=True))
    view = await container.update_user().execute(
        UpdateUserCommand(admin, bob.user_id, name="Robert", is_admin=True)
    )
    assert (view.name, view.is_admin) == ("Robert", True)


async def test_changing_your_email_needs_your_current_password(container: Container) -> None:
    ada = await _actor(container, "ada@x.io")
    await _actor(container, "bob@x.io")
    with pytest.raises(CurrentPasswordRequired):
        await container.update_user().execute(UpdateUserCommand(ada, ada.user_id, email="n@x.io"))
    with pytest.raises(CurrentPasswordRequired):
        await container.update_user().execute(
            UpdateUserCommand(ada, ada.user_id, email="n@x.io", current_password="wrong one")
        )
    with pytest.raises(EmailAlreadyRegistered):
        await container.update_user().execute(
            UpdateUserCommand(ada, ada.user_id, email="BOB@x.io", current_password=PASSWORD)
        )
    view = await container.update_user().execute(
        UpdateUserCommand(ada, ada.user_id, email="New@x.io", current_password=PASSWORD)
    )
    assert view.email == "new@x.io"


async def test_only_admins_delete_users(container: Container) -> None:
    ada, admin = await _actor(container, "ada@x.io"), await _actor(container, "r@x.io", admin=True)
    with pytest.raises(Forbidden):
        await container.delete_user().execute(DeleteUserCommand(ada, admin.user_id))
    await container.delete_user().execute(DeleteUserCommand(admin, ada.user_id))
    with pytest.raises(NotFound):
        await container.get_user().execute(GetUserQuery(admin, ada.user_id))
    with pytest.raises(NotFound):
        await container.delete_user().execute(DeleteUserCommand(admin, ada.user_id))


async def test_users_are_listed_oldest_first_across_pages(
    container: Container, clock: FrozenClock
) -> None:
    emails = [f"u{i}@x.io" for i in range(5)]
    actors = []
    for email in emails:
        actors.append(await _actor(container, email, admin=email == "u0@x.io"))
        clock.advance(timedelta(seconds=1))
    admin = actors[0]
    first = await container.list_users().execute(ListUsersQuery(admin, 3))
    second = await container.list_users().execute(ListUsersQuery(admin, 3, first.next_cursor))
    assert [u.email for u in first.items + second.items] == emails
    assert second.next_cursor is None


async def test_listing_every_account_is_for_administrators(container: Container) -> None:
    ada = await _actor(container, "ada@x.io")
    with pytest.raises(Forbidden):
        await container.list_users().execute(ListUsersQuery(ada, 20))


async def test_another_account_is_seen_as_a_public_profile_by_all_but_itself_and_admins(
    container: Container,
) -> None:
    ada, bob = await _actor(container, "ada@x.io"), await _actor(container, "bob@x.io")
    admin = await _actor(container, "r@x.io", admin=True)
    seen_by_bob = await container.get_user().execute(GetUserQuery(bob, ada.user_id))
    assert seen_by_bob == PublicProfileView(ada.user_id, "ada", seen_by_bob.created_at)
    for viewer in (ada, admin):
        full = await container.get_user().execute(GetUserQuery(viewer, ada.user_id))
        assert isinstance(full, UserView)
        assert full.email == "ada@x.io"
    assert shape_seen_by(bob, ada.user_id) is UserShape.PUBLIC
    assert shape_seen_by(ada, ada.user_id) is shape_seen_by(admin, ada.user_id) is UserShape.FULL


CURSOR_KEY = b"a cursor key for the tests only"


def _tagged(parts: object, key: bytes = CURSOR_KEY, scope: str = "posts") -> str:
    """A cursor as the API would issue it for a list (the format pinned here on purpose)."""
    payload = base64.urlsafe_b64encode(json.dumps(parts).encode()).rstrip(b"=")
    tag = base64.urlsafe_b64encode(
        hmac.digest(key, scope.encode() + b"\n" + payload, "sha256")[:12]
    )
    return (payload + b"." + tag).decode()


VALID = ["2024-01-01T00:00:00+00:00", "6c3f5d1e-0000-4000-8000-000000000000"]


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "!!!",
        "a" * 500,
        # well-formed content without a tag, with another key's tag, with a tag cut short
        base64.urlsafe_b64encode(json.dumps(VALID).encode()).decode().rstrip("="),
        _tagged(VALID, key=b"some other key of enough length"),
        # issued for another list: users, one author's posts, someone's feed
        _tagged(VALID, scope="users"),
        _tagged(VALID, scope="posts:author:6c3f5d1e-0000-4000-8000-000000000000"),
        _tagged(VALID, scope="feed:6c3f5d1e-0000-4000-8000-000000000000"),
        _tagged(VALID)[:-2],
        _tagged(VALID).replace(".", "=."),
        # tagged (so only the content is wrong)
        _tagged([]),
        _tagged(["x", "y"]),
        _tagged(["2024-01-01T00:00:00+00:00", 1]),
        _tagged([1, "6c3f5d1e-0000-4000-8000-000000000000"]),
        _tagged(["9999-12-31T23:59:59-14:00", "6c3f5d1e-0000-4000-8000-000000000000"]),
        _tagged(["2024-01-01T00:00:00", "6c3f5d1e-0000-4000-8000-000000000000"]),
        _tagged({"a": 1}),
    ],
)
async def test_a_cursor_this_api_did_not_issue_is_rejected(
    container: Container, cursor: str
) -> None:
    container.cursors.override(Cursors(CURSOR_KEY))
    with pytest.raises(InvalidCursor):
        await container.list_posts().execute(ListPostsQuery(None, 10, cursor))


async def test_an_issued_cursor_is_accepted_and_keys_shorter_than_16_bytes_are_refused(
    container: Container,
) -> None:
    container.cursors.override(Cursors(CURSOR_KEY))
    page = await container.list_posts().execute(ListPostsQuery(None, 10, _tagged(VALID)))
    assert page.items == []
    with pytest.raises(ValueError, match="16 bytes"):
        Cursors(b"short")


async def test_drafts_are_invisible_to_everyone_but_the_author_and_admins(
    container: Container,
) -> None:
    ada, bob = await _actor(container, "ada@x.io"), await _actor(container, "bob@x.io")
    admin = await _actor(container, "root@x.io", admin=True)
    draft = await container.create_post().execute(CreatePostCommand(ada, "T", "B"))
    for outsider in (bob, None):
        with pytest.raises(NotFound):
            await container.get_post().execute(GetPostQuery(outsider, draft.id))
    with pytest.raises(NotFound):
        await container.update_post().execute(UpdatePostCommand(bob, draft.id, title="x"))
    with pytest.raises(NotFound):
        await container.publish_post().execute(PostCommand(bob, draft.id))
    assert (await container.get_post().execute(GetPostQuery(admin, draft.id))).id == draft.id
    assert (await container.get_post().execute(GetPostQuery(ada, draft.id))).status == "draft"


async def test_published_posts_are_read_by_all_and_changed_by_author_or_admin(
    container: Container,
) -> None:
    ada, bob = await _actor(container, "ada@x.io"), await _actor(container, "bob@x.io")
    admin = await _actor(container, "root@x.io", admin=True)
    post = await container.create_post().execute(CreatePostCommand(ada, "T", "B"))
    published = await container.publish_post().execute(PostCommand(ada, post.id))
    assert (await container.get_post().execute(GetPostQuery(None, post.id))).status == "published"
    with pytest.raises(Forbidden):
        await container.update_post().execute(UpdatePostCommand(bob, post.id, title="x"))
    with pytest.raises(Forbidden):
        await container.delete_post().execute(PostCommand(bob, post.id))
    with pytest.raises(PostAlreadyPublished):
        await container.publish_post().execute(PostCommand(ada, post.id))
    edited = await container.update_post().execute(
        UpdatePostCommand(admin, post.id, body="edited", if_match=frozenset({published.version}))
    )
    assert (edited.body, edited.version) == ("edited", published.version + 1)
    await container.delete_post().execute(PostCommand(ada, post.id))
    with pytest.raises(NotFound):
        await container.get_post().execute(GetPostQuery(ada, post.id))


async def test_a_stale_version_is_a_failed_precondition(container: Container) -> None:
    ada = await _actor(container, "ada@x.io")
    post = await container.create_post().execute(CreatePostCommand(ada, "T", "B"))
    await container.update_post().execute(UpdatePostCommand(ada, post.id, title="v2"))
    with pytest.raises(PreconditionFailed):
        await container.update_post().execute(
            UpdatePostCommand(ada, post.id, title="v3", if_match=frozenset({post.version}))
        )
    assert (await container.get_post().execute(GetPostQuery(ada, post.id))).title == "v2"


async def test_publishing_writes_post_published_to_the_outbox(container: Container) -> None:
    ada = await _actor(container, "ada@x.io")
    post = await container.create_post().execute(CreatePostCommand(ada, "T", "B"))
    await container.publish_post().execute(PostCommand(ada, post.id))
    topics = [m.topic for m in _outbox(container)]
    assert topics == ["UserRegistered", "PostPublished"]


async def test_list_and_feed_show_published_posts_newest_first(
    container: Container, clock: FrozenClock
) -> None:
    ada, bob, cy = [await _actor(container, f"{n}@x.io") for n in ("ada", "bob", "cy")]
    titles = []
    for i, author in enumerate([ada, bob, ada, cy, ada]):
        post = await container.create_post().execute(CreatePostCommand(author, f"p{i}", "b"))
        await container.publish_post().execute(PostCommand(author, post.id))
        titles.append(f"p{i}")
        clock.advance(timedelta(seconds=1))
    await container.create_post().execute(CreatePostCommand(ada, "draft", "b"))

    page = await container.list_posts().execute(ListPostsQuery(None, 2, None))
    rest = await container.list_posts().execute(ListPostsQuery(None, 10, page.next_cursor))
    assert [p.title for p in page.items + rest.items] == titles[::-1]
    by_ada = await container.list_posts().execute(ListPostsQuery(ada.user_id, 10, None))
    assert [p.title for p in by_ada.items] == ["p4", "p2", "p0"]

    await container.follow_user().execute(FollowCommand(bob, ada.user_id))
    await container.follow_user().execute(FollowCommand(bob, cy.user_id))
    await container.follow_user().execute(FollowCommand(bob, cy.user_id))  # idempotent
    feed = await container.get_feed().execute(PageQuery(bob, 10, None))
    assert [p.title for p in feed.items] == ["p4", "p3", "p2", "p0"]
    await container.unfollow_user().execute(FollowCommand(bob, cy.user_id))
    await container.unfollow_user().execute(FollowCommand(bob, cy.user_id))  # idempotent
    feed = await container.get_feed().execute(PageQuery(bob, 10, None))
    assert [p.title for p in feed.items] == ["p4", "p2", "p0"]
    follows = [m for m in _outbox(container) if m.topic == "UserFollowed"]
    assert len(follows) == 2


async def test_following_yourself_or_a_missing_user_is_rejected(container: Container) -> None:
    ada = await _actor(container, "ada@x.io")
    with pytest.raises(SelfFollowRejected):
        await container.follow_user().execute(FollowCommand(ada, ada.user_id))
    import uuid

    with pytest.raises(NotFound):
        await container.follow_user().execute(FollowCommand(ada, uuid.uuid4()))
    with pytest.raises(NotFound):
        await container.unfollow_user().execute(FollowCommand(ada, uuid.uuid4()))


async def test_an_uncommitted_unit_of_work_leaves_no_trace(container: Container) -> None:
    ada = await _actor(container, "ada@x.io")

    async def delete_then_fail() -> None:
        async with container.uow() as uow:
            await uow.users.delete(ada.user_id)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await delete_then_fail()
    seen = await container.get_user().execute(GetUserQuery(ada, ada.user_id))
    assert seen.id == ada.user_id
