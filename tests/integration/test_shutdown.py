"""SIGTERM: the API process drains its requests and flushes the outbox relay; the worker
finishes its running job, or hands it back to the queue for another worker. Nothing is lost."""

from __future__ import annotations

import asyncio
import signal
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import insert, text

from adapters.sqlalchemy.engine import DISPOSE_TIMEOUT_SECONDS
from adapters.sqlalchemy.tables import outbox
from entrypoints.container import shutdown
from entrypoints.http.app import create_app
from tests.integration.conftest import ProxiedPostgres, _asyncpg_dsn, sql_container
from tests.integration.smtp import SmtpServer
from tests.integration.test_faults import GRACEFUL_SECONDS, api_server
from tests.integration.test_job_processes import _env, _wait, worker_process
from tests.integration.test_jobs import api, forget_redis_keys, job_settings
from tests.integration.test_replicas import PASSWORD, _signup

pytestmark = pytest.mark.integration


async def _refused_within(port: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except ConnectionRefusedError:
            return True
        writer.close()
        await asyncio.sleep(0.02)
    return False


async def _outbox_row(database_url: str, email: str) -> asyncpg.Record | None:
    conn = await asyncpg.connect(_asyncpg_dsn(database_url))
    try:
        return await conn.fetchrow(
            """SELECT id, dispatched_at, processed_at FROM outbox
               WHERE topic = 'UserRegistered' AND payload->>'email' = $1""",
            email,
        )
    finally:
        await conn.close()


async def _job_queued(redis_url: str, job_id: uuid.UUID) -> bool:
    client = Redis.from_url(redis_url)
    try:
        return bool(await client.exists(f"arq:job:{job_id}"))
    finally:
        await client.aclose()


async def test_sigterm_lets_the_request_in_flight_finish_refuses_new_ones_and_exits_0(
    proxied_postgres: ProxiedPostgres, redis_server: str, redis_prefix: str
) -> None:
    pg = proxied_postgres
    with api_server(pg.url, redis_server, redis_prefix) as server:
        async with httpx.AsyncClient(timeout=15) as http:
            await _signup(http, server.api, "ada@example.com")
            await asyncio.to_thread(pg.proxy.black_hole)  # a slow database round trip...
            body = {"email": "bob@example.com", "password": PASSWORD, "name": "Bob"}
            in_flight = asyncio.create_task(http.post(f"{server.api}/users", json=body))
            await asyncio.sleep(0.3)
            assert not in_flight.done()
            stopped = time.monotonic()
            server.process.send_signal(signal.SIGTERM)
            assert await _refused_within(server.port, 2.0)  # no new connection...
            assert not in_flight.done()  # ...while the one in flight is still served
            await asyncio.sleep(0.3)
            await asyncio.to_thread(pg.proxy.forward)  # ...that now completes
            answer = await in_flight
            assert answer.status_code == 201
            assert answer.json()["email"] == "bob@example.com"
            code = await asyncio.to_thread(server.process.wait, GRACEFUL_SECONDS + 5)
            assert code == 0
            assert time.monotonic() - stopped < GRACEFUL_SECONDS
    # What the last request committed was handed to the queue before the process ended.
    row = await _outbox_row(pg.direct_url, "bob@example.com")
    assert row is not None
    assert row["dispatched_at"] is not None
    assert await _job_queued(redis_server, row["id"])


async def test_the_api_shutting_down_dispatches_what_was_committed_before(
    migrated_postgres: str, redis_server: str, redis_prefix: str
) -> None:
    """The relay is stopped, not cancelled: a commit it has not seen yet (its next poll is a
    minute away) is dispatched before the lifespan ends."""
    container = sql_container(
        migrated_postgres,
        redis_url=redis_server,
        redis_key_prefix=redis_prefix,
        job_queue_name=f"{redis_prefix}queue",
        outbox_poll_seconds=60,
    )
    event_id = uuid.uuid4()
    app = create_app(container)
    async with app.router.lifespan_context(app):
        await asyncio.sleep(0.05)  # the relay is up and waiting
        async with container.engine().begin() as conn:
            await conn.execute(
                insert(outbox).values(
                    id=event_id,
                    topic="UserRegistered",
                    payload={"user_id": str(uuid.uuid4()), "email": "late@example.com"},
                    occurred_at=datetime.now(UTC),
                    attempts=0,
                )
            )
    row = await _outbox_row(migrated_postgres, "late@example.com")
    assert row is not None
    assert row["dispatched_at"] is not None
    assert await _job_queued(redis_server, event_id)


async def test_a_process_shutting_down_never_waits_long_on_a_hung_database(
    proxied_postgres: ProxiedPostgres,
) -> None:
    """Closing the pool politely would wait a command timeout (11 s) per connection."""
    container = sql_container(proxied_postgres.url)
    engine = container.engine()

    async def hold() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT pg_sleep(0.2)"))

    await asyncio.gather(*(hold() for _ in range(5)))  # five pooled connections
    await asyncio.to_thread(proxied_postgres.proxy.black_hole)
    started = time.monotonic()
    await shutdown(container)
    assert time.monotonic() - started < DISPOSE_TIMEOUT_SECONDS + 1


@pytest.fixture
async def worker_settings(redis_server: str, smtp: SmtpServer) -> AsyncIterator[dict[str, object]]:
    unique = uuid.uuid4().hex[:8]
    queue, prefix = f"inkwell-test-queue-{unique}", f"t{unique}:"
    yield {**job_settings(redis_server, smtp.port, queue, prefix), "job_timeout_seconds": 30}
    await forget_redis_keys(redis_server, queue, prefix)


async def _register(database_url: str, settings: dict[str, object]) -> None:
    container = sql_container(database_url, **settings)
    try:
        async with api(container) as http:
            body = {"email": "ada@example.com", "password": "p" * 12, "name": "A"}
            assert (await http.post("/users", json=body)).status_code == 201
    finally:
        await shutdown(container)


async def test_a_worker_stopped_mid_job_finishes_it_then_exits_0(
    migrated_postgres: str, smtp: SmtpServer, worker_settings: dict[str, object]
) -> None:
    settings = {**worker_settings, "job_shutdown_wait_seconds": 10}
    await _register(migrated_postgres, settings)
    smtp.mailbox.ehlo_delay = 1.5  # the job is mid-conversation with the mail server
    env = _env(settings, migrated_postgres)
    with worker_process(env) as worker:
        assert _wait(lambda: smtp.mailbox.connections >= 1, 20)
        stopped = time.monotonic()
        worker.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(worker.wait, 15)
        took = time.monotonic() - stopped
    assert code == 0
    assert took < 10  # it waited for the job, not for the whole allowance
    assert [m["To"] for m in smtp.mailbox.messages] == ["ada@example.com"]
    row = await _outbox_row(migrated_postgres, "ada@example.com")
    assert row is not None
    assert row["processed_at"] is not None
    with worker_process(env):  # nothing was left to run again
        await asyncio.sleep(2)
    assert len(smtp.mailbox.messages) == 1


async def test_a_job_outlasting_the_shutdown_wait_goes_back_to_the_queue_and_mails_once(
    migrated_postgres: str, smtp: SmtpServer, worker_settings: dict[str, object]
) -> None:
    settings = {**worker_settings, "job_shutdown_wait_seconds": 1}
    await _register(migrated_postgres, settings)
    smtp.mailbox.ehlo_delay = 30  # the mail server hangs: the job cannot finish in time
    env = _env(settings, migrated_postgres)
    with worker_process(env) as first:
        assert _wait(lambda: smtp.mailbox.connections >= 1, 20)
        stopped = time.monotonic()
        first.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(first.wait, 15)
        took = time.monotonic() - stopped
    assert code == 0
    assert 1.0 <= took < 5
    assert smtp.mailbox.messages == []
    smtp.mailbox.ehlo_delay = 0
    with worker_process(env):  # runs it at once: no lease to wait out, unlike after a SIGKILL
        assert _wait(lambda: len(smtp.mailbox.messages) >= 1, 10)
        await asyncio.sleep(1)
    assert [m["To"] for m in smtp.mailbox.messages] == ["ada@example.com"]
    row = await _outbox_row(migrated_postgres, "ada@example.com")
    assert row is not None
    assert row["processed_at"] is not None
