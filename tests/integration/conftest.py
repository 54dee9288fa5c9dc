"""Real databases for adapter tests.

Postgres comes from INKWELL_TEST_DATABASE_URL (any database on the server; each test session
creates its own throwaway database there and drops it afterwards). When that is unset and a
Docker engine is reachable, a testcontainers Postgres is started instead. With neither, the
Postgres tests are skipped with the reason, and CI fails on any skip.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from redis.asyncio import Redis
from sqlalchemy import make_url

from adapters.sqlalchemy import migrate
from adapters.system.clock import FrozenClock
from entrypoints.container import Container, build_container, shutdown
from tests.conftest import make_settings
from tests.integration.smtp import SmtpServer
from tests.integration.tcp_proxy import TcpProxy


def _server_url() -> str | None:
    url = os.environ.get("INKWELL_TEST_DATABASE_URL")
    if url:
        return url
    try:
        import docker
        from testcontainers.postgres import PostgresContainer  # noqa: F401

        docker.from_env().ping()
    except Exception:
        return None
    return "testcontainers"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    url = _server_url()
    if url is None:
        pytest.skip("no INKWELL_TEST_DATABASE_URL and no Docker engine for testcontainers")
    if url != "testcontainers":
        yield url
        return
    from testcontainers.postgres import PostgresContainer

    with PostgresContainer("postgres:15", driver="asyncpg") as pg:
        yield pg.get_connection_url()


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _admin(url: str, sql: str) -> None:
    conn = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@asynccontextmanager
async def throwaway_database(server_url: str) -> AsyncIterator[str]:
    """A brand-new database on the server, dropped (even with open connections) afterwards."""
    name = f"inkwell_test_{uuid.uuid4().hex[:12]}"
    await _admin(server_url, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        await _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def empty_postgres(postgres_server: str) -> AsyncIterator[str]:
    async with throwaway_database(postgres_server) as url:
        yield url


@pytest.fixture
async def migrated_postgres(empty_postgres: str) -> str:
    await asyncio.to_thread(migrate.upgrade, empty_postgres)
    return empty_postgres


@pytest.fixture
async def migrated_sqlite(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'inkwell.db'}"
    await asyncio.to_thread(migrate.upgrade, url)
    return url


def sql_container(url: str, clock: FrozenClock | None = None, **settings: object) -> Container:
    container = build_container(make_settings(env="development", database_url=url, **settings))
    if clock is not None:
        container.clock.override(clock)
    return container


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def backend(request: pytest.FixtureRequest, clock: FrozenClock) -> AsyncIterator[Container]:
    """The same container on each persistence adapter: contract tests run on all three."""
    async with AsyncExitStack() as stack:
        if request.param == "memory":
            container = build_container(make_settings())
            container.clock.override(clock)
        else:
            if request.param == "sqlite":
                tmp_path: Path = request.getfixturevalue("tmp_path")
                url = f"sqlite+aiosqlite:///{tmp_path / 'inkwell.db'}"
            else:
                server = request.getfixturevalue("postgres_server")
                url = await stack.enter_async_context(throwaway_database(server))
            await asyncio.to_thread(migrate.upgrade, url)
            container = sql_container(url, clock)
        yield container
        await shutdown(container)


# ---------------------------------------------------------------- Redis


@pytest.fixture(scope="session")
def redis_server() -> Iterator[str]:
    url = os.environ.get("INKWELL_TEST_REDIS_URL")
    if url:
        yield url
        return
    try:
        import docker
        from testcontainers.redis import RedisContainer

        docker.from_env().ping()
    except Exception:
        pytest.skip("no INKWELL_TEST_REDIS_URL and no Docker engine for testcontainers")
    with RedisContainer("redis:7") as container:
        host, port = container.get_container_host_ip(), container.get_exposed_port(6379)
        yield f"redis://{host}:{port}/0"


@pytest.fixture
async def redis_prefix(redis_server: str) -> AsyncIterator[str]:
    """A key prefix of this test's own; its keys (the default job queue `{prefix}queue`
    included), and arq's job keys (`arq:job:<id>`, `arq:result:...`, `arq:in-progress:...`,
    `arq:retry:...`, which arq keeps outside any queue name), are deleted afterwards (the test
    Redis db belongs to the tests, which run one at a time)."""
    prefix = f"inkwell-test-{uuid.uuid4().hex[:10]}:"
    yield prefix
    client = Redis.from_url(redis_server)
    try:
        for pattern in (f"{prefix}*", "arq:*"):
            async for key in client.scan_iter(match=pattern, count=500):
                await client.delete(key)
    finally:
        await client.aclose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class OwnRedis:
    """A redis-server this test starts, kills and restarts on a port of its own."""

    def __init__(self, *extra_args: str) -> None:
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._extra_args = extra_args
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self._process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                *self._extra_args,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def pause(self) -> None:
        """SIGSTOP: the server keeps its data but answers nothing (a hung Redis)."""
        assert self._process is not None
        self._process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self._process is not None
        self._process.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        if self._process is not None:
            self._process.send_signal(signal.SIGCONT)
            self._process.kill()
            self._process.wait()
            self._process = None


@contextmanager
def started_redis(*extra_args: str) -> Iterator[OwnRedis]:
    """A redis-server of the test's own (with `extra_args`), killed afterwards."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = OwnRedis(*extra_args)
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    with started_redis() as server:
        yield server


# ---------------------------------------------------------------- SMTP


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(_free_port())
    server.start()
    yield server
    server.stop()


# ---------------------------------------------------------------- Postgres behind a proxy


@dataclass(frozen=True)
class ProxiedPostgres:
    proxy: TcpProxy
    url: str  # through the proxy: what the process under test is given
    direct_url: str  # straight to the server: for the test's own setup and checks


@pytest.fixture
def proxied_postgres(migrated_postgres: str) -> Iterator[ProxiedPostgres]:
    """This test's migrated database, reached through a proxy the test can cut or hang
    (the shared server behind it is never stopped)."""
    server = make_url(migrated_postgres)
    proxy = TcpProxy(server.host or "127.0.0.1", server.port or 5432, _free_port())
    proxy.start()
    through = server.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    try:
        yield ProxiedPostgres(proxy, through, migrated_postgres)
    finally:
        proxy.close()
