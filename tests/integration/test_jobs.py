"""Jobs against real Postgres, Redis, an arq worker and an SMTP server on loopback."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from arq import func
from arq.worker import Worker
from redis.asyncio import Redis

from adapters.arq.queue import PROCESS_EVENT
from application.operations.delivery import DeadMessageCommand
from entrypoints.container import Container, shutdown
from entrypoints.http.app import create_app
from entrypoints.worker import process_event, sweep_outbox
from tests.integration.conftest import OwnRedis, sql_container
from tests.integration.smtp import Mailbox, SmtpServer

pytestmark = pytest.mark.integration
PASSWORD = "correct horse battery"
SECRET = "jobs-tests-share-this-signing-secret-0123456789"
PUBLIC_URL = "http://inkwell.test"


def job_settings(redis_url: str, smtp_port: int, queue: str, prefix: str) -> dict[str, object]:
    return {
        "redis_url": redis_url,
        "redis_key_prefix": prefix,
        "email_backend": "smtp",
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp_port,
        "public_url": PUBLIC_URL,
        "job_queue_name": queue,
        "job_retry_base_seconds": 0.05,
        "job_max_tries": 3,
        "jwt_secret": SECRET,
        "redis_cooldown_seconds": 0.3,
    }


@asynccontextmanager
async def jobs_container(
    database_url: str, redis_url: str, smtp_port: int, **extra: object
) -> AsyncIterator[Container]:
    queue = f"inkwell-test-queue-{uuid.uuid4().hex[:8]}"
    prefix = f"inkwell-test-{uuid.uuid4().hex[:8]}:"
    container = sql_container(
        database_url, **{**job_settings(redis_url, smtp_port, queue, prefix), **extra}
    )
    try:
        yield container
    finally:
        await shutdown(container)
        await forget_redis_keys(redis_url, queue, prefix)


async def forget_redis_keys(redis_url: str, queue: str, prefix: str) -> None:
    """The test's queue and prefix, and arq's job/result/lease keys: the test Redis db
    (INKWELL_TEST_REDIS_URL) belongs to the tests, which run one at a time."""
    client = Redis.from_url(redis_url)
    try:
        for pattern in (f"{prefix}*", f"{queue}*", "arq:*"):
            async for key in client.scan_iter(match=pattern, count=1000):
                await client.delete(key)
    finally:
        await client.aclose()


async def run_worker(container: Container) -> None:
    """An arq worker in burst mode: it runs what is queued (retries included) and stops."""
    settings = container.settings()
    worker = Worker(
        functions=[func(process_event, name=PROCESS_EVENT, max_tries=settings.job_max_tries)],
        redis_pool=container.arq_redis(),
        burst=True,
        ctx={"container": container},
        queue_name=settings.job_queue_name,
        poll_delay=0.05,
        handle_signals=False,
        keep_result=60,
    )
    await asyncio.wait_for(worker.main(), 60)


async def deliver(container: Container) -> None:
    await sweep_outbox({"container": container})
    await run_worker(container)


@asynccontextmanager
async def api(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(container))  # no lifespan: no relay runs
    async with httpx.AsyncClient(transport=transport, base_url="http://t/api/v1") as client:
        yield client


async def signup(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    created = await client.post("/users", json={"email": email, "password": PASSWORD, "name": "N"})
    assert created.status_code == 201, created.text
    token = await client.post("/auth/token", data={"username": email, "password": PASSWORD})
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def link_token(mailbox: Mailbox, to: str, path: str) -> str:
    texts = [Mailbox.text(m) for m in mailbox.to(to)]
    tokens = [t for text in texts for t in re.findall(rf"{PUBLIC_URL}{path}\?token=([\w-]+)", text)]
    assert tokens, texts
    return tokens[-1]


async def test_mails_arrive_with_working_links_and_followers_get_one_notification_per_post(
    migrated_postgres: str, redis_server: str, smtp: SmtpServer
) -> None:
    async with jobs_container(migrated_postgres, redis_server, smtp.port) as c, api(c) as http:
        ada = await signup(http, "ada@example.com")
        fans = [await signup(http, f"fan{i}@example.com") for i in range(3)]
        me = (await http.get("/users/me", headers=ada)).json()
        for fan in fans:
            await http.put(f"/users/{me['id']}/follow", headers=fan)
        posts = []
        for title in ("one", "two"):
            post = (
                await http.post("/posts", json={"title": title, "body": "b"}, headers=ada)
            ).json()
            await http.post(f"/posts/{post['id']}/publish", headers=ada)
            posts.append(post["id"])
        await http.post("/auth/password-reset", json={"email": "ada@example.com"})

        await deliver(c)

        assert len(smtp.mailbox.messages) == 5  # 4 verifications + 1 reset
        verify = link_token(smtp.mailbox, "ada@example.com", "/verify-email")
        assert (
            await http.post("/auth/verify-email/confirm", json={"token": verify})
        ).status_code == 204
        assert (await http.get("/users/me", headers=ada)).json()["email_verified"] is True
        reset = link_token(smtp.mailbox, "ada@example.com", "/reset-password")
        done = await http.post(
            "/auth/password-reset/confirm", json={"token": reset, "new_password": "new secret pass"}
        )
        assert done.status_code == 204
        again = await http.post(
            "/auth/password-reset/confirm", json={"token": reset, "new_password": "other secret"}
        )
        assert again.status_code == 400
        login = await http.post(
            "/auth/token", data={"username": "ada@example.com", "password": "new secret pass"}
        )
        assert login.status_code == 200
        for fan in fans:
            items = (await http.get("/notifications", headers=fan)).json()["items"]
            assert sorted(n["payload"]["post_id"] for n in items) == sorted(posts)
        await deliver(c)  # nothing new: nothing more is sent or written
        assert len(smtp.mailbox.messages) == 5


async def test_events_committed_while_redis_was_down_are_delivered_after_it_returns(
    migrated_postgres: str, own_redis: OwnRedis, smtp: SmtpServer
) -> None:
    async with jobs_container(migrated_postgres, own_redis.url, smtp.port) as c, api(c) as http:
        own_redis.kill()
        created = await http.post(
            "/users", json={"email": "ada@example.com", "password": PASSWORD, "name": "Ada"}
        )
        assert created.status_code == 201  # the write commits without Redis
        with pytest.raises(Exception):  # noqa: B017, PT011 - whatever the client raises
            await c.dispatch_outbox().execute()  # the relay cannot enqueue now
        own_redis.start()
        await asyncio.sleep(0.4)  # past the circuit's cooldown
        await deliver(c)
        assert [m["To"] for m in smtp.mailbox.messages] == ["ada@example.com"]


async def test_smtp_refusing_mail_is_retried_then_dead_and_visible(
    migrated_postgres: str, redis_server: str, smtp: SmtpServer
) -> None:
    smtp.mailbox.refuse = True
    async with jobs_container(migrated_postgres, redis_server, smtp.port) as c, api(c) as http:
        await http.post(
            "/users", json={"email": "ada@example.com", "password": PASSWORD, "name": "A"}
        )
        await deliver(c)
        assert smtp.mailbox.messages == []
        assert smtp.mailbox.connections == 3  # job_max_tries
        async with c.uow() as uow:
            [dead] = await uow.outbox.list_dead(10)
        assert dead.message.topic == "UserRegistered"
        assert dead.attempts == 3
        assert dead.last_error is not None
        assert "Mail refused by this test" in dead.last_error


def test_dead_jobs_are_listed_by_the_cli(
    migrated_sqlite: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from entrypoints.cli.__main__ import main

    async def kill_one() -> None:
        container = sql_container(migrated_sqlite)
        try:
            async with api(container) as http:
                await http.post(
                    "/users", json={"email": "a@x.io", "password": PASSWORD, "name": "A"}
                )
            async with container.uow() as uow:
                [message] = [r.message for r in await uow.outbox.claim_due(10)]
            await container.record_dead_message().execute(
                DeadMessageCommand(message.id, "550 refused", 5)
            )
        finally:
            await shutdown(container)

    asyncio.run(kill_one())
    monkeypatch.setenv("INKWELL_DATABASE_URL", migrated_sqlite)
    assert main(["dead-jobs"]) == 0
    out = capsys.readouterr().out
    assert "UserRegistered tries=5 550 refused" in out
    assert "1 dead job(s)" in out


class CountingQueue:
    def __init__(self) -> None:
        self.enqueued: list[uuid.UUID] = []

    async def enqueue(self, message_id: uuid.UUID) -> None:
        await asyncio.sleep(0.001)  # yield while holding the claimed rows
        self.enqueued.append(message_id)


async def test_concurrent_relays_on_postgres_never_dispatch_a_message_twice(
    migrated_postgres: str,
) -> None:
    container = sql_container(migrated_postgres, registrations_per_client=1000)
    queue = CountingQueue()
    container.job_queue.override(queue)
    try:
        async with api(container) as http:
            for i in range(60):
                await http.post(
                    "/users", json={"email": f"u{i}@x.io", "password": PASSWORD, "name": "U"}
                )

        async def relay() -> None:
            while await container.dispatch_outbox(batch=7).execute():
                pass

        await asyncio.gather(*(relay() for _ in range(5)))
        assert len(queue.enqueued) == 60
        assert len(set(queue.enqueued)) == 60
    finally:
        await shutdown(container)
