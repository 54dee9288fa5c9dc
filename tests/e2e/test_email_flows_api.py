from __future__ import annotations

from datetime import timedelta

import httpx

from adapters.system.clock import FrozenClock
from application.operations.jobs import MessageCommand
from entrypoints.container import Container
from tests.e2e.conftest import PASSWORD, Account, assert_problem, drain, login, mails, token_in


async def test_registration_mails_a_working_verification_link(
    client: httpx.AsyncClient, container: Container, ada: Account
) -> None:
    await drain(container)
    [mail] = mails(container)
    assert mail.to == ada.email
    assert "http://127.0.0.1:8000/verify-email?token=" in mail.text
    assert "verify-email?token=" in mail.html
    token = token_in(mail)
    assert (
        await client.post("/auth/verify-email/confirm", json={"token": token})
    ).status_code == 204
    assert (await client.get("/users/me", headers=ada.auth)).json()["email_verified"] is True
    # Spent, forged and malformed tokens: a 4xx problem, and nothing changes.
    for bad in (token, token[:-2] + "AA", "x"):
        assert_problem(await client.post("/auth/verify-email/confirm", json={"token": bad}), 400)
    assert_problem(await client.post("/auth/verify-email/confirm", json={"token": ""}), 422)


async def test_jobs_run_twice_still_mail_once_and_notify_once(
    client: httpx.AsyncClient, container: Container, ada: Account, bob: Account
) -> None:
    await drain(container)
    for record in list(container.memory_db().state.outbox.values()):
        await container.handle_outbox_message().execute(
            MessageCommand(record.message.id)
        )  # a redelivery
    assert len(mails(container)) == 2  # one verification each for ada and bob
    await client.put(f"/users/{ada.id}/follow", headers=bob.auth)
    post = (await client.post("/posts", json={"title": "t", "body": "b"}, headers=ada.auth)).json()
    await client.post(f"/posts/{post['id']}/publish", headers=ada.auth)
    await drain(container)
    for record in list(container.memory_db().state.outbox.values()):
        await container.handle_outbox_message().execute(MessageCommand(record.message.id))
    bobs = (await client.get("/notifications", headers=bob.auth)).json()["items"]
    assert [n["kind"] for n in bobs] == ["post_published"]
    assert bobs[0]["payload"] == {"post_id": post["id"], "author_id": ada.id}
    adas = (await client.get("/notifications", headers=ada.auth)).json()["items"]
    assert [(n["kind"], n["payload"]["follower_id"]) for n in adas] == [("user_followed", bob.id)]


async def test_notifications_are_private_and_marked_read_by_their_owner(
    client: httpx.AsyncClient, container: Container, ada: Account, bob: Account
) -> None:
    await client.put(f"/users/{ada.id}/follow", headers=bob.auth)
    await drain(container)
    [note] = (await client.get("/notifications", headers=ada.auth)).json()["items"]
    assert note["read_at"] is None
    assert_problem(await client.post(f"/notifications/{note['id']}/read", headers=bob.auth), 404)
    for _ in range(2):
        response = await client.post(f"/notifications/{note['id']}/read", headers=ada.auth)
        assert response.status_code == 204
    [note] = (await client.get("/notifications", headers=ada.auth)).json()["items"]
    assert note["read_at"] is not None
    assert (await client.get("/notifications", headers=bob.auth)).json()["items"] == []
    assert_problem(await client.get("/notifications"), 401)
    assert_problem(await client.get("/notifications", params={"limit": 0}, headers=ada.auth), 422)


async def test_password_reset_is_202_for_anyone_and_mails_only_real_accounts(
    client: httpx.AsyncClient, container: Container, ada: Account
) -> None:
    await drain(container)
    before = len(mails(container))
    known = await client.post("/auth/password-reset", json={"email": ada.email})
    unknown = await client.post("/auth/password-reset", json={"email": "nobody@example.com"})
    odd = await client.post("/auth/password-reset", json={"email": "not an email"})
    assert known.status_code == unknown.status_code == odd.status_code == 202
    assert known.content == unknown.content == odd.content
    await drain(container)
    [mail] = mails(container)[before:]
    assert mail.to == ada.email
    assert "/reset-password?token=" in mail.text


async def test_a_reset_sets_the_password_and_ends_every_session_once(
    client: httpx.AsyncClient, container: Container, ada: Account
) -> None:
    await client.post("/auth/password-reset", json={"email": ada.email})
    await client.post("/auth/password-reset", json={"email": ada.email})
    await drain(container)
    first, second = (token_in(m) for m in mails(container) if "reset" in m.subject.lower())
    new = "a brand new password"
    ok = await client.post(
        "/auth/password-reset/confirm", json={"token": second, "new_password": new}
    )
    assert ok.status_code == 204
    assert_problem(await client.get("/users/me", headers=ada.auth), 401)
    assert_problem(await client.post("/auth/refresh", json={"refresh_token": ada.refresh}), 401)
    await login(client, ada.email, new)
    for spent in (second, first):  # used, and every earlier link died with it
        again = await client.post(
            "/auth/password-reset/confirm", json={"token": spent, "new_password": "another one!"}
        )
        assert_problem(again, 400)
    await login(client, ada.email, new)


