"""Device tokens (application.accounts.login_throttle) end with the credentials they were
earned with: a password change or a deactivation makes every earlier token an unknown client's."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.security.device_tokens import HmacDeviceTokens
from adapters.system.clock import FrozenClock
from application.accounts.changes import UpdateUserCommand
from application.accounts.login import LoginCommand
from application.accounts.registration import RegisterUserCommand
from application.errors import InvalidCredentials, RateLimited
from application.operations.audit import Origin
from application.views import Actor
from entrypoints.container import Container

PASSWORD, NEW_PASSWORD = "correct horse battery", "a brand new passphrase"
ADA = "ada@example.com"


async def _login(container: Container, password: str = PASSWORD) -> str:
    """Signs in from an address of its own; the device token the login hands out."""
    pair = await container.authenticate().execute(LoginCommand(ADA, password, Origin("192.0.2.1")))
    assert pair.device_token
    return pair.device_token


async def _hammer(container: Container) -> None:
    """Unknown clients guess until the account-wide ceiling refuses every unknown client."""
    for i in range(10):
        for _ in range(10):
            with pytest.raises((InvalidCredentials, RateLimited)):
                await container.authenticate().execute(
                    LoginCommand(ADA, "not the password", Origin(f"203.0.113.{i}"))
                )


async def _is_known(container: Container, device: str, password: str) -> bool:
    """With unknown clients refused, only a known device gets its password checked."""
    try:
        await container.authenticate().execute(
            LoginCommand(ADA, password, Origin("192.0.2.9"), device_token=device)
        )
    except RateLimited:
        return False
    return True


async def test_a_password_change_ends_every_device_token_issued_before_it(
    container: Container,
) -> None:
    view = await container.register_user().execute(RegisterUserCommand(ADA, PASSWORD, "Ada"))
    before = await _login(container)
    await container.update_user().execute(
        UpdateUserCommand(
            Actor(view.id, is_admin=False),
            view.id,
            new_password=NEW_PASSWORD,
            current_password=PASSWORD,
        )
    )
    after = await _login(container, NEW_PASSWORD)
    await _hammer(container)
    assert not await _is_known(container, before, NEW_PASSWORD)
    assert await _is_known(container, after, NEW_PASSWORD)


async def test_a_deactivation_ends_every_device_token_even_once_reactivated(
    container: Container,
) -> None:
    view = await container.register_user().execute(RegisterUserCommand(ADA, PASSWORD, "Ada"))
    device = await _login(container)
    admin = Actor(view.id, is_admin=True)
    for active in (False, True):
        await container.update_user().execute(UpdateUserCommand(admin, view.id, is_active=active))
    await _hammer(container)
    assert not await _is_known(container, device, PASSWORD)


def test_a_device_token_verifies_for_the_credentials_it_was_issued_under(
    clock: FrozenClock,
) -> None:
    tokens = HmacDeviceTokens(key=b"k" * 32, clock=clock, ttl=timedelta(days=30))
    token = tokens.issue(ADA, token_version=3)
    assert tokens.verify(token, ADA, token_version=3) is not None
    assert tokens.verify(token, ADA, token_version=4) is None
    assert tokens.verify(token, ADA, token_version=None) is None  # no such account
