"""The use cases that change an account, one each, and the domain rule on which sessions a
change ends (domain.user: a credential change ends the others, a deactivation all)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from application.accounts.changes import (
    ChangeEmailCommand,
    ChangePasswordCommand,
    RenameUserCommand,
    SetFlagCommand,
    UpdateUserCommand,
)
from application.accounts.editing import CurrentPasswordRequired
from application.accounts.login import LoginCommand
from application.accounts.profiles import GetUserQuery
from application.accounts.registration import RegisterUserCommand
from application.accounts.sessions import AccessTokenQuery, RefreshCommand
from application.errors import EmailAlreadyRegistered, Forbidden, InvalidToken
from application.views import Actor
from domain.user import SessionsEnd, User
from domain.values import Email, Name
from entrypoints.container import Container

PASSWORD, NEW_PASSWORD = "correct horse battery", "a brand new passphrase"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _user() -> User:
    return User.register(uuid4(), Email("ada@example.com"), Name("Ada"), "hash", now=NOW)


def test_a_new_password_or_address_ends_the_other_sessions() -> None:
    for change in (
        lambda u: u.change_password("new hash", now=NOW),
        lambda u: u.change_email(Email("new@example.com"), now=NOW),
    ):
        user = _user()
        change(user)
        assert user.token_version == 1
        assert user.pull_ending_sessions() is SessionsEnd.OTHERS
        assert user.pull_ending_sessions() is None


def test_a_deactivation_ends_every_session_whatever_else_changed() -> None:
    user = _user()
    user.set_active(False, now=NOW)
    user.change_password("new hash", now=NOW)
    assert user.pull_ending_sessions() is SessionsEnd.ALL


def test_a_rename_a_promotion_or_a_rehash_ends_no_session() -> None:
    user = _user()
    user.rename(Name("Ada L"), now=NOW)
    user.set_admin(True, now=NOW)
    user.rehash_password("stronger hash", now=NOW)
    user.set_active(True, now=NOW)
    assert user.pull_ending_sessions() is None
    assert user.token_version == 0


async def _register(container: Container, email: str, *, admin: bool = False) -> Actor:
    cmd = RegisterUserCommand(email, PASSWORD, "Someone", is_admin=admin)
    view = await container.register_user().execute(cmd)
    return Actor(view.id, is_admin=admin)


async def _session(container: Container, email: str) -> tuple[Actor, str]:
    """A signed-in actor (with its session) and the session's refresh token."""
    pair = await container.authenticate().execute(LoginCommand(email, PASSWORD))
    return await container.authenticate_access_token().execute(
        AccessTokenQuery(pair.access_token)
    ), (pair.refresh_token)


async def _alive(container: Container, refresh_token: str) -> bool:
    try:
        await container.refresh_session().execute(RefreshCommand(refresh_token))
    except InvalidToken:
        return False
    return True


async def test_changing_your_own_password_ends_your_other_sessions_only(
    container: Container,
) -> None:
    await _register(container, "ada@example.com")
    ada, own = await _session(container, "ada@example.com")
    _, other = await _session(container, "ada@example.com")
    await container.change_password().execute(
        ChangePasswordCommand(ada, ada.user_id, NEW_PASSWORD, current_password=PASSWORD)
    )
    assert not await _alive(container, other)
    assert await _alive(container, own)


async def test_changing_your_own_address_needs_your_current_password(
    container: Container,
) -> None:
    await _register(container, "ada@example.com")
    ada, _ = await _session(container, "ada@example.com")
    with pytest.raises(CurrentPasswordRequired):
        await container.change_email().execute(
            ChangeEmailCommand(ada, ada.user_id, "new@example.com", current_password="wrong")
        )
    view = await container.change_email().execute(
        ChangeEmailCommand(ada, ada.user_id, "new@example.com", current_password=PASSWORD)
    )
    assert view.email == "new@example.com"


async def test_a_deactivation_by_an_admin_ends_every_session(container: Container) -> None:
    admin = await _register(container, "root@example.com", admin=True)
    await _register(container, "ada@example.com")
    ada, own = await _session(container, "ada@example.com")
    view = await container.set_active().execute(SetFlagCommand(admin, ada.user_id, False))
    assert not view.is_active
    assert not await _alive(container, own)


async def test_only_admins_grant_admin_and_only_owners_or_admins_rename(
    container: Container,
) -> None:
    ada = await _register(container, "ada@example.com")
    bob = await _register(container, "bob@example.com")
    with pytest.raises(Forbidden):
        await container.set_admin().execute(SetFlagCommand(ada, ada.user_id, True))
    with pytest.raises(Forbidden):
        await container.rename_user().execute(RenameUserCommand(ada, bob.user_id, "Evil"))
    admin = await _register(container, "root@example.com", admin=True)
    assert (await container.set_admin().execute(SetFlagCommand(admin, ada.user_id, True))).is_admin
    renamed = await container.rename_user().execute(RenameUserCommand(ada, ada.user_id, "Ada L"))
    assert renamed.name == "Ada L"


async def test_an_update_that_fails_part_way_changes_nothing(container: Container) -> None:
    ada = await _register(container, "ada@example.com")
    await _register(container, "bob@example.com")
    cmd = UpdateUserCommand(
        ada, ada.user_id, name="Ada L", email="BOB@example.com", current_password=PASSWORD
    )
    with pytest.raises(EmailAlreadyRegistered):
        await container.update_user().execute(cmd)
    view = await container.get_user().execute(GetUserQuery(ada, ada.user_id))
    assert view.name == "Someone"


async def test_deactivating_your_own_account_ends_your_own_session_too(
    container: Container,
) -> None:
    """Even once reactivated by another admin: the deactivation revoked it."""
    other = await _register(container, "other@example.com", admin=True)
    await _register(container, "root@example.com", admin=True)
    root, own = await _session(container, "root@example.com")
    await container.set_active().execute(SetFlagCommand(root, root.user_id, False))
    await container.set_active().execute(SetFlagCommand(other, root.user_id, True))
    assert not await _alive(container, own)
