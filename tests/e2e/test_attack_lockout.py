"""Issue 12, item 2: guessing from many addresses must slow the attacker down without locking
the owner out. A successful login hands the client a device cookie (OWASP "Slow Down Online
Guessing Attacks with Device Cookies"); a client that presents it is not counted against the
account-wide ceiling, which then refuses only unknown clients. A reset by mail always lets the
owner back in."""

from __future__ import annotations

import contextlib
import ipaddress
from collections.abc import AsyncIterator
from http.cookies import SimpleCookie

import httpx
import pytest

from adapters.system.clock import FrozenClock
from entrypoints.container import Container, build_container
from entrypoints.http.app import create_app
from tests.conftest import make_settings
from tests.e2e.conftest import PASSWORD, assert_problem, drain, mails, token_in

ADA = "ada@example.com"
WRONG = {"username": ADA, "password": "not the password"}
RIGHT = {"username": ADA, "password": PASSWORD}
COOKIE, HEADER = "inkwell_device", "Inkwell-Device"


class Network:
    """The app, reached from as many client addresses as a test wants; each client keeps its
    cookies like a browser."""

    def __init__(self, stack: contextlib.AsyncExitStack, **settings: object) -> None:
        self.container: Container = build_container(make_settings(**settings))
        self.container.clock.override(FrozenClock())
        self.app = create_app(self.container)
        self._stack = stack

    async def client(self, host: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app, client=(host, 4000))
        return await self._stack.enter_async_context(
            httpx.AsyncClient(transport=transport, base_url="http://test/api/v1")
        )


@pytest.fixture
async def net() -> AsyncIterator[Network]:
    async with contextlib.AsyncExitStack() as stack:
        network = Network(stack)
        owner = await network.client("198.51.100.1")
        body = {"email": ADA, "password": PASSWORD, "name": "Ada"}
        assert (await owner.post("/users", json=body)).status_code == 201
        yield network


async def _attack(net: Network, hosts: list[str]) -> None:
    """Ten wrong passwords from each address, as far as the throttles let them through."""
    for host in hosts:
        attacker = await net.client(host)
        for _ in range(10):
            answer = await attacker.post("/auth/token", data=WRONG)
            assert answer.status_code in (401, 429), answer.text


TEN_IPV4_ADDRESSES = [f"203.0.113.{i}" for i in range(10, 20)]
# One /60 holds sixteen /64s, and IPv6 clients are keyed by their /64.
ONE_IPV6_SLASH_60 = [
    str(net[1]) for net in ipaddress.ip_network("2001:db8:0:10::/60").subnets(new_prefix=64)
]


@pytest.mark.parametrize("hosts", [TEN_IPV4_ADDRESSES, ONE_IPV6_SLASH_60], ids=["ipv4", "ipv6"])
async def test_guesses_from_many_addresses_do_not_lock_the_owner_out_of_a_known_client(
    net: Network, hosts: list[str]
) -> None:
    laptop = await net.client("192.0.2.50")
    assert (await laptop.post("/auth/token", data=RIGHT)).status_code == 200  # known from now

    await _attack(net, hosts)

    unknown = await net.client("192.0.2.77")
    assert_problem(await unknown.post("/auth/token", data=RIGHT), 429)
    signed_in = await laptop.post("/auth/token", data=RIGHT)
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["access_token"]


async def test_an_api_client_presents_its_device_token_in_a_header(net: Network) -> None:
    first = await (await net.client("192.0.2.50")).post("/auth/token", data=RIGHT)
    device = first.headers[HEADER]
    await _attack(net, TEN_IPV4_ADDRESSES)
    app = await net.client("192.0.2.51")  # no cookie jar of the first client
    assert_problem(await app.post("/auth/token", data=RIGHT), 429)
    answer = await app.post("/auth/token", data=RIGHT, headers={HEADER: device})
    assert answer.status_code == 200, answer.text


async def test_a_device_token_for_another_account_or_forged_is_an_unknown_client(
    net: Network,
) -> None:
    other = await net.client("198.51.100.2")
    body = {"email": "eve@example.com", "password": PASSWORD, "name": "Eve"}
    assert (await other.post("/users", json=body)).status_code == 201
    eves = await other.post("/auth/token", data={"username": body["email"], "password": PASSWORD})
    ada = await (await net.client("192.0.2.50")).post("/auth/token", data=RIGHT)
    await _attack(net, TEN_IPV4_ADDRESSES)
    app = await net.client("192.0.2.51")
    issued = ada.headers[HEADER]
    forged = ("B" if issued[0] != "B" else "C") + issued[1:]
    for token in (eves.headers[HEADER], forged, "garbage", "x" * 5000):
        assert_problem(await app.post("/auth/token", data=RIGHT, headers={HEADER: token}), 429)


