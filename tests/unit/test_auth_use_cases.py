from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.security.argon2_hasher import Argon2PasswordHasher
from adapters.system.clock import FrozenClock
from application.accounts.changes import UpdateUserCommand
from application.accounts.login import LoginCommand
from application.accounts.registration import DeleteUserCommand, RegisterUserCommand
from application.accounts.sessions import AccessTokenQuery, LogoutCommand, RefreshCommand
from application.errors import InvalidCredentials, InvalidToken
from application.views import Actor
from entrypoints.container import Container

PASSWORD = "correct horse battery"


async def _register(container: Container, email: str = "ada@example.com") -> None:
    await container.register_user().execute(RegisterUserCommand(email, PASSWORD, "Ada"))


async def _login(container: Container, email: str = "ada@example.com") -> tuple[str, str]:
    pair = await container.authenticate().execute(LoginCommand(email, PASSWORD))
    return pair.access_token, pair.refresh_token


async def test_login_returns_a_token_pair_that_authenticates(container: Container) -> None:
    await _register(container)
    access, refresh = await _login(container, "ADA@example.com")
    actor = await container.authenticate_access_token().execute(AccessTokenQuery(access))
    assert actor.session_id is not None
    assert refresh != access


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("ada@example.com", "wrong password"),
        ("nobody@example.com", PASSWORD),
        ("not-an-email", "x"),
    ],
)
async def test_wrong_email_or_password_gets_one_generic_error(
    container: Container, email: str, password: str
) -> None:
    await _register(container)
    with pytest.raises(InvalidCredentials) as caught:
        await container.authenticate().execute(LoginCommand(email, password))
    assert caught.value.message == "Incorrect email or password."


async def test_a_deactivated_user_cannot_log_in(container: Container) -> None:
    view = await container.register_user().execute(RegisterUserCommand("a@x.io", PASSWORD, "A"))
    admin = Actor(user_id=view.id, is_admin=True)
    await container.update_user().execute(UpdateUserCommand(admin, view.id, is_active=False))
    with pytest.raises(InvalidCredentials):
        await container.authenticate().execute(LoginCommand("a@x.io", PASSWORD))


async def test_login_upgrades_a_hash_made_with_weaker_parameters(container: Container) -> None:
    await _register(container)
    async with container.uow() as uow:
        from domain.values import Email

        before = await uow.users.get_by_email(Email("ada@example.com"))
    assert before is not None
    stronger = Argon2PasswordHasher(time_cost=2, memory_cost=64, parallelism=1, max_workers=1)
    container.hasher.override(stronger)
    await _login(container)
    async with container.uow() as uow:
        after = await uow.users.get_by_email(Email("ada@example.com"))
    assert after is not None
    assert after.password_hash != before.password_hash
    assert "t=2" in after.password_hash
    assert after.token_version == before.token_version
    stronger.close()


async def test_refresh_rotates_and_reuse_revokes_the_whole_family(container: Container) -> None:
    await _register(container)
    _, first = await _login(container)
    second = (await container.refresh_session().execute(RefreshCommand(first))).refresh_token
    with pytest.raises(InvalidToken):
        await container.refresh_session().execute(RefreshCommand(first))  # replay of a spent token
    with pytest.raises(InvalidToken):
        await container.refresh_session().execute(RefreshCommand(second))  # the family is dead


async def test_an_expired_refresh_token_is_refused(
    container: Container, clock: FrozenClock
) -> None:
    await _register(container)
    _, refresh = await _login(container)
    clock.advance(timedelta(days=15))
    with pytest.raises(InvalidToken):
        await container.refresh_session().execute(RefreshCommand(refresh))


async def test_an_unknown_refresh_token_is_refused(container: Container) -> None:
    with pytest.raises(InvalidToken):
        await container.refresh_session().execute(RefreshCommand("made-up"))


async def test_logout_kills_the_refresh_family_and_the_current_access_token(
    container: Container,
) -> None:
    await _register(container)
    access, refresh = await _login(container)
    actor = await container.authenticate_access_token().execute(AccessTokenQuery(access))
    await container.logout().execute(LogoutCommand(refresh, actor))
    with pytest.raises(InvalidToken):
        await container.authenticate_access_token().execute(AccessTokenQuery(access))
    with pytest.raises(InvalidToken):
        await container.refresh_session().execute(RefreshCommand(refresh))
    await container.logout().execute(LogoutCommand(refresh, None))  # twice is fine


async def test_a_password_change_ends_other_sessions_but_keeps_the_callers(
    container: Container,
) -> None:
    await _register(container)
    access, my_refresh = await _login(container)
    other_access, other_refresh = await _login(container)
    me = await container.authenticate_access_token().execute(AccessTokenQuery(access))
    await container.update_user().execute(
        UpdateUserCommand(
            me, me.user_id, new_password="a brand new password", current_password=PASSWORD
        )
    )
    for token in (access, other_access):
        with pytest.raises(InvalidToken):
            await container.authenticate_access_token().execute(AccessTokenQuery(token))
    with pytest.raises(InvalidToken):
        await container.refresh_session().execute(RefreshCommand(other_refresh))
    renewed = await container.refresh_session().execute(RefreshCommand(my_refresh))
    assert (
        await container.authenticate_access_token().execute(AccessTokenQuery(renewed.access_token))
    ).user_id == (me.user_id)


async def test_refresh_is_refused_once_the_user_is_gone(container: Container) -> None:
    view = await container.register_user().execute(RegisterUserCommand("a@x.io", PASSWORD, "A"))
    _, refresh = await _login(container, "a@x.io")
    await container.delete_user().execute(DeleteUserCommand(Actor(view.id, is_admin=True), view.id))
    with pytest.raises(InvalidToken):
        await container.refresh_session().execute(RefreshCommand(refresh))


async def test_purging_expired_sessions_keeps_live_ones(
    container: Container, clock: FrozenClock
) -> None:
    from entrypoints.worker import purge_expired_tokens

    await _register(container)
    _, old = await _login(container)
    clock.advance(timedelta(days=10))
    _, fresh = await _login(container)
    clock.advance(timedelta(days=5))
    assert await purge_expired_tokens({"container": container}) == 1
    assert await purge_expired_tokens({"container": container}) == 0
    with pytest.raises(InvalidToken):
        await container.refresh_session().execute(RefreshCommand(old))
    assert (await container.refresh_session().execute(RefreshCommand(fresh))).access_token
