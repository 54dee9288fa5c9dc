"""Audit events: written with the changes they record, or alone for failures that raise."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.system.clock import FrozenClock
from application.accounts.changes import UpdateUserCommand
from application.accounts.login import LoginCommand
from application.accounts.registration import DeleteUserCommand, RegisterUserCommand
from application.accounts.sessions import AccessTokenQuery, LogoutCommand, RefreshCommand
from application.errors import (
    EmailAlreadyRegistered,
    Forbidden,
    InvalidCredentials,
    InvalidToken,
    RateLimited,
)
from application.operations.audit import ListAuditEventsQuery, Origin
from application.ports.audit import AuditFilter
from application.publishing.posts import CreatePostCommand, PostCommand, UpdatePostCommand
from application.views import Actor
from domain.audit import AuditEvent, AuditKind, UnsafeAuditDetails
from entrypoints.container import Container, build_container, shutdown
from tests.conftest import make_settings

PASSWORD = "correct horse battery"
WRONG = "a wrong guess of a password"
ORIGIN = Origin(client="203.0.113.7", request_id="req-1")


async def _events(container: Container, **where: Any) -> list[AuditEvent]:
    async with container.uow() as uow:
        return list(await uow.audit.list(AuditFilter(**where), after=None, limit=100))


async def _user(container: Container, email: str = "ada@example.com", admin: bool = False) -> Actor:
    view = await container.register_user().execute(
        RegisterUserCommand(email, PASSWORD, "Ada", is_admin=admin)
    )
    return Actor(user_id=view.id, is_admin=admin)


def _login(email: str, password: str = PASSWORD) -> LoginCommand:
    return LoginCommand(email, password, Origin("203.0.113.7", "req-1"))


async def test_a_failed_login_is_committed_although_the_use_case_raised(
    container: Container,
) -> None:
    ada = await _user(container)
    with pytest.raises(InvalidCredentials):
        await container.authenticate().execute(_login("ada@example.com", WRONG))
    [event] = await _events(container, kind=AuditKind.LOGIN_FAILED)
    assert event.subject_id == ada.user_id
    assert event.actor_id is None
    assert event.details == {"reason": "wrong_password"}
    assert (event.client, event.request_id) == ("203.0.113.7", "req-1")
    assert WRONG not in repr(event)


@pytest.mark.parametrize(
    ("email", "password", "reason"),
    [
        ("nobody@example.com", PASSWORD, "unknown_account"),
        ("not an address", PASSWORD, "invalid_email"),
    ],
)
async def test_a_failed_login_without_an_account_names_no_address(
    container: Container, email: str, password: str, reason: str
) -> None:
    await _user(container)
    with pytest.raises(InvalidCredentials) as caught:
        await container.authenticate().execute(_login(email, password))
    assert caught.value.message == "Incorrect email or password."
    [event] = await _events(container, kind=AuditKind.LOGIN_FAILED)
    assert event.subject_id is None
    assert event.details["reason"] == reason
    fingerprint = event.details["account_fingerprint"]
    assert isinstance(fingerprint, str)
    assert len(fingerprint) == 16
    assert email not in repr(event)
    assert "nobody" not in repr(event)
    assert password not in repr(event)


async def test_attempts_on_one_unknown_address_share_a_fingerprint(container: Container) -> None:
    for email in ("Nobody@Example.com", "nobody@example.com", "other@example.com"):
        with pytest.raises(InvalidCredentials):
            await container.authenticate().execute(_login(email))
    prints = [e.details["account_fingerprint"] for e in await _events(container)]
    assert len(set(prints)) == 2


async def test_a_deactivated_account_fails_with_its_reason_recorded(container: Container) -> None:
    root = await _user(container, "root@example.com", admin=True)
    ada = await _user(container)
    await container.update_user().execute(UpdateUserCommand(root, ada.user_id, is_active=False))
    with pytest.raises(InvalidCredentials):
        await container.authenticate().execute(_login("ada@example.com"))
    [event] = await _events(container, kind=AuditKind.LOGIN_FAILED)
    assert (event.subject_id, event.details) == (ada.user_id, {"reason": "inactive_account"})


async def test_a_login_is_recorded_with_the_session_it_opens(container: Container) -> None:
    ada = await _user(container)
    pair = await container.authenticate().execute(_login("ada@example.com"))
    actor = await container.authenticate_access_token().execute(AccessTokenQuery(pair.access_token))
    [event] = await _events(container, kind=AuditKind.LOGIN_SUCCEEDED)
    assert event.subject_id == ada.user_id
    assert event.details == {"session_id": str(actor.session_id)}
    assert pair.refresh_token not in repr(event)
    assert pair.access_token not in repr(event)


@pytest.fixture
async def strict(clock: FrozenClock) -> AsyncIterator[Container]:
    c = build_container(make_settings(login_attempts_per_account_and_client=2))
    c.clock.override(clock)
    yield c
    await shutdown(c)


async def test_throttled_logins_are_recorded_once_per_window(strict: Container) -> None:
    ada = await _user(strict)
    for _ in range(2):
        with pytest.raises(InvalidCredentials):
            await strict.authenticate().execute(_login("ada@example.com", WRONG))
    for _ in range(5):
        with pytest.raises(RateLimited):
            await strict.authenticate().execute(_login("ada@example.com", WRONG))
    [event] = await _events(strict, kind=AuditKind.LOGIN_THROTTLED)
    assert event.subject_id == ada.user_id
    assert event.details == {"limit": "account-client"}
    assert len(await _events(strict, kind=AuditKind.LOGIN_FAILED)) == 2


async def test_a_client_blocked_for_its_failures_is_recorded_without_an_account(
    clock: FrozenClock,
) -> None:
    c = build_container(make_settings(login_failures_per_client=2))
    c.clock.override(clock)
    try:
        for email in ("a@example.com", "b@example.com"):
            with pytest.raises(InvalidCredentials):
                await c.authenticate().execute(_login(email))
        for email in ("c@example.com", "d@example.com"):
            with pytest.raises(RateLimited):
                await c.authenticate().execute(_login(email))
        [event] = await _events(c, kind=AuditKind.LOGIN_THROTTLED)
    finally:
        await shutdown(c)
    assert (event.subject_id, event.details) == (None, {"limit": "client-failures"})
    assert event.client == "203.0.113.7"


async def test_reuse_of_a_refresh_token_is_recorded_with_the_revocation(
    container: Container,
) -> None:
    ada = await _user(container)
    first = (await container.authenticate().execute(_login("ada@example.com"))).refresh_token
    await container.refresh_session().execute(RefreshCommand(first))
    with pytest.raises(InvalidToken):
        await container.refresh_session().execute(RefreshCommand(first, ORIGIN))
    [event] = await _events(container, kind=AuditKind.REFRESH_TOKEN_REUSE_DETECTED)
    assert event.subject_id == ada.user_id
    assert first not in repr(event)
    [login] = await _events(container, kind=AuditKind.LOGIN_SUCCEEDED)
    assert event.details == login.details  # the session that was revoked


async def test_a_logout_is_recorded_once(container: Container) -> None:
    ada = await _user(container)
    pair = await container.authenticate().execute(_login("ada@example.com"))
    actor = await container.authenticate_access_token().execute(AccessTokenQuery(pair.access_token))
    for _ in range(2):
        await container.logout().execute(LogoutCommand(pair.refresh_token, actor, ORIGIN))
    [event] = await _events(container, kind=AuditKind.LOGOUT)
    assert (event.actor_id, event.subject_id) == (ada.user_id, ada.user_id)
    assert event.details == {"session_id": str(actor.session_id)}


async def test_a_logout_that_ends_another_live_session_is_recorded(
    container: Container,
) -> None:
    """The refresh token's session ended before; the bearer's is live and ends now."""
    ada = await _user(container)
    first = await container.authenticate().execute(_login("ada@example.com"))
    second = await container.authenticate().execute(_login("ada@example.com"))
    first_actor = await container.authenticate_access_token().execute(
        AccessTokenQuery(first.access_token)
    )
    await container.logout().execute(LogoutCommand(first.refresh_token, first_actor, ORIGIN))
    second_actor = await container.authenticate_access_token().execute(
        AccessTokenQuery(second.access_token)
    )
    await container.logout().execute(LogoutCommand(first.refresh_token, second_actor, ORIGIN))
    events = await _events(container, kind=AuditKind.LOGOUT)
    assert sorted(e.details["session_id"] for e in events) == sorted(
        [str(first_actor.session_id), str(second_actor.session_id)]
    )
    assert {e.subject_id for e in events} == {ada.user_id}


async def test_changing_your_password_and_email_is_recorded_without_secrets(
    container: Container,
) -> None:
    ada = await _user(container)
    new_password = "an entirely new passphrase"
    await container.update_user().execute(
        UpdateUserCommand(
            ada,
            ada.user_id,
            email="ada@new.example",
            new_password=new_password,
            current_password=PASSWORD,
            origin=ORIGIN,
        )
    )
    events = {e.kind: e for e in await _events(container)}
    assert set(events) == {AuditKind.EMAIL_CHANGED, AuditKind.PASSWORD_CHANGED}
    email = events[AuditKind.EMAIL_CHANGED]
    assert email.details == {"previous_email": "ada@example.com", "new_email": "ada@new.example"}
    for event in events.values():
        assert (event.actor_id, event.subject_id) == (ada.user_id, ada.user_id)
        assert new_password not in repr(event)
        assert PASSWORD not in repr(event)
        assert "argon2" not in repr(event)


async def test_an_update_that_fails_leaves_no_audit_event(container: Container) -> None:
    ada = await _user(container)
    await _user(container, "taken@example.com")
    with pytest.raises(EmailAlreadyRegistered):
        await container.update_user().execute(
            UpdateUserCommand(
                ada, ada.user_id, email="taken@example.com", current_password=PASSWORD
            )
        )
    assert await _events(container, kind=AuditKind.EMAIL_CHANGED) == []


async def test_an_admin_deactivating_someone_is_recorded_with_the_fields(
    container: Container,
) -> None:
    root = await _user(container, "root@example.com", admin=True)
    ada = await _user(container)
    await container.update_user().execute(
        UpdateUserCommand(root, ada.user_id, name="Ada L", is_active=False, origin=ORIGIN)
    )
    [event] = await _events(container, kind=AuditKind.ADMIN_USER_UPDATED)
    assert (event.actor_id, event.subject_id) == (root.user_id, ada.user_id)
    assert event.details == {"fields": ["is_active", "name"], "is_active": False}


async def test_ordinary_profile_edits_are_not_audited(container: Container) -> None:
    root = await _user(container, "root@example.com", admin=True)
    ada = await _user(container)
    await container.update_user().execute(UpdateUserCommand(ada, ada.user_id, name="Ada L"))
    await container.update_user().execute(UpdateUserCommand(root, root.user_id, name="Root"))
    await container.update_user().execute(UpdateUserCommand(root, ada.user_id, name="Ada L"))
    assert await _events(container, kind=AuditKind.ADMIN_USER_UPDATED) == []


async def test_an_admin_deleting_a_user_keeps_their_address_in_the_trail(
    container: Container,
) -> None:
    root = await _user(container, "root@example.com", admin=True)
    ada = await _user(container)
    await container.delete_user().execute(DeleteUserCommand(root, ada.user_id, ORIGIN))
    [event] = await _events(container, subject_id=ada.user_id)
    assert event.kind is AuditKind.ADMIN_USER_DELETED
    assert event.details == {"email": "ada@example.com"}


async def test_admins_changing_others_posts_are_audited_authors_are_not(
    container: Container,
) -> None:
    root = await _user(container, "root@example.com", admin=True)
    ada = await _user(container)
    post = await container.create_post().execute(CreatePostCommand(ada, "Title", "Body"))
    await container.update_post().execute(UpdatePostCommand(ada, post.id, title="Mine"))
    await container.update_post().execute(UpdatePostCommand(root, post.id, body="Moderated"))
    await container.publish_post().execute(PostCommand(root, post.id))
    await container.delete_post().execute(PostCommand(root, post.id))
    events = await _events(container, actor_id=root.user_id)
    assert sorted(e.kind for e in events) == [
        AuditKind.ADMIN_POST_DELETED,
        AuditKind.ADMIN_POST_PUBLISHED,
        AuditKind.ADMIN_POST_UPDATED,
    ]
    assert {e.subject_id for e in events} == {ada.user_id}
    assert all(e.details["post_id"] == str(post.id) for e in events)
    [update] = [e for e in events if e.kind is AuditKind.ADMIN_POST_UPDATED]
    assert update.details["fields"] == ["body"]
    assert len(await _events(container, subject_id=ada.user_id)) == 3  # none by the author


async def test_the_cli_actions_are_audited(container: Container) -> None:
    root = await _user(container, "root@example.com", admin=True)
    assert await container.requeue_dead_jobs().execute() == 0
    created, requeued = sorted(await _events(container), key=lambda e: e.kind)
    assert (created.kind, created.subject_id) == (AuditKind.ADMIN_CREATED, root.user_id)
    assert created.details == {"email": "root@example.com", "via": "cli"}
    assert (requeued.kind, requeued.details) == (
        AuditKind.DEAD_JOBS_REQUEUED,
        {"count": 0, "via": "cli"},
    )


async def test_only_admins_read_the_audit_log(container: Container) -> None:
    ada = await _user(container)
    with pytest.raises(Forbidden):
        await container.list_audit_events().execute(
            ListAuditEventsQuery(ada, AuditFilter(subject_id=ada.user_id), limit=10)
        )


async def test_events_past_retention_are_purged(container: Container, clock: FrozenClock) -> None:
    from entrypoints.worker import purge_old_rows

    await _user(container, "old@example.com", admin=True)
    clock.advance(timedelta(days=300))
    await _user(container, "new@example.com", admin=True)
    clock.advance(timedelta(days=66))
    assert await purge_old_rows({"container": container}) == 1
    [kept] = await _events(container)
    assert kept.details["email"] == "new@example.com"


@pytest.mark.parametrize(
    "details",
    [
        {"password": "x"},
        {"new_password_hash": "x"},
        {"refresh_token": "x"},
        {"Secret": "x"},
        {"long": "x" * 1000},
        {"nested": {"a": "b"}},
    ],
)
def test_an_audit_event_refuses_details_that_could_hold_a_secret(details: Any) -> None:
    with pytest.raises(UnsafeAuditDetails):
        AuditEvent(
            id=uuid.uuid4(),
            occurred_at=datetime.now(UTC),
            kind=AuditKind.LOGOUT,
            details=details,
        )


async def test_an_admins_patch_that_changes_nothing_writes_and_audits_nothing(
    container: Container,
) -> None:
    root = await _user(container, "root@example.com", admin=True)
    ada = await _user(container)
    post = await container.create_post().execute(CreatePostCommand(ada, "Title", "Body"))
    same = await container.update_post().execute(UpdatePostCommand(root, post.id, title="Title"))
    assert same.version == post.version
    assert await _events(container, actor_id=root.user_id) == []
