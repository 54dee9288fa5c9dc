"""The live pieces of a `make schemathesis` run: a throwaway Postgres database, a Redis
namespace, an SMTP sink, and processes that are always stopped."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import httpx
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink
from redis import Redis
from sqlalchemy import make_url

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _admin(url: str, sql: str) -> None:
    conn = await asyncpg.connect(_dsn(url))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    name = f"inkwell_schemathesis_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(server_url, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def redis_namespace(url: str, env: dict[str, str]) -> Iterator[None]:
    prefix = f"inkwell-schemathesis-{uuid.uuid4().hex[:10]}:"
    env["INKWELL_REDIS_URL"] = url
    env["INKWELL_REDIS_KEY_PREFIX"] = prefix
    env["INKWELL_JOB_QUEUE_NAME"] = f"{prefix}queue"
    try:
        yield
    finally:
        client = Redis.from_url(url)
        try:
            for pattern in (f"{prefix}*", "arq:*"):
                for key in client.scan_iter(match=pattern, count=500):
                    client.delete(key)
        finally:
            client.close()


@contextmanager
def smtp_sink(env: dict[str, str]) -> Iterator[None]:
    port = free_port()
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    env.update(INKWELL_EMAIL_BACKEND="smtp", INKWELL_SMTP_HOST="127.0.0.1")
    env["INKWELL_SMTP_PORT"] = str(port)
    try:
        yield
    finally:
        controller.stop()


@contextmanager
def process(
    args: list[str], env: dict[str, str], logfile: Path
) -> Iterator[subprocess.Popen[bytes]]:
    with logfile.open("wb") as out:
        proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        try:
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def wait_until_ready(base: str, server: subprocess.Popen[bytes], logfile: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"the server exited ({server.returncode}):\n{logfile.read_text()[-4000:]}")
        try:
            if httpx.get(f"{base}/health/ready", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    sys.exit(f"the server was not ready within 60 s:\n{logfile.read_text()[-4000:]}")
