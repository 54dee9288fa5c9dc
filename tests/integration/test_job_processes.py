"""Real worker and API processes: SIGKILL mid-job, and the whole flow from outside."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import httpx
import pytest
from sqlalchemy import func, insert, select

from adapters.sqlalchemy.tables import follows, notifications, users
from entrypoints.container import shutdown
from tests.integration.conftest import sql_container
from tests.integration.smtp import Mailbox, SmtpServer
from tests.integration.test_jobs import (
    PUBLIC_URL,
    api,
    forget_redis_keys,
    job_settings,
    signup,
)
from tests.integration.test_replicas import api_process
from tests.leak_guard import GUARD

pytestmark = pytest.mark.integration


def _env(settings: dict[str, object], database_url: str) -> dict[str, str]:
    env = {**os.environ, "INKWELL_ENV": "development", "INKWELL_DATABASE_URL": database_url}
    env.update({f"INKWELL_{k.upper()}": str(v) for k, v in settings.items()})
    env["INKWELL_ARGON2_MEMORY_COST_KIB"] = "64"
    return env


@contextmanager
def worker_process(
    env: dict[str, str], output: list[str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """An arq worker; its output goes to the leak guard (and to `output` once it ended)."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "arq",
            "entrypoints.worker.WorkerSettings",
            "--custom-log-dict",
            "entrypoints.worker.LOG_CONFIG",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    logged = GUARD.watch(process, f"worker:{process.pid}")
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        process.wait()
        lines = logged.join()
        if output is not None:
            output.extend(lines)


