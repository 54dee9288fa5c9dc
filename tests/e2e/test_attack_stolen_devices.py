"""Review of issue 12, item 2: device tokens must not outlive the credentials they were earned
with, and a pile of them must not multiply an attacker's guesses. Someone who once knew the
password could sign in N times and keep N device tokens, each a "known device" with its own
budget that skips the per-client block and the account-wide ceiling."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest

from tests.e2e.conftest import PASSWORD, assert_problem, drain, mails, token_in
from tests.e2e.test_attack_lockout import (
    ADA,
    HEADER,
    RIGHT,
    TEN_IPV4_ADDRESSES,
    WRONG,
    Network,
)

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
async def network() -> AsyncIterator[Network]:
    async with contextlib.AsyncExitStack() as stack:
        net = Network(stack)
        owner = await net.client("198.51.100.1")
        body = {"email": ADA, "password": PASSWORD, "name": "Ada"}
        assert (await owner.post("/users", json=body)).status_code == 201
        yield net


async def _hammer(net: Network) -> None:
    """Unknown clients guess until the account-wide ceiling refuses every unknown client."""
    for host in TEN_IPV4_ADDRESSES:
        attacker = await net.client(host)
        for _ in range(10):
            answer = await attacker.post("/auth/token", data=WRONG)
            assert answer.status_code in (401, 429), answer.text
    assert_problem(await (await net.client("192.0.2.99")).post("/auth/token", data=WRONG), 429)


async def _reset_password_by_mail(net: Network) -> None:
    phone = await net.client("192.0.2.60")
    assert (await phone.post("/auth/password-reset", json={"email": ADA})).status_code == 202
    await drain(net.container)
    [mail] = [m for m in mails(net.container) if "reset" in m.subject.lower()]
    confirm = {"token": token_in(mail), "new_password": NEW_PASSWORD}
    assert (await phone.post("/auth/password-reset/confirm", json=confirm)).status_code == 204


async def test_a_device_token_issued_before_a_password_reset_is_an_unknown_client(
    network: Network,
) -> None:
    thief = await network.client("192.0.2.50")
    stolen = (await thief.post("/auth/token", data=RIGHT)).headers[HEADER]
    await _reset_password_by_mail(network)
    renewed = {"username": ADA, "password": NEW_PASSWORD}
    owners = await (await network.client("192.0.2.61")).post("/auth/token", data=renewed)
    assert owners.status_code == 200, owners.text

    await _hammer(network)

    elsewhere = await network.client("192.0.2.51")
    # Counted as the unknown client it now is, the stolen token meets the ceiling.
    assert_problem(await elsewhere.post("/auth/token", data=renewed, headers={HEADER: stolen}), 429)
    # The owner's device since the reset is still known: let in whatever unknown clients did.
    owners_device = {HEADER: owners.headers[HEADER]}
    answer = await elsewhere.post("/auth/token", data=renewed, headers=owners_device)
    assert answer.status_code == 200, answer.text


async def test_many_device_tokens_of_one_account_share_one_budget_of_guesses(
    network: Network,
) -> None:
    tokens = []
    for i in range(5):  # the attacker knew the password once and kept a token per sign-in
        thief = await network.client(f"192.0.2.{70 + i}")
        tokens.append((await thief.post("/auth/token", data=RIGHT)).headers[HEADER])
    await _hammer(network)

    checked = 0
    for i, token in enumerate(tokens):
        guesser = await network.client(f"192.0.2.{80 + i}")
        for _ in range(10):
            answer = await guesser.post("/auth/token", data=WRONG, headers={HEADER: token})
            assert answer.status_code in (401, 429), answer.text
            checked += answer.status_code == 401
    # Five devices with ten guesses each would be 50; together they get three devices' worth.
    assert checked == 30


async def test_after_a_reset_the_owners_new_devices_are_not_held_to_what_thieves_used_up(
    network: Network,
) -> None:
    for i in range(3):  # three stolen tokens use up the known devices' shared budget
        thief = await network.client(f"192.0.2.{70 + i}")
        token = (await thief.post("/auth/token", data=RIGHT)).headers[HEADER]
        for _ in range(10):
            await thief.post("/auth/token", data=WRONG, headers={HEADER: token})
    await _reset_password_by_mail(network)
    laptop = await network.client("192.0.2.61")
    renewed = {"username": ADA, "password": NEW_PASSWORD}
    assert (await laptop.post("/auth/token", data=renewed)).status_code == 200
    await _hammer(network)
    answer = await laptop.post("/auth/token", data=renewed)  # its cookie: a known device
    assert answer.status_code == 200, answer.text