async def test_a_reset_link_expires_and_a_weak_password_is_refused(
    client: httpx.AsyncClient, container: Container, ada: Account, clock: FrozenClock
) -> None:
    await client.post("/auth/password-reset", json={"email": ada.email})
    await drain(container)
    [token] = [token_in(m) for m in mails(container) if "reset" in m.subject.lower()]
    weak = await client.post(
        "/auth/password-reset/confirm", json={"token": token, "new_password": "short"}
    )
    assert_problem(weak, 422)
    clock.advance(timedelta(minutes=31))
    late = await client.post(
        "/auth/password-reset/confirm", json={"token": token, "new_password": "long enough now"}
    )
    assert_problem(late, 400)
    await login(client, ada.email, PASSWORD)


async def test_password_reset_requests_are_rate_limited(
    client: httpx.AsyncClient, ada: Account
) -> None:
    statuses = [
        (await client.post("/auth/password-reset", json={"email": ada.email})).status_code
        for _ in range(4)
    ]
    assert statuses == [202, 202, 202, 429]


async def test_verification_can_be_resent_a_few_times_and_not_after_verifying(
    client: httpx.AsyncClient, container: Container, ada: Account
) -> None:
    statuses = [
        (await client.post("/auth/verify-email/resend", headers=ada.auth)).status_code
        for _ in range(4)
    ]
    assert statuses == [202, 202, 202, 429]
    await drain(container)
    links = [token_in(m) for m in mails(container)]
    assert len(set(links)) == 4  # registration + 3 resends, each its own link
    await client.post("/auth/verify-email/confirm", json={"token": links[-1]})
    assert (await client.get("/users/me", headers=ada.auth)).json()["email_verified"] is True


async def test_an_email_change_mails_the_new_address_and_old_links_stop_working(
    client: httpx.AsyncClient, container: Container, ada: Account
) -> None:
    await drain(container)
    [old_link] = [token_in(m) for m in mails(container)]
    changed = await client.patch(
        "/users/me",
        json={"email": "new@example.com", "current_password": PASSWORD},
        headers=ada.auth,
    )
    assert changed.json()["email_verified"] is False
    await drain(container)
    assert mails(container)[-1].to == "new@example.com"
    assert_problem(await client.post("/auth/verify-email/confirm", json={"token": old_link}), 400)
    new_link = token_in(mails(container)[-1])
    assert (
        await client.post("/auth/verify-email/confirm", json={"token": new_link})
    ).status_code == 204


async def test_a_reset_link_dies_when_the_email_or_password_changes_after_it_was_mailed(
    client: httpx.AsyncClient, container: Container, ada: Account
) -> None:
    async def mailed_reset() -> str:
        await client.post("/auth/password-reset", json={"email": ada.email})
        await drain(container)
        return [token_in(m) for m in mails(container) if "reset" in m.subject.lower()][-1]

    before_email_change = await mailed_reset()
    await client.patch(
        "/users/me",
        json={"email": "moved@example.com", "current_password": PASSWORD},
        headers=ada.auth,
    )
    takeover = await client.post(
        "/auth/password-reset/confirm",
        json={"token": before_email_change, "new_password": "attacker's choice"},
    )
    assert_problem(takeover, 400)

    ada.email = "moved@example.com"
    fresh = await login(client, ada.email)
    ada.access = fresh["access_token"]
    before_password_change = await mailed_reset()
    await client.patch(
        "/users/me",
        json={"new_password": "my own new one", "current_password": PASSWORD},
        headers=ada.auth,
    )
    stale = await client.post(
        "/auth/password-reset/confirm",
        json={"token": before_password_change, "new_password": "attacker's choice"},
    )
    assert_problem(stale, 400)
    await login(client, ada.email, "my own new one")


async def test_reset_confirms_are_throttled_and_bad_tokens_cost_no_hashing(
    client: httpx.AsyncClient, container: Container
) -> None:
    hashes = 0
    real = container.hasher()

    class CountingHasher:
        async def hash(self, password: str) -> str:
            nonlocal hashes
            hashes += 1
            return await real.hash(password)

    container.hasher.override(CountingHasher())
    statuses = [
        (
            await client.post(
                "/auth/password-reset/confirm",
                json={"token": f"forged{i}", "new_password": "long enough pw"},
            )
        ).status_code
        for i in range(101)
    ]
    assert statuses == [400] * 100 + [429]
    assert hashes == 0
