"""The pages a mailed link opens (`/verify-email`, `/reset-password`): plain HTML forms that
work without JavaScript, call the same use cases as the JSON API, and never act on a GET
(mail scanners prefetch links)."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI

from domain.values import PASSWORD_MAX, PASSWORD_MIN
from entrypoints.container import Container
from tests.e2e.conftest import PASSWORD, Account, drain, login, mails, token_in

NEW_PASSWORD = "a brand new password"
CSP = (
    "default-src 'none'; style-src 'sha256-{}'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


@pytest.fixture
async def site(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A browser's view: the site root, not the API prefix."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


def path_of(mail_text: str) -> str:
    """The mailed link, as a browser opening it would request it (path and query)."""
    [link] = re.findall(r"https?://\S+", mail_text)
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def assert_page(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    return response.text


async def mailed_reset(client: httpx.AsyncClient, container: Container, email: str) -> str:
    await client.post("/auth/password-reset", json={"email": email})
    await drain(container)
    [mail] = [m for m in mails(container) if "reset" in m.subject.lower()][-1:]
    token_in(mail)  # registers the token with the leak guard
    return path_of(mail.text)


async def test_the_mailed_verification_link_confirms_only_when_its_button_is_pressed(
    client: httpx.AsyncClient, site: httpx.AsyncClient, container: Container, ada: Account
) -> None:
    await drain(container)
    [mail] = mails(container)
    token = token_in(mail)
    opened = assert_page(await site.get(path_of(mail.text)), 200)
    assert '<form method="post" action="verify-email">' in opened
    assert f'<input type="hidden" name="token" value="{token}">' in opened
    assert "<button" in opened
    # Opening the link (as a mail scanner's prefetch does) changes nothing.
    assert (await client.get("/users/me", headers=ada.auth)).json()["email_verified"] is False

    done = assert_page(await site.post("/verify-email", data={"token": token}), 200)
    assert "Your email address is confirmed." in done
    assert (await client.get("/users/me", headers=ada.auth)).json()["email_verified"] is True


async def test_a_spent_forged_or_missing_verification_token_gets_a_readable_400_page(
    site: httpx.AsyncClient, container: Container, ada: Account
) -> None:
    await drain(container)
    token = token_in(mails(container)[0])
    assert (await site.post("/verify-email", data={"token": token})).status_code == 200
    for bad in (token, token[:-2] + "AA", "x" * 201):
        page = assert_page(await site.post("/verify-email", data={"token": bad}), 400)
        assert "link is invalid or has expired" in page
        assert "ask the app for a new one" in page
    for missing in (await site.get("/verify-email"), await site.post("/verify-email")):
        assert "This link has no token" in assert_page(missing, 400)
    assert "This link has no token" in assert_page(await site.get("/reset-password"), 400)


async def test_the_mailed_reset_link_sets_a_new_password_that_logs_in(
    client: httpx.AsyncClient, site: httpx.AsyncClient, container: Container, ada: Account
) -> None:
    path = await mailed_reset(client, container, ada.email)
    token = path.split("token=", 1)[1]
    form = assert_page(await site.get(path), 200)
    assert '<form method="post" action="reset-password">' in form
    for field in ("new_password", "confirm_password"):
        assert (
            f'<input type="password" name="{field}" id="{field}" required '
            f'minlength="{PASSWORD_MIN}" maxlength="{PASSWORD_MAX}" '
            'autocomplete="new-password">'
        ) in form
    await login(client, ada.email, PASSWORD)  # the GET changed nothing

    done = await site.post(
        "/reset-password",
        data={"token": token, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
    )
    assert "Your password has been changed." in assert_page(done, 200)
    await login(client, ada.email, NEW_PASSWORD)
    old = await client.post("/auth/token", data={"username": ada.email, "password": PASSWORD})
    assert old.status_code == 401
    assert (await client.get("/users/me", headers=ada.auth)).status_code == 401  # sessions end


async def test_a_mismatched_confirmation_or_a_weak_password_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, site: httpx.AsyncClient, container: Container, ada: Account
) -> None:
    token = (await mailed_reset(client, container, ada.email)).split("token=", 1)[1]
    mismatch = await site.post(
        "/reset-password",
        data={"token": token, "new_password": NEW_PASSWORD, "confirm_password": "something else"},
    )
    page = assert_page(mismatch, 422)
    assert "The two passwords do not match." in page
    assert f'name="token" value="{token}"' in page  # the form again, to try once more
    weak = await site.post(
        "/reset-password",
        data={"token": token, "new_password": "iloveyou", "confirm_password": "iloveyou"},
    )
    assert "most commonly used" in assert_page(weak, 422)
    await login(client, ada.email, PASSWORD)
    # The link still works after those mistakes.
    ok = await site.post(
        "/reset-password",
        data={"token": token, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
    )
    assert ok.status_code == 200
    spent = await site.post(
        "/reset-password",
        data={"token": token, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
    )
    assert "link is invalid or has expired" in assert_page(spent, 400)


async def test_guessing_reset_tokens_through_the_page_is_rate_limited_like_the_api(
    site: httpx.AsyncClient, container: Container
) -> None:
    limit = container.settings().login_failures_per_client
    form = {"token": "guess", "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}
    statuses = [(await site.post("/reset-password", data=form)).status_code for _ in range(limit)]
    assert set(statuses) == {400}
    refused = await site.post("/reset-password", data=form)
    assert "Too many attempts" in assert_page(refused, 429)
    assert int(refused.headers["retry-after"]) >= 1


async def test_the_pages_send_a_strict_policy_keep_no_copy_and_load_nothing_from_elsewhere(
    client: httpx.AsyncClient, site: httpx.AsyncClient, container: Container, ada: Account
) -> None:
    reset = await mailed_reset(client, container, ada.email)
    answers = [
        await site.get(path_of(mails(container)[0].text)),
        await site.get(reset),
        await site.get("/verify-email"),
        await site.post("/verify-email", data={"token": "forged-token"}),
        await site.post("/reset-password", data={"token": "forged", "new_password": "x"}),
    ]
    for answer in answers:
        style = re.search(r"<style>(.*?)</style>", answer.text, re.S)
        assert style is not None
        digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
        assert answer.headers["content-security-policy"] == CSP.format(digest)
        assert answer.headers["referrer-policy"] == "no-referrer"  # the token is in the URL
        assert answer.headers["cache-control"] == "no-store"
        assert answer.headers["x-frame-options"] == "DENY"
        for outside in ("<script", "<link", "<img", "src=", "http://", "https://", "style="):
            assert outside not in answer.text


async def test_a_token_carrying_markup_is_shown_as_text_never_as_markup(
    site: httpx.AsyncClient,
) -> None:
    attack = '"><script>alert(1)</script><input name="token" value="'
    for path in ("/verify-email", "/reset-password"):
        page = assert_page(await site.get(path, params={"token": attack}), 200)
        assert "<script>" not in page
        assert 'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;' in page


async def test_the_pages_are_not_part_of_the_api_document(app: FastAPI) -> None:
    paths = app.openapi()["paths"]
    assert "/verify-email" not in paths
    assert "/reset-password" not in paths


async def test_mails_point_at_the_front_end_when_an_operator_sets_one() -> None:
    from entrypoints.container import build_container, shutdown
    from entrypoints.http.app import create_app
    from tests.conftest import make_settings

    container = build_container(make_settings(link_base_url="https://app.example.com/account/"))
    transport = httpx.ASGITransport(app=create_app(container))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as api:
            await api.post(
                "/users", json={"email": "ada@example.com", "password": PASSWORD, "name": "Ada"}
            )
            await api.post("/auth/password-reset", json={"email": "ada@example.com"})
            await drain(container)
    finally:
        await shutdown(container)
    verify, reset = mails(container)
    token_in(verify), token_in(reset)
    assert "\nhttps://app.example.com/account/verify-email?token=" in verify.text
    assert "\nhttps://app.example.com/account/reset-password?token=" in reset.text
