"""GET /admin/audit-events: what administrators see, and who else cannot."""

from __future__ import annotations

from datetime import timedelta, timezone
from typing import Any

import httpx
import pytest

from adapters.system.clock import FrozenClock
from entrypoints.container import Container
from tests.e2e.conftest import PASSWORD, Account, assert_problem, drain, mails, token_in

AUDIT = "/admin/audit-events"


async def _audit(client: httpx.AsyncClient, admin: Account, **params: Any) -> list[Any]:
    response = await client.get(AUDIT, params=params, headers=admin.auth)
    assert response.status_code == 200, response.text
    items: list[Any] = response.json()["items"]
    return items


async def _all_pages(client: httpx.AsyncClient, admin: Account, **params: Any) -> list[Any]:
    items: list[Any] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        page = (await client.get(AUDIT, params=query, headers=admin.auth)).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


async def test_an_admin_sees_a_failed_login_with_its_reason_and_origin(
    client: httpx.AsyncClient, ada: Account, admin: Account
) -> None:
    failed = await client.post(
        "/auth/token",
        data={"username": ada.email, "password": "not her password"},
        headers={"X-Request-ID": "audit-e2e-1"},
    )
    assert_problem(failed, 401)
    [event] = await _audit(client, admin, kind="login_failed")
    assert event["subject_id"] == ada.id
    assert event["actor_id"] is None
    assert event["details"] == {"reason": "wrong_password"}
    assert event["client"] == "127.0.0.1"
    assert event["request_id"] == "audit-e2e-1"
    assert set(event) == {
        "id",
        "occurred_at",
        "kind",
        "actor_id",
        "subject_id",
        "client",
        "request_id",
        "details",
    }


async def test_every_failed_login_answers_alike_whatever_the_audit_records(
    client: httpx.AsyncClient, ada: Account, bob: Account, admin: Account
) -> None:
    await client.patch(f"/users/{bob.id}", json={"is_active": False}, headers=admin.auth)
    attempts = [
        (ada.email, "not her password"),
        ("nobody@example.com", PASSWORD),
        (bob.email, PASSWORD),
    ]
    answers = []
    for email, password in attempts:
        response = await client.post("/auth/token", data={"username": email, "password": password})
        answers.append((response.status_code, response.json()["detail"]))
    assert len(set(answers)) == 1
    assert answers[0][0] == 401
    reasons = [e["details"]["reason"] for e in await _audit(client, admin, kind="login_failed")]
    assert sorted(reasons) == ["inactive_account", "unknown_account", "wrong_password"]


async def test_password_change_reuse_and_deactivation_reach_the_log(
    client: httpx.AsyncClient, ada: Account, bob: Account, admin: Account
) -> None:
    changed = await client.patch(
        "/users/me",
        json={"new_password": "another fine passphrase", "current_password": PASSWORD},
        headers=ada.auth,
    )
    assert changed.status_code == 200
    assert (await client.post("/auth/refresh", json={"refresh_token": bob.refresh})).is_success
    assert_problem(await client.post("/auth/refresh", json={"refresh_token": bob.refresh}), 401)
    deactivated = await client.patch(
        f"/users/{bob.id}", json={"is_active": False}, headers=admin.auth
    )
    assert deactivated.status_code == 200

    [password] = await _audit(client, admin, kind="password_changed")
    assert (password["actor_id"], password["subject_id"]) == (ada.id, ada.id)
    [reuse] = await _audit(client, admin, kind="refresh_token_reuse_detected")
    assert reuse["subject_id"] == bob.id
    assert reuse["details"]["session_id"]
    [admin_update] = await _audit(client, admin, kind="admin_user_updated")
    assert (admin_update["actor_id"], admin_update["subject_id"]) == (admin.id, bob.id)
    assert admin_update["details"] == {"fields": ["is_active"], "is_active": False}


async def test_a_regular_user_cannot_read_the_audit_log(
    client: httpx.AsyncClient, ada: Account
) -> None:
    for params in ({}, {"subject_id": ada.id}, {"actor_id": ada.id}):
        body = assert_problem(await client.get(AUDIT, params=params, headers=ada.auth), 403)
        assert "items" not in body


async def test_anonymous_callers_and_bad_tokens_get_401(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get(AUDIT), 401)
    assert_problem(await client.get(AUDIT, headers={"Authorization": "Bearer forged"}), 401)


async def test_a_demoted_admin_loses_access_at_once(
    client: httpx.AsyncClient, container: Container, admin: Account
) -> None:
    from tests.e2e.conftest import make_admin

    other = await make_admin(client, container, "second@example.com")
    assert (await client.get(AUDIT, headers=other.auth)).status_code == 200
    await client.patch(f"/users/{other.id}", json={"is_admin": False}, headers=admin.auth)
    assert_problem(await client.get(AUDIT, headers=other.auth), 403)
    [event] = await _audit(client, admin, kind="admin_user_updated")
    assert event["details"] == {"fields": ["is_admin"], "is_admin": False}


