"""Login throttling with device tokens, on in-memory adapters (issue 12, items 2 and 7)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.memory.limits import InProcessRateLimiter
from adapters.security.device_tokens import HmacDeviceTokens
from adapters.system.clock import FrozenClock
from application.accounts.email_flows import RequestPasswordResetCommand
from application.accounts.login import LoginCommand
from application.accounts.registration import RegisterUserCommand
from application.errors import InvalidCredentials, RateLimited
from application.operations.audit import Origin
from application.ports.limits import Rate, RateDecision
from entrypoints.container import Container

PASSWORD = "correct horse battery"
ADA = "ada@example.com"


async def _attack(container: Container, clients: int = 10) -> None:
    """Ten wrong passwords from each of `clients` addresses, as far as they get."""
    for i in range(clients):
        for _ in range(10):
            with pytest.raises((InvalidCredentials, RateLimited)):
                await container.authenticate().execute(
                    LoginCommand(ADA, "not the password", Origin(f"203.0.113.{i}"))
                )


async def _login(container: Container, client: str, device: str | None = None) -> str:
    """Signs in and returns the device token the login hands out."""
    pair = await container.authenticate().execute(
        LoginCommand(ADA, PASSWORD, Origin(client), device_token=device)
    )
    assert pair.device_token
    return pair.device_token


async def test_the_owner_on_a_known_device_signs_in_while_unknown_clients_are_refused(
    container: Container,
) -> None:
    await container.register_user().execute(RegisterUserCommand(ADA, PASSWORD, "Ada"))
    device = await _login(container, "192.0.2.1")
    await _attack(container)
    with pytest.raises(RateLimited):
        await container.authenticate().execute(LoginCommand(ADA, PASSWORD, Origin("192.0.2.2")))
    assert await _login(container, "192.0.2.9", device)  # the device, from anywhere


async def test_a_device_token_is_bound_to_its_account(container: Container) -> None:
    for email in (ADA, "eve@example.com"):
        await container.register_user().execute(RegisterUserCommand(email, PASSWORD, "N"))
    eves = await container.authenticate().execute(LoginCommand("eve@example.com", PASSWORD))
    await _attack(container)
    with pytest.raises(RateLimited):
        await container.authenticate().execute(
            LoginCommand(ADA, PASSWORD, Origin("192.0.2.2"), device_token=eves.device_token)
        )


class RecordingLimiter(InProcessRateLimiter):
    """The in-process limiter, remembering every key it was asked about."""

    def __init__(self, clock: FrozenClock) -> None:
        super().__init__(clock)
        self.keys: list[str] = []

    async def hit(self, key: str, rate: Rate) -> RateDecision:
        self.keys.append(key)
        return await super().hit(key, rate)

    async def peek(self, key: str, rate: Rate) -> RateDecision:
        self.keys.append(key)
        return await super().peek(key, rate)

    async def reset(self, key: str) -> None:
        self.keys.append(key)
        await super().reset(key)


async def test_throttle_keys_never_name_the_address(
    container: Container, clock: FrozenClock
) -> None:
    limiter = RecordingLimiter(clock)
    container.rate_limiter.override(limiter)
    await container.register_user().execute(RegisterUserCommand(ADA, PASSWORD, "Ada"))
    with pytest.raises(InvalidCredentials):
        await container.authenticate().execute(
            LoginCommand(ADA, "wrong password", Origin("192.0.2.1"))
        )
    await _login(container, "192.0.2.1")
    await container.request_password_reset().execute(
        RequestPasswordResetCommand(ADA, Origin("192.0.2.1"))
    )
    assert limiter.keys
    assert not [key for key in limiter.keys if "ada" in key.lower()]


def _tokens(clock: FrozenClock, key: bytes = b"k" * 32) -> HmacDeviceTokens:
    return HmacDeviceTokens(key=key, clock=clock, ttl=timedelta(days=30))


def test_a_device_token_verifies_for_its_account_only(clock: FrozenClock) -> None:
    tokens = _tokens(clock)
    token = tokens.issue(ADA, 0)
    device = tokens.verify(token, ADA, 0)
    assert device is not None
    assert tokens.verify(token, "eve@example.com", 0) is None
    assert tokens.verify(tokens.issue(ADA, 0), ADA, 0) not in (None, device)  # one id per token


def test_a_device_token_expires(clock: FrozenClock) -> None:
    tokens = _tokens(clock)
    token = tokens.issue(ADA, 0)
    clock.advance(timedelta(days=30, seconds=1))
    assert tokens.verify(token, ADA, 0) is None


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: ("B" if t[0] != "B" else "C") + t[1:],  # another device id
        lambda t: t.replace(".", ".9", 1),  # another issue time
        lambda t: t.rsplit(".", 1)[0],  # no tag
        lambda t: t + "A",
        lambda _t: "",
        lambda _t: "x" * 10_000,
        lambda _t: "a.b.c",
        lambda _t: "\u00e9.1.\u00e9",
    ],
)
def test_a_tampered_or_malformed_device_token_is_refused(
    clock: FrozenClock, mangle: object
) -> None:
    tokens = _tokens(clock)
    assert callable(mangle)
    assert tokens.verify(mangle(tokens.issue(ADA, 0)), ADA, 0) is None


def test_a_device_token_from_another_key_is_refused(clock: FrozenClock) -> None:
    assert _tokens(clock, b"z" * 32).verify(_tokens(clock).issue(ADA, 0), ADA, 0) is None


def test_the_worker_keeps_its_queue_and_cron_jobs_under_the_deployments_prefix() -> None:
    """Cron job ids are `<name>:<time>` in arq's global key space: two deployments on one
    Redis database would otherwise each skip the runs the other enqueued first."""
    from entrypoints.worker import WorkerSettings

    assert WorkerSettings.queue_name == "inkwell:queue"
    names = [job.name for job in WorkerSettings.cron_jobs]
    assert names
    assert all(name.startswith("inkwell:queue:cron:") for name in names)