def _wait(condition: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
async def settings_for(redis_server: str, smtp: SmtpServer) -> AsyncIterator[dict[str, object]]:
    unique = uuid.uuid4().hex[:8]
    queue, prefix = f"inkwell-test-queue-{unique}", f"t{unique}:"
    yield {**job_settings(redis_server, smtp.port, queue, prefix), "job_timeout_seconds": 2}
    await forget_redis_keys(redis_server, queue, prefix)


async def test_a_worker_killed_mid_job_runs_it_again_and_mails_once(
    migrated_postgres: str, smtp: SmtpServer, settings_for: dict[str, object]
) -> None:
    container = sql_container(migrated_postgres, **settings_for)
    try:
        async with api(container) as http:
            await http.post(
                "/users", json={"email": "ada@example.com", "password": "p" * 12, "name": "A"}
            )
        smtp.mailbox.ehlo_delay = 30  # the job hangs mid-conversation with the mail server
        env = _env(settings_for, migrated_postgres)
        with worker_process(env) as first:
            assert _wait(lambda: smtp.mailbox.connections >= 1, 20)
            first.send_signal(signal.SIGKILL)
            first.wait()
        smtp.mailbox.ehlo_delay = 0
        with worker_process(env):  # arq re-runs the job once its lease (timeout + 10 s) ends
            smtp.mailbox.wait_for(1, 40)
            await asyncio.sleep(1)
        assert [m["To"] for m in smtp.mailbox.messages] == ["ada@example.com"]
        assert re.search(
            rf"{PUBLIC_URL}/verify-email\?token=", Mailbox.text(smtp.mailbox.messages[0])
        )
    finally:
        await shutdown(container)


async def test_a_worker_killed_mid_fan_out_still_notifies_each_follower_once(
    migrated_postgres: str, smtp: SmtpServer, settings_for: dict[str, object]
) -> None:
    settings = {**settings_for, "fan_out_batch": 50, "email_backend": "console"}
    container = sql_container(migrated_postgres, **settings)
    followers = 3_000
    try:
        async with api(container) as http:
            author = await signup(http, "author@example.com")
            me = (await http.get("/users/me", headers=author)).json()
            async with container.engine().begin() as conn:
                rows = [
                    {
                        "id": uuid.uuid4(),
                        "email": f"f{i}@example.com",
                        # the store's unique lookalike key (any distinct value will do here)
                        "email_skeleton": f"f{i}",
                        "name": "F",
                        "password_hash": "x",
                        "is_active": True,
                        "is_admin": False,
                        "email_verified_at": None,
                        "token_version": 0,
                        "created_at": "2026-01-01T00:00:00+00:00",
                        "updated_at": "2026-01-01T00:00:00+00:00",
                        "version": 1,
                    }
                    for i in range(followers)
                ]
                from datetime import UTC, datetime

                for row in rows:
                    row["created_at"] = row["updated_at"] = datetime(2026, 1, 1, tzinfo=UTC)
                await conn.execute(insert(users), rows)
                await conn.execute(
                    insert(follows),
                    [
                        {
                            "follower_id": r["id"],
                            "followee_id": uuid.UUID(me["id"]),
                            "created_at": datetime(2026, 1, 1, tzinfo=UTC),
                        }
                        for r in rows
                    ],
                )
            post = (
                await http.post("/posts", json={"title": "t", "body": "b"}, headers=author)
            ).json()
            await http.post(f"/posts/{post['id']}/publish", headers=author)

        async def written() -> int:
            async with container.engine().connect() as conn:
                stmt = (
                    select(func.count())
                    .select_from(notifications)
                    .where(notifications.c.kind == "post_published")
                )
                return int((await conn.execute(stmt)).scalar_one())

        env = _env(settings, migrated_postgres)
        with worker_process(env) as first:
            deadline = time.monotonic() + 30
            while (count := await written()) == 0 and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            first.send_signal(signal.SIGKILL)
            first.wait()
        at_kill = await written()
        assert 0 < count <= at_kill < followers, "the kill must land mid-fan-out"
        with worker_process(env):
            deadline = time.monotonic() + 60
            while await written() < followers and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
        assert await written() == followers
        async with container.engine().connect() as conn:
            distinct = select(func.count(func.distinct(notifications.c.recipient_id))).where(
                notifications.c.kind == "post_published"
            )
            assert (await conn.execute(distinct)).scalar_one() == followers
    finally:
        await shutdown(container)


async def test_the_whole_flow_from_outside_over_http_and_smtp(
    migrated_postgres: str, smtp: SmtpServer, settings_for: dict[str, object]
) -> None:
    """`make run` (production settings) and `make worker`, driven over HTTP and SMTP."""
    env = _env(settings_for, migrated_postgres)
    extra = {
        k: v
        for k, v in env.items()
        if k.startswith("INKWELL_")
        and k
        not in {
            "INKWELL_ENV",
            "INKWELL_DATABASE_URL",
            "INKWELL_REDIS_URL",
            "INKWELL_REDIS_KEY_PREFIX",
            "INKWELL_JWT_SECRET",
        }
    }
    with (
        worker_process(env),
        api_process(
            migrated_postgres,
            str(settings_for["redis_url"]),
            str(settings_for["redis_key_prefix"]),
            **extra,
        ) as base,
    ):
        async with httpx.AsyncClient(timeout=10) as http:
            await http.post(
                f"{base}/users",
                json={"email": "ada@example.com", "password": "p" * 12, "name": "Ada"},
            )
            assert _wait(lambda: len(smtp.mailbox.to("ada@example.com")) == 1, 20)
            text = Mailbox.text(smtp.mailbox.to("ada@example.com")[0])
            token = re.findall(rf"{PUBLIC_URL}/verify-email\?token=([\w-]+)", text)[0]
            confirmed = await http.post(f"{base}/auth/verify-email/confirm", json={"token": token})
            assert confirmed.status_code == 204
            login = await http.post(
                f"{base}/auth/token", data={"username": "ada@example.com", "password": "p" * 12}
            )
            auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
            assert (await http.get(f"{base}/users/me", headers=auth)).json()["email_verified"]
            await http.post(
                f"{base}/users",
                json={"email": "fan@example.com", "password": "p" * 12, "name": "Fan"},
            )
            fan_login = await http.post(
                f"{base}/auth/token", data={"username": "fan@example.com", "password": "p" * 12}
            )
            fan = {"Authorization": f"Bearer {fan_login.json()['access_token']}"}
            ada_id = (await http.get(f"{base}/users/me", headers=auth)).json()["id"]
            await http.put(f"{base}/users/{ada_id}/follow", headers=fan)
            post = (
                await http.post(f"{base}/posts", json={"title": "t", "body": "b"}, headers=auth)
            ).json()
            await http.post(f"{base}/posts/{post['id']}/publish", headers=auth)

            async def fan_notified() -> bool:
                items = (await http.get(f"{base}/notifications", headers=fan)).json()["items"]
                return [n["kind"] for n in items] == ["post_published"]

            deadline = time.monotonic() + 20
            while not await fan_notified():
                assert time.monotonic() < deadline, "no notification arrived"
                await asyncio.sleep(0.1)
