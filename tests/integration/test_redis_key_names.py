"""What Inkwell writes to a shared Redis (issue 12, item 7): no key name carries an email
address, and two deployments with different key prefixes on one Redis database keep to their
own keys and their own job queue."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from adapters.email.senders import MemoryEmailSender
from adapters.sqlalchemy import migrate
from application.accounts.email_flows import RequestPasswordResetCommand
from application.accounts.login import LoginCommand
from application.accounts.registration import RegisterUserCommand
from application.errors import InvalidCredentials
from application.operations.audit import Origin
from entrypoints.container import Container, shutdown
from tests.integration.conftest import sql_container
from tests.integration.test_jobs import run_worker

pytestmark = pytest.mark.integration
PASSWORD = "correct horse battery"


async def _key_names(redis_url: str) -> list[str]:
    client = Redis.from_url(redis_url)
    try:
        return [key.decode() async for key in client.scan_iter(match="*", count=1000)]
    finally:
        await client.aclose()


async def _deployment(tmp_path: Path, redis_url: str, prefix: str) -> Container:
    url = f"sqlite+aiosqlite:///{tmp_path / prefix.rstrip(':')}.db"
    await asyncio.to_thread(migrate.upgrade, url)
    return sql_container(url, redis_url=redis_url, redis_key_prefix=prefix, email_backend="memory")


async def test_a_failed_login_leaves_no_address_in_redis_key_names(
    tmp_path: Path, redis_server: str, redis_prefix: str
) -> None:
    container = await _deployment(tmp_path, redis_server, redis_prefix)
    try:
        await container.register_user().execute(
            RegisterUserCommand("ada@example.com", PASSWORD, "Ada")
        )
        with pytest.raises(InvalidCredentials):
            await container.authenticate().execute(
                LoginCommand("ada@example.com", "wrong password", Origin("203.0.113.9"))
            )
        await container.authenticate().execute(
            LoginCommand("ada@example.com", PASSWORD, Origin("203.0.113.9"))
        )
        await container.request_password_reset().execute(
            RequestPasswordResetCommand("ada@example.com", Origin("203.0.113.9"))
        )
        names = await _key_names(redis_server)
        assert [n for n in names if n.startswith(f"{redis_prefix}rate:")]  # it did write
        assert [n for n in names if "ada" in n.lower()] == []
    finally:
        await shutdown(container)


@pytest.fixture
async def second_prefix(redis_server: str) -> AsyncIterator[str]:
    prefix = f"inkwell-test-{uuid.uuid4().hex[:10]}:"
    yield prefix
    client = Redis.from_url(redis_server)
    try:
        async for key in client.scan_iter(match=f"{prefix}*", count=500):
            await client.delete(key)
    finally:
        await client.aclose()


async def test_two_deployments_on_one_redis_database_do_not_take_each_others_jobs(
    tmp_path: Path, redis_server: str, redis_prefix: str, second_prefix: str
) -> None:
    one = await _deployment(tmp_path, redis_server, redis_prefix)
    two = await _deployment(tmp_path, redis_server, second_prefix)
    try:
        assert one.settings().job_queue_name == f"{redis_prefix}queue"
        await one.register_user().execute(RegisterUserCommand("ada@example.com", PASSWORD, "A"))
        assert await one.dispatch_outbox().execute() == 1
        await run_worker(two)  # the other deployment's worker: must leave the job alone
        names = await _key_names(redis_server)
        assert f"{redis_prefix}queue" in names
        assert not [n for n in names if n.startswith("arq:queue")]
        await run_worker(one)
        sent = [one.email_sender(), two.email_sender()]
        assert all(isinstance(s, MemoryEmailSender) for s in sent)
        assert [len(s.outbox) for s in sent] == [1, 0]  # type: ignore[attr-defined]
    finally:
        await shutdown(one)
        await shutdown(two)