async def test_pages_are_newest_first_and_filters_narrow_them(
    client: httpx.AsyncClient, clock: FrozenClock, ada: Account, admin: Account
) -> None:
    await client.patch(f"/users/{ada.id}", json={"name": "Ada L"}, headers=admin.auth)
    start = clock.now()
    for _ in range(5):
        clock.advance(timedelta(seconds=1))
        await client.post("/auth/token", data={"username": ada.email, "password": "wrong!"})
    everything = await _all_pages(client, admin, limit=2)
    stamps = [e["occurred_at"] for e in everything]
    assert stamps == sorted(stamps, reverse=True)
    assert len({e["id"] for e in everything}) == len(everything)
    assert len(everything) == len(await _audit(client, admin, limit=100))

    failures = await _all_pages(client, admin, kind="login_failed", limit=2)
    assert len(failures) == 5
    assert {e["subject_id"] for e in failures} == {ada.id}
    assert {e["subject_id"] for e in await _audit(client, admin, subject_id=ada.id)} == {ada.id}
    [by_admin] = await _audit(client, admin, actor_id=admin.id)
    assert (by_admin["kind"], by_admin["subject_id"]) == ("admin_user_updated", ada.id)
    window = {
        "since": (start + timedelta(seconds=2)).isoformat(),
        "until": (start + timedelta(seconds=4)).isoformat(),
    }
    assert len(await _audit(client, admin, kind="login_failed", **window)) == 2
    paris = timezone(timedelta(hours=1))
    until = (start + timedelta(seconds=5)).astimezone(paris).isoformat()
    assert "+01:00" in until
    assert len(await _audit(client, admin, kind="login_failed", until=until)) == 4


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"cursor": "not-a-cursor"}, 400),
        ({"kind": "tea_served"}, 422),
        ({"subject_id": "42"}, 422),
        ({"actor_id": "x"}, 422),
        ({"since": "yesterday"}, 422),
        ({"since": "2026-01-01T00:00:00"}, 422),  # no offset: ambiguous
        ({"since": "0001-01-01T00:00:00+05:00"}, 422),  # before year 1 in UTC
        ({"limit": 0}, 422),
        ({"limit": 101}, 422),
        ({"subjet_id": "00000000-0000-0000-0000-000000000000"}, 422),  # misspelt filter
    ],
)
async def test_bad_queries_are_problems_never_500s(
    client: httpx.AsyncClient, admin: Account, params: dict[str, Any], status: int
) -> None:
    assert_problem(await client.get(AUDIT, params=params, headers=admin.auth), status)


async def test_a_window_that_ends_before_it_starts_is_empty_not_an_error(
    client: httpx.AsyncClient, admin: Account
) -> None:
    """Each bound is valid on its own (the schema can say no more), so the answer is the
    empty set of events in that window."""
    params = {"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"}
    response = await client.get(AUDIT, params=params, headers=admin.auth)
    assert response.status_code == 200
    assert response.json() == {"items": [], "next_cursor": None}


async def test_the_log_never_holds_passwords_tokens_or_unknown_addresses(
    client: httpx.AsyncClient, container: Container, ada: Account, admin: Account
) -> None:
    secrets_seen = [PASSWORD, ada.access, ada.refresh, admin.access, admin.refresh]
    await client.post("/auth/token", data={"username": "ghost@example.com", "password": "pw1"})
    await client.post("/auth/refresh", json={"refresh_token": ada.refresh})
    await client.post("/auth/refresh", json={"refresh_token": ada.refresh})
    await client.post("/auth/password-reset", json={"email": ada.email})
    await client.post("/auth/password-reset", json={"email": "ghost@example.com"})
    await drain(container)
    token = token_in(next(m for m in mails(container) if "reset-password" in m.text))
    new_password = "a reset passphrase"
    confirmed = await client.post(
        "/auth/password-reset/confirm", json={"token": token, "new_password": new_password}
    )
    assert confirmed.status_code == 204
    secrets_seen += [token, new_password, "pw1", "ghost"]

    response = await client.get(AUDIT, params={"limit": 100}, headers=admin.auth)
    kinds = {e["kind"] for e in response.json()["items"]}
    assert {
        "login_failed",
        "refresh_token_reuse_detected",
        "password_reset_requested",
        "password_reset_completed",
    } <= kinds
    for secret in secrets_seen:
        assert secret not in response.text
    assert "$argon2" not in response.text


async def test_admin_moderation_of_a_post_is_in_the_authors_trail(
    client: httpx.AsyncClient, clock: FrozenClock, ada: Account, admin: Account
) -> None:
    post = (await client.post("/posts", json={"title": "t", "body": "b"}, headers=ada.auth)).json()
    await client.post(f"/posts/{post['id']}/publish", headers=ada.auth)
    edited = await client.patch(f"/posts/{post['id']}", json={"title": "T"}, headers=admin.auth)
    assert edited.status_code == 200
    clock.advance(timedelta(seconds=1))
    assert (await client.delete(f"/posts/{post['id']}", headers=admin.auth)).status_code == 204
    trail = await _audit(client, admin, subject_id=ada.id, actor_id=admin.id)
    assert [e["kind"] for e in trail] == ["admin_post_deleted", "admin_post_updated"]
    assert trail[1]["details"] == {"post_id": post["id"], "fields": ["title"]}