async def test_a_known_client_still_gets_only_a_few_guesses(net: Network) -> None:
    laptop = await net.client("192.0.2.50")
    assert (await laptop.post("/auth/token", data=RIGHT)).status_code == 200
    await _attack(net, TEN_IPV4_ADDRESSES)  # unknown clients are locked out now
    statuses = [(await laptop.post("/auth/token", data=WRONG)).status_code for _ in range(10)]
    assert statuses == [401] * 10
    # Its own failure limit reached, the device is just another unknown client: refused.
    assert_problem(await laptop.post("/auth/token", data=RIGHT), 429)


async def test_a_password_reset_by_mail_lets_the_owner_in_from_a_new_client(
    net: Network,
) -> None:
    await _attack(net, TEN_IPV4_ADDRESSES)
    phone = await net.client("192.0.2.60")  # never signed in from here
    assert_problem(await phone.post("/auth/token", data=RIGHT), 429)
    assert (await phone.post("/auth/password-reset", json={"email": ADA})).status_code == 202
    await drain(net.container)
    [mail] = [m for m in mails(net.container) if "reset" in m.subject.lower()]
    new_password = "a brand new passphrase"
    confirm = {"token": token_in(mail), "new_password": new_password}
    assert (await phone.post("/auth/password-reset/confirm", json=confirm)).status_code == 204
    answer = await phone.post("/auth/token", data={"username": ADA, "password": new_password})
    assert answer.status_code == 200, answer.text


def _device_cookie(response: httpx.Response) -> SimpleCookie:
    [header] = [v for v in response.headers.get_list("set-cookie") if v.startswith(COOKIE)]
    cookie = SimpleCookie()
    cookie.load(header)
    return cookie


async def test_the_device_cookie_is_http_only_strict_and_scoped_to_auth(net: Network) -> None:
    answer = await (await net.client("192.0.2.50")).post("/auth/token", data=RIGHT)
    morsel = _device_cookie(answer)[COOKIE]
    assert morsel.value == answer.headers[HEADER]
    assert morsel["httponly"] is True
    assert morsel["samesite"].lower() == "strict"
    assert morsel["path"] == "/api/v1/auth"
    assert int(morsel["max-age"]) == 30 * 86400
    assert not morsel["secure"]  # served over http on a development URL: sent back


async def test_the_device_cookie_is_secure_when_the_service_is_public_over_https() -> None:
    async with contextlib.AsyncExitStack() as stack:
        net = Network(stack, public_url="https://inkwell.example")
        client = await net.client("192.0.2.50")
        body = {"email": ADA, "password": PASSWORD, "name": "Ada"}
        assert (await client.post("/users", json=body)).status_code == 201
        answer = await client.post("/auth/token", data=RIGHT)
        assert _device_cookie(answer)[COOKIE]["secure"] is True


async def test_a_browser_sends_the_device_cookie_back_on_its_next_login(net: Network) -> None:
    browser = await net.client("192.0.2.50")
    first = await browser.post("/auth/token", data=RIGHT)
    assert browser.cookies.get(COOKIE) == first.headers[HEADER]
    second = await browser.post("/auth/token", data=RIGHT)
    assert COOKIE in second.request.headers["cookie"]
    assert second.headers[HEADER] != first.headers[HEADER]  # a fresh one, a fresh expiry


async def test_the_token_endpoint_documents_the_device_cookie_and_header(net: Network) -> None:
    document = (await (await net.client("192.0.2.50")).get("http://test/openapi.json")).json()
    operation = document["paths"]["/api/v1/auth/token"]["post"]
    received = {(p["in"], p["name"]) for p in operation["parameters"]}
    assert {("header", HEADER), ("cookie", COOKIE)} <= received
    headers = operation["responses"]["200"]["headers"]
    assert {HEADER, "Set-Cookie"} <= set(headers)


async def test_a_front_end_on_an_allowed_origin_may_send_and_read_the_device_header() -> None:
    app = create_app(build_container(make_settings(cors_origins="https://app.example.com")))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as c:
        origin = {"Origin": "https://app.example.com"}
        preflight = await c.options(
            "/auth/token",
            headers={
                **origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": HEADER,
            },
        )
        assert preflight.status_code == 200, preflight.text
        login = await c.post("/auth/token", data=RIGHT, headers=origin)
        exposed = login.headers["access-control-expose-headers"].lower()
        assert HEADER.lower() in exposed
